"""The client's address behind proxies: X-Forwarded-For is believed only from a trusted proxy, and
never for what a client wrote into it itself."""

from __future__ import annotations

import pytest

from core.config import Settings, parse_networks
from core.errors import SettingsError
from core.identity.proxies import client_address

PROXIES = parse_networks(["10.0.0.5", "10.1.0.0/16", "::1", "127.0.0.1"])


@pytest.mark.parametrize(("peer", "forwarded", "expected"), [
    # No proxy in front: the peer, whatever header it sends.
    ("203.0.113.7", None, "203.0.113.7"),
    ("203.0.113.7", "198.51.100.1", "203.0.113.7"),
    # Behind the trusted proxy: the client it names.
    ("10.0.0.5", "198.51.100.1", "198.51.100.1"),
    # A client that sends its own header through the proxy: the proxy appends the real address,
    # which is what counts, not the spoofed one at the left.
    ("10.0.0.5", "1.2.3.4, 198.51.100.1", "198.51.100.1"),
    ("10.0.0.5", "10.0.0.5, 198.51.100.1", "198.51.100.1"),
    # Two trusted proxies in a row (an outer load balancer, then the inner proxy).
    ("10.0.0.5", "198.51.100.1, 10.1.4.4", "198.51.100.1"),
    # A client pretending to be one of the proxies: its own address is appended after the claim.
    ("10.0.0.5", "10.1.4.4, 198.51.100.9", "198.51.100.9"),
    # Garbage after the proxies' entries stops the walk at the last address a trusted proxy vouched for.
    ("10.0.0.5", "not-an-address, 10.1.4.4", "10.1.4.4"),
    ("10.0.0.5", "198.51.100.1, not-an-address", "10.0.0.5"),
    # Every entry trusted: the left-most one (the furthest the chain goes).
    ("10.0.0.5", "10.1.2.3, 10.1.4.4", "10.1.2.3"),
    # Trusted peer without the header, or with an empty one.
    ("10.0.0.5", None, "10.0.0.5"),
    ("10.0.0.5", " , ", "10.0.0.5"),
    # A proxy on the same machine (Streamlit reports a loopback peer; ui.auth passes 127.0.0.1).
    ("127.0.0.1", "198.51.100.1", "198.51.100.1"),
    # Addresses with ports, IPv6, and IPv4 written as IPv6.
    ("10.0.0.5", "198.51.100.1:50432", "198.51.100.1"),
    ("::1", "[2001:db8::1]:443", "2001:db8::1"),
    ("::ffff:10.0.0.5", "198.51.100.1", "198.51.100.1"),
    # An untrusted neighbour of a trusted range is not trusted.
    ("10.2.0.1", "198.51.100.1", "10.2.0.1"),
    # No peer at all (no request): nothing.
    (None, "198.51.100.1", None),
])
def test_the_client_address(peer, forwarded, expected):
    assert client_address(peer, forwarded, PROXIES) == expected


def test_without_trusted_proxies_the_header_is_never_believed():
    assert client_address("127.0.0.1", "198.51.100.1", []) == "127.0.0.1"


def test_the_setting_takes_a_list_or_a_comma_separated_text_and_refuses_what_is_not_an_address(monkeypatch):
    monkeypatch.setenv("PORTAL_TRUSTED_PROXIES", "10.0.0.5, 10.1.0.0/16 ::1")
    assert Settings().trusted_proxies == ["10.0.0.5", "10.1.0.0/16", "::1"]
    assert [str(n) for n in Settings(trusted_proxies=["10.0.0.5"]).trusted_proxy_networks] == ["10.0.0.5/32"]
    monkeypatch.setenv("PORTAL_TRUSTED_PROXIES", "10.0.0.5, proxy.college.edu")
    with pytest.raises(SettingsError, match="PORTAL_TRUSTED_PROXIES.*'proxy.college.edu' is not an IP address"):
        Settings()
    monkeypatch.delenv("PORTAL_TRUSTED_PROXIES")
    assert Settings().trusted_proxies == []
