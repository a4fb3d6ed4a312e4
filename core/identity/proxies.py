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
