"""Browser helpers for the session tests: a second browser, the admin's account actions, sidebar clicks."""

from __future__ import annotations

import re

from tests.browser.conftest import AUTH_COOKIE, nav_click, open_page, sign_in, wait_idle  # noqa: F401 - re-exported

ENDED = "Your session has ended"
INACTIVE = "Your account is no longer active"


def new_page(browser, cookies=None):
    """A page in a fresh browser context (another browser, as far as the portal knows)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    if cookies:
        context.add_cookies(cookies)
    page = context.new_page()
    page.set_default_timeout(45_000)
    return page


# The Accounts page asks before these act (naming the person); the action happens on Confirm.
ASKS_FIRST = ("Deactivate", "Reset password")


def confirm_account_action(admin) -> None:
    """Answer the Accounts page's question about the account action just pressed with Confirm."""
    admin.get_by_role("button", name=re.compile(r"^Confirm: ")).click()
    wait_idle(admin)


def as_admin(browser, url: str, username: str, button: str, done: re.Pattern) -> None:
    """Sign in as the admin in another browser, press an account action for the user, and wait for its result."""
    admin = new_page(browser)
    try:
        sign_in(admin, url, "admin")
        open_page(admin, "Accounts", "Accounts")
        admin.get_by_role("textbox", name="Search").fill(username)
        admin.keyboard.press("Enter")
        wait_idle(admin)
        admin.get_by_role("button", name=button).click()
        wait_idle(admin)
        if button in ASKS_FIRST:
            confirm_account_action(admin)
        admin.get_by_text(done).first.wait_for()
    finally:
        admin.context.close()


def auth_cookies(page) -> list[dict]:
    return [c for c in page.context.cookies() if c["name"] == AUTH_COOKIE]
