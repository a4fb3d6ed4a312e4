"""In the browser: a guessable new password is refused saying why with what was typed kept, and a long
passphrase with spaces and accents is saved and signs in."""

from __future__ import annotations

from tests.browser.conftest import sign_in, wait_idle
from tests.browser.session_helpers import new_page, open_page

PASSPHRASE = "le phare du vieux port s'allume à la tombée de la nuit, près des bateaux"


def test_a_student_chooses_a_long_passphrase_after_a_guessable_password_is_refused(portal, page, browser):
    assert len(PASSPHRASE) >= 64
    sign_in(page, portal.url, "student21")
    open_page(page, "Account", "Account")
    current = page.get_by_role("textbox", name="Current (or one-time) password", exact=True)
    new = page.get_by_role("textbox", name="New password", exact=True)
    repeat = page.get_by_role("textbox", name="Repeat the new password", exact=True)
    current.fill("Demo-2026!")
    new.fill("password1234")
    repeat.fill("password1234")
    page.get_by_role("button", name="Save password").click()
    page.get_by_text("That password is too easy to guess. This is a very common password.").wait_for()
    wait_idle(page)
    assert current.input_value() == "Demo-2026!", "what was typed stays after a refusal"

    new.fill(PASSPHRASE)
    repeat.fill(PASSPHRASE)
    page.get_by_role("button", name="Save password").click()
    page.get_by_text("Password changed.").wait_for()

    elsewhere = new_page(browser)
    try:
        sign_in(elsewhere, portal.url, "student21", PASSPHRASE)
        elsewhere.get_by_text("Signed in as").wait_for()
    finally:
        elsewhere.context.close()
