"""Browser helpers for the session tests: a second browser, the admin's account actions, sidebar clicks."""

from __future__ import annotations

import re

from tests.browser.conftest import sign_in, wait_idle

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


def nav_click(page, title: str) -> None:
    """Click a sidebar link once the portal is idle."""
    wait_idle(page)
    page.locator("[data-testid='stSidebarNav']").get_by_role("link", name=title, exact=True).first.click()


def open_page(page, title: str, heading: str) -> None:
    """Open a page from the sidebar; a click during the rerun that follows sign-in can be dropped, so retry."""
    for attempt in range(3):
        nav_click(page, title)
        try:
            page.get_by_role("heading", name=heading).first.wait_for(timeout=10_000)
            break
        except Exception:  # noqa: BLE001 - retried, then the last wait reports
            if attempt == 2:
                raise
    wait_idle(page)


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
        admin.get_by_text(done).first.wait_for()
    finally:
        admin.context.close()


def auth_cookies(page) -> list[dict]:
    return [c for c in page.context.cookies() if c["name"] == "interview_portal_auth"]
