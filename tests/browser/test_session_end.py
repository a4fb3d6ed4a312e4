"""In the browser: a password change ends every other browser and copied cookie; sign-out ends the other browser."""

from __future__ import annotations

from tests.browser.conftest import sign_in, wait_for_auth_cookie, wait_idle
from tests.browser.session_helpers import auth_cookies, new_page, open_page


def _signed_in(page) -> bool:
    return page.get_by_text("Signed in as").count() > 0


def test_a_cookie_copied_before_a_password_change_no_longer_signs_in(portal, page, browser):
    sign_in(page, portal.url, "student19")
    copied = auth_cookies(page)
    assert copied, "the re-login cookie is set"

    replay = new_page(browser, copied)
    try:
        replay.goto(portal.url)
        wait_idle(replay)
        replay.get_by_text("Signed in as").wait_for()  # the copy works while the password is unchanged
    finally:
        replay.context.close()

    open_page(page, "Account", "Account")
    page.get_by_role("textbox", name="Current (or one-time) password", exact=True).fill("Demo-2026!")
    page.get_by_role("textbox", name="New password", exact=True).fill("Changed-2026!")
    page.get_by_role("textbox", name="Repeat the new password", exact=True).fill("Changed-2026!")
    page.get_by_role("button", name="Save password").click()
    page.get_by_text("Password changed.").wait_for()
    wait_idle(page)
    assert _signed_in(page), "the browser that changed the password stays signed in"

    replay = new_page(browser, copied)
    try:
        replay.goto(portal.url)
        wait_idle(replay)
        replay.get_by_label("Username").wait_for()
        assert not _signed_in(replay), "the copied cookie no longer signs in"
    finally:
        replay.context.close()

    # The browser that changed it carries on with a new cookie: a fresh load with it is signed in.
    wait_for_auth_cookie(page, other_than=copied[0]["value"], timeout=45_000)
    assert auth_cookies(page)[0]["value"] != copied[0]["value"], "a new re-login cookie replaces the old one"
    page.goto(portal.url)
    wait_idle(page)
    page.get_by_text("Signed in as").wait_for()


def test_a_cookie_copied_before_signing_out_no_longer_signs_in(portal, page, browser):
    """Sign-out ends the session on the server: a copy of the cookie (another browser, a stolen one) is refused
    even though nothing could delete it there."""
    sign_in(page, portal.url, "student20")
    copied = auth_cookies(page)
    assert copied and copied[0]["httpOnly"], "the re-login cookie is set, HttpOnly"
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Username").wait_for()

    replay = new_page(browser, copied)
    try:
        replay.goto(portal.url)
        wait_idle(replay)
        replay.get_by_label("Username").wait_for()
        assert not _signed_in(replay), "the copied cookie no longer signs in"
    finally:
        replay.context.close()
