"""In the browser: a session left unused for the idle time ends at the next click, which says so; signing in again
in the same tab brings back the reflection that click was saving (core/identity/sessions.py, ui/auth.py)."""

from __future__ import annotations

import re
import time

from tests.browser.conftest import open_page, sign_in, wait_idle

# Half a minute, so the test waits that long and not eight hours.
PORTAL_ENV = {"PORTAL_SESSION_IDLE_MINUTES": "0.5"}
IDLE_SECONDS = 30


def test_an_idle_session_ends_at_the_next_click_and_signing_in_again_keeps_the_text(portal, page):
    sign_in(page, portal.url, "student07")
    open_page(page, "Reflection", "Reflection")
    wait_idle(page)
    last_use = time.time()  # the tab's last run; typing into a form sends nothing until it is submitted
    words = "The field moves slower than I thought; ask Dana about the hiring season."
    box = page.get_by_role("textbox").first
    box.fill(words)
    # The rule is about time: wait until the idle time has passed since the tab last reached the server.
    page.wait_for_function(f"() => Date.now() > {int((last_use + IDLE_SECONDS + 2) * 1000)}",
                           timeout=(IDLE_SECONDS + 30) * 1000, polling=500)
    page.get_by_role("button", name="Save reflection").click()
    page.get_by_text("You were signed out because the portal was not used for 30 seconds. "
                     "Sign in again to carry on where you were.").wait_for()
    assert page.get_by_text("Reflection saved.").count() == 0

    # Sign in again in the same tab (not a fresh load, which would start a new tab's state).
    wait_idle(page)
    page.get_by_label("Username").fill("student07")
    page.get_by_label("Password", exact=True).fill("Demo-2026!")
    page.get_by_role("button", name=re.compile(r"^Sign in$")).click()
    page.get_by_role("heading", name="Reflection").first.wait_for()
    wait_idle(page)
    assert page.get_by_role("textbox").first.input_value() == words, "what was typed is there to save again"
    page.get_by_role("button", name="Save reflection").click()
    page.get_by_text("Reflection saved.").wait_for()
