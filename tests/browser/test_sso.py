"""Single sign-on in a real browser against a real OpenID Connect provider on loopback.

The provider is oidc-provider-mock, started by this module on a free port of localhost; the portal
is configured for it through a secrets file as an institution would configure its own (an [auth]
table for Streamlit's st.login and sso_provider in [portal]). Its authorization page lets the test
pick who signs in: the people below, with the claims a real provider would send.
"""

from __future__ import annotations

import os
import re
import secrets

import pytest

from tests.browser.conftest import main_text, serve_portal, wait_for_auth_cookie, wait_for_no_auth_cookie, wait_idle
from tests.browser.session_helpers import INACTIVE, as_admin

LABEL = "College account"
PEOPLE = {
    "gabriel": {"email": "student07@demo.example.edu", "email_verified": True, "given_name": "Gabriel"},
    "stranger": {"email": "stranger@elsewhere.example.org", "email_verified": True},
    "leaver": {"email": "student22@demo.example.edu", "email_verified": True},
}


@pytest.fixture(scope="module")
def provider():
    """The OpenID Connect provider, on loopback, for this module's tests."""
    from oidc_provider_mock import User, run_server_in_thread

    # The provider speaks plain HTTP on loopback; Authlib refuses that unless told it is a test.
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    users = [User(sub=sub, claims=claims) for sub, claims in PEOPLE.items()]
    with run_server_in_thread(port=0, user_claims=users) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def portal(tmp_path_factory, demo_file, provider):
    """The portal with single sign-on set up for the provider."""
    work = tmp_path_factory.mktemp("sso-portal")
    secrets_file = work / "secrets.toml"
    secrets_file.write_text(f"""
[auth]
redirect_uri = "http://127.0.0.1:{{port}}/oauth2callback"
cookie_secret = "{secrets.token_urlsafe(32)}"

[auth.institution]
client_id = "interview-portal"
client_secret = "{secrets.token_urlsafe(16)}"
server_metadata_url = "{provider}/.well-known/openid-configuration"

[portal]
sso_provider = "institution"
sso_label = "{LABEL}"
""", encoding="utf-8")
    env = {"PORTAL_SECRETS_FILE": str(secrets_file), "AUTHLIB_INSECURE_TRANSPORT": "1"}
    with serve_portal(work, demo_file, env, ("--secrets.files", str(secrets_file))) as served:
        yield served


def sso_sign_in(page, url: str, who: str) -> None:
    """Open the portal, press the single sign-on button, and pick who signs in at the provider."""
    page.goto(url)
    wait_idle(page)
    page.get_by_role("button", name=f"Sign in with {LABEL}").click()
    page.get_by_role("button", name=who, exact=True).click()  # the provider's page
    page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/"))
    wait_idle(page)


def test_a_known_email_signs_in_with_the_portals_role_and_signs_out(portal, page):
    sso_sign_in(page, portal.url, "gabriel")
    page.get_by_role("heading", name="Hello, Gabriel").wait_for()
    assert "Signed in as Gabriel" in page.locator("[data-testid='stSidebar']").inner_text()
    assert "(student)" in page.locator("[data-testid='stSidebar']").inner_text(), "the portal's role"
    wait_for_auth_cookie(page)  # the portal's own session cookie, beside Streamlit's identity cookie

    page.get_by_role("button", name="Sign out").click()
    # Streamlit's st.logout ends the provider's session too: its page asks to confirm, then comes back.
    page.get_by_role("button", name="End session").click()
    page.get_by_role("button", name=f"Sign in with {LABEL}").wait_for()
    wait_idle(page)
    assert not [c for c in page.context.cookies() if c["name"].startswith("_streamlit_user")], \
        "Streamlit's identity cookie is gone"
    wait_for_no_auth_cookie(page)
    page.reload()
    wait_idle(page)
    page.get_by_role("button", name=f"Sign in with {LABEL}").wait_for()
    assert page.get_by_text("Signed in as").count() == 0, "a reload stays signed out"


def test_an_email_without_an_account_is_told_to_ask_the_career_office(portal, page):
    sso_sign_in(page, portal.url, "stranger")
    page.get_by_text("There is no portal account for stranger@elsewhere.example.org").wait_for()
    assert "Ask your career office" in main_text(page)
    assert page.get_by_text("Signed in as").count() == 0
    page.get_by_role("button", name=f"Sign out of {LABEL}").wait_for()


def test_a_deactivated_account_cannot_sign_in_through_the_provider(portal, page, browser):
    as_admin(browser, portal.url, "student22", "Deactivate", re.compile(r"student22 is deactivated"))
    sso_sign_in(page, portal.url, "leaver")
    page.get_by_text(INACTIVE).wait_for()
    assert page.get_by_text("Signed in as").count() == 0
    assert page.get_by_role("heading", name="Hello").count() == 0


def test_signing_out_ends_the_provider_sign_in_of_another_browser(portal, page, browser):
    """Streamlit keeps the provider's sign-in in its own cookie; signing out elsewhere must still end it."""
    from tests.browser.session_helpers import ENDED, new_page

    sso_sign_in(page, portal.url, "gabriel")
    page.get_by_role("heading", name="Hello, Gabriel").wait_for()
    other = new_page(browser)
    try:
        sso_sign_in(other, portal.url, "gabriel")
        other.get_by_role("heading", name="Hello, Gabriel").wait_for()
        page.wait_for_timeout(1_100)  # providers stamp their tokens in whole seconds
        page.get_by_role("button", name="Sign out").click()
        page.get_by_role("button", name="End session").click()
        page.get_by_role("button", name=f"Sign in with {LABEL}").wait_for()

        # The other browser still holds Streamlit's identity cookie from before: a reload is refused.
        other.reload()
        wait_idle(other)
        other.get_by_text(ENDED).wait_for()
        assert other.get_by_text("Signed in as").count() == 0
        # Signing in again at the provider gives a new identity, which counts.
        other.get_by_role("button", name=f"Sign in again with {LABEL}").click()
        other.get_by_role("button", name="gabriel", exact=True).click()
        other.get_by_role("heading", name="Hello, Gabriel").wait_for()
    finally:
        other.context.close()
