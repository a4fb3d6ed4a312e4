"""The client's address behind reverse proxies, for the sign-in throttle.

Behind a proxy every request comes from the proxy's address, so throttling by the direct peer would
lock everyone out at once. X-Forwarded-For names the client, but anyone can send that header: it is
believed only from a configured trusted proxy (`trusted_proxies`), and then read from the right,
past the trusted proxies' own entries, to the first address no trusted proxy vouches for. What a
client wrote at the left of the header itself is never taken while a proxy's entry follows it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from core.config import Network

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _address(text: str) -> Address | None:
    text = text.strip().strip('"')
    if text.startswith("["):  # [v6]:port
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        found = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(found, ipaddress.IPv6Address) and found.ipv4_mapped is not None:
        return found.ipv4_mapped
    return found


def _trusted(address: Address, networks: Sequence[Network]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


SERVER_DEFAULT_TRUSTED = "127.0.0.1,::1"  # uvicorn's FORWARDED_ALLOW_IPS when unset


def _server_trusts(address: Address | None, entry: str, trusted: list[str]) -> bool:
    """Whether the web server trusts a host, by its rule: an address or a network in the list, or '*'."""
    if "*" in trusted:
        return True
    for host in trusted:
        try:
            if address is not None and address in ipaddress.ip_network(host, strict=False):
                return True
        except ValueError:
            if entry.strip() == host:
                return True
    return False


def server_peer(reported: str | None, forwarded_for: str | None, server_trusted: str | None) -> str | None:
    """The connection's own address, before the web server's proxy-header rule replaced it.

    reported: the address the server gives; server_trusted: its FORWARDED_ALLOW_IPS (None: unset). When
    the server trusts some hosts and the request carries X-Forwarded-For, an address equal to the entry the
    server would have taken (the right-most one it does not trust) came from one of its trusted hosts: the
    first of them stands for the peer. Otherwise the reported address is the peer.
    """
    if reported is None or not forwarded_for:
        return reported
    trusted = [h.strip() for h in (SERVER_DEFAULT_TRUSTED if server_trusted is None else server_trusted).split(",")
               if h.strip()]
    if not trusted:
        return reported
    entries = [e.strip() for e in forwarded_for.split(",") if e.strip()]
    if not entries:
        return reported
    chosen = next((e for e in reversed(entries) if not _server_trusts(_address(e), e, trusted)), entries[0])
    if _address(chosen) != _address(reported) or _address(reported) is None:
        return reported
    stand_in = next((h for h in trusted if _address(h) is not None), "127.0.0.1")
    return str(_address(stand_in))


def client_address(peer: str | None, forwarded_for: str | None, trusted: Sequence[Network]) -> str | None:
    """The client's address: the direct peer, unless it is a trusted proxy; then the right-most address
    in X-Forwarded-For that is not a trusted proxy (or the left-most when every one is)."""
    direct = _address(peer) if peer else None
    if direct is None:
        return peer
    if not forwarded_for or not _trusted(direct, trusted):
        return str(direct)
    chain = [part for part in forwarded_for.split(",") if part.strip()]
    nearest = direct
    for part in reversed(chain):
        found = _address(part)
        if found is None:
            break  # not written by a trusted proxy: stop at the last address one vouched for
        nearest = found
        if not _trusted(found, trusted):
            break
    return str(nearest)
