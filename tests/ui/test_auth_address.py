"""The sign-in throttle's address for a connection from loopback with no trusted proxy configured: the web
server's own proxy-header rule (uvicorn believes X-Forwarded-For from 127.0.0.1 unless FORWARDED_ALLOW_IPS
says otherwise) must not let a client choose its address, so 21 failed sign-ins with a rotated header still
meet the per-address lock. PORTAL_TRUSTED_PROXIES is the only source of truth."""

from __future__ import annotations

import asyncio

import pytest
import streamlit as st
import uvicorn

import ui.auth
from core.config import Settings
from core.errors import SignInRefused
from core.identity import accounts
from core.identity.proxies import server_peer
from tests.conftest import NOW


class _Headers(dict):
    def get_all(self, name: str) -> list[str]:
        return [v for k, v in self.items() if k.lower() == name.lower()]


class _Context:
    """st.context as Streamlit fills it from the connection's ASGI scope (context.py: loopback is None)."""

    def __init__(self, client: str, headers: dict[str, str]) -> None:
        self.ip_address = None if client in {"::1", "127.0.0.1"} else client
        self.headers = _Headers(headers)


def _as_the_server_sees_it(peer: str, headers: dict[str, str]) -> str:
    """The client address after the web server's own handling, as `streamlit run` builds it: uvicorn.Config
    with Streamlit's arguments (no forwarded_allow_ips), loaded with its proxy-header middleware."""
    seen: dict = {}

    async def app(scope, receive, send):
        seen.update(scope)

    config = uvicorn.Config(app, lifespan="off", log_level="critical")
    config.load()
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": "/_stcore/stream", "raw_path": b"/_stcore/stream", "query_string": b"", "root_path": "",
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()], "client": (peer, 50000),
             "server": ("127.0.0.1", 8501)}
    asyncio.run(config.loaded_app(scope, None, None))
    return seen["client"][0]


def _address(monkeypatch, settings: Settings, peer: str, forwarded: str | None) -> str | None:
    headers = {"Host": "portal.test", **({"X-Forwarded-For": forwarded} if forwarded else {})}
    monkeypatch.setattr(st, "context", _Context(_as_the_server_sees_it(peer, headers), headers))
    return ui.auth.client_address(settings)


@pytest.fixture
def no_server_setting(monkeypatch):
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)  # the portal started without the server's setting


def test_rotated_forwarded_for_from_loopback_still_meets_the_per_address_lock(db, monkeypatch, no_server_setting):
    settings = Settings(demo_mode=True, trusted_proxies=[])
    refusals = []
    for attempt in range(1, 22):
        address = _address(monkeypatch, settings, "127.0.0.1", f"203.0.113.{attempt}")
        assert address == "127.0.0.1"
        with pytest.raises(SignInRefused) as refused:
            accounts.password_sign_in(db, username=f"nobody{attempt}", password="wrong", address=address, now=NOW,
                                      max_per_address=settings.login_max_failures_per_address)
        refusals.append(refused.value.until)
    assert refusals[-1] is not None, "the 21st failed sign-in from one address is locked out"


@pytest.mark.parametrize(("peer", "forwarded", "trusted", "expected"), [
    # No proxy configured: loopback stays loopback, a remote client stays itself, whatever it writes.
    ("127.0.0.1", "203.0.113.9", [], "127.0.0.1"),
    ("198.51.100.4", "203.0.113.9", [], "198.51.100.4"),
    # The proxy on this machine is configured: the client it names, read from the right.
    ("127.0.0.1", "203.0.113.9", ["127.0.0.1"], "203.0.113.9"),
    ("127.0.0.1", "1.2.3.4, 203.0.113.9", ["127.0.0.1"], "203.0.113.9"),
    # A proxy elsewhere, which the web server does not trust by itself.
    ("10.0.0.5", "203.0.113.9", ["10.0.0.5"], "203.0.113.9"),
    ("10.0.0.5", "203.0.113.9", [], "10.0.0.5"),
])
def test_the_portals_setting_decides_with_or_without_the_servers(monkeypatch, peer, forwarded, trusted, expected):
    settings = Settings(demo_mode=True, trusted_proxies=trusted)
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    assert _address(monkeypatch, settings, peer, forwarded) == expected
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "")  # as deploy/ and `make run` start it: the server believes nothing
    assert _address(monkeypatch, settings, peer, forwarded) == expected


@pytest.mark.parametrize(("reported", "forwarded", "server", "expected"), [
    ("203.0.113.9", "203.0.113.9", None, "127.0.0.1"),  # the server put the header's entry in the peer's place
    ("203.0.113.9", "203.0.113.9", "", "203.0.113.9"),  # a server that believes nothing: the peer itself
    ("203.0.113.9", "203.0.113.9, 10.9.9.9", None, "203.0.113.9"),  # not the entry the server would take
    ("203.0.113.9", None, None, "203.0.113.9"),
    ("203.0.113.9", "203.0.113.9", "10.0.0.0/8", "127.0.0.1"),
])
def test_server_peer_undoes_only_the_servers_own_replacement(reported, forwarded, server, expected):
    assert server_peer(reported, forwarded, server) == expected


def test_a_remote_client_writing_its_own_address_last_cannot_choose_another(monkeypatch, no_server_setting):
    # Without the server's setting its own address cannot be told from a replacement: it is counted with
    # loopback, so it joins one address's count and never picks a fresh one.
    settings = Settings(demo_mode=True, trusted_proxies=[])
    for forwarded in ("203.0.113.9, 198.51.100.4", "203.0.113.10, 198.51.100.4"):
        assert _address(monkeypatch, settings, "198.51.100.4", forwarded) in {"127.0.0.1", "198.51.100.4"}
        assert _address(monkeypatch, settings, "198.51.100.4", forwarded) == \
            _address(monkeypatch, settings, "198.51.100.4", "203.0.113.11, 198.51.100.4")
