"""What the portal's sign-in relies on from Streamlit, streamlit-authenticator and the browser, pinned.

The portal owns its sessions (core/identity/sessions.py) and its re-login cookie (ui/session_route.py) and
uses each library only through its documented API:

- Streamlit 1.67: st.context.cookies / headers / ip_address to read the request, st.html with
  unsafe_allow_javascript to run the one line that fetches the cookie, st.App(routes=...) to serve
  the cookie route, st.login / st.logout / st.user for single sign-on.
- streamlit-authenticator 0.4.2: only its Hasher, which makes and checks the stored bcrypt hashes
  (core/identity/accounts.py), so an institution's credentials file from a streamlit-authenticator
  app can be imported with its hashes as they are.
- No cookie component (extra-streamlit-components) any more: a component reports back and forces a
  second script run, in which a click could be lost.

These tests fail on an upgrade that changes any of that, before sign-in breaks in a browser.
"""

from __future__ import annotations

import inspect
import re
from importlib.metadata import version
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parents[2]
PORTAL_CODE = [ROOT / "app.py", *sorted((ROOT / "ui").glob("*.py")), *sorted((ROOT / "pages").glob("*.py"))]


def test_the_libraries_are_the_versions_these_contracts_were_read_from():
    assert version("streamlit") == "1.67.0"
    assert version("streamlit-authenticator") == "0.4.2"


def test_st_context_offers_the_requests_cookies_headers_and_address():
    for name in ("cookies", "headers", "ip_address"):
        assert isinstance(inspect.getattr_static(type(st.context), name), property), name
    # Outside a script run they are empty, not an error (the sign-in code reads them in every run).
    assert dict(st.context.cookies) == {} and st.context.ip_address is None


def test_st_html_runs_javascript_only_when_asked():
    params = inspect.signature(st.html).parameters
    assert "unsafe_allow_javascript" in params and params["unsafe_allow_javascript"].default is False


def test_the_browser_side_of_st_html_runs_the_scripts_it_is_given():
    """The page script that fetches the cookie runs because Streamlit's frontend re-creates the <script>
    elements of an st.html with unsafe_allow_javascript (scripts set as innerHTML do not run)."""
    static = Path(st.__file__).parent / "static" / "static" / "js"
    bundles = [p.read_text(encoding="utf-8", errors="replace") for p in static.glob("Html.*.js")]
    assert bundles, "Streamlit's Html element bundle moved"
    text = bundles[0]
    assert "unsafeAllowJavascript" in text and "createElement(`script`)" in text
    assert "ADD_TAGS:[`script`" in text, "scripts survive the sanitizer when JavaScript is allowed"


def test_st_app_serves_the_cookie_route_beside_the_download_route():
    from ui import download_route, session_route

    assert "routes" in inspect.signature(st.App).parameters
    # User routes are checked against Streamlit's reserved paths at construction; both pass.
    st.App(str(ROOT / "app.py"), routes=[*download_route.routes(), *session_route.routes()])
    assert [r.path for r in session_route.routes()] == ["/portal-session"]
    assert session_route.routes()[0].methods >= {"POST", "DELETE"}


def test_single_sign_on_is_streamlits_documented_api():
    assert list(inspect.signature(st.login).parameters) == ["provider"]
    assert "logout" in dir(st) and callable(st.logout)
    assert hasattr(st, "user") and "is_logged_in" in inspect.getsource(type(st.user))


def test_stored_password_hashes_are_ones_the_authenticators_hasher_checks():
    from streamlit_authenticator.utilities.hasher import Hasher

    from core.identity.accounts import check_password, hash_password

    ours = hash_password("Pass-word-1!", rounds=4)
    assert Hasher.check_pw("Pass-word-1!", ours) and not Hasher.check_pw("Pass-word-2!", ours)
    assert check_password("Pass-word-1!", Hasher.hash("Pass-word-1!"))


def test_the_portal_uses_no_library_internals_and_no_cookie_component():
    """No private attribute of a library (st.Page._default and the like), no controller or model of
    streamlit-authenticator built by hand, no cookie component."""
    private = re.compile(r"\b(st|stauth|stx|streamlit)\.(\w+\.)*_[a-z]\w*")
    for path in PORTAL_CODE:
        text = path.read_text(encoding="utf-8")
        assert not private.search(text), f"{path.name}: {private.search(text).group(0)}"
        assert "extra_streamlit_components" not in text, path.name
        assert not re.search(r"streamlit_authenticator\.(controllers|models|views)", text), path.name
        assert "__new__(" not in text, path.name


def test_single_sign_on_serves_the_redirect_uri_the_guide_tells_providers_to_register():
    """docs/administration.md has institutions register <portal>/oauth2callback; Streamlit serves it,
    with the sign-in and sign-out routes st.login and st.logout send the browser to."""
    from streamlit.web.server.starlette.starlette_auth_routes import create_auth_routes

    paths = {route.path for route in create_auth_routes("")}
    assert {"/oauth2callback", "/auth/login", "/auth/logout"} <= paths
    assert version("authlib") == "1.9.9", "Streamlit's OpenID Connect client (pinned in pyproject.toml)"


def test_streamlits_identity_cookie_is_httponly():
    """What the administration guide says of `_streamlit_user`."""
    from streamlit.web.server.starlette import starlette_auth_routes

    source = inspect.getsource(starlette_auth_routes)
    assert '"_streamlit_user"' in source or "_streamlit_user" in source
    assert "httponly=True" in source
