"""The institution's network in a real browser: a student finds a career office volunteer in a focus
occupation, adds them in one click, opens the introduction drafted for them, and sees, on a person a
classmate already wrote to, how many classmates did (never who)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import main_text, open_page, sign_in, wait_idle

WAIT = 20_000
PERSON = {"First name": "Imani", "Last name": "Cole", "Organization": "Harbor Clinic",
          "Email": "imani.cole@harbor.example"}


def _add_target(page, values: dict[str, str]) -> None:
    open_page(page, "Targets", "Targets")
    page.get_by_role("tab", name="Add a target").click()
    for label, value in values.items():
        page.get_by_role("textbox", name=label, exact=True).first.fill(value)
    page.get_by_role("button", name="Add target").click()
    wait_idle(page)
    expect(page.get_by_text(re.compile(r"Added Imani Cole"))).to_be_visible(timeout=WAIT)


def test_a_student_adds_a_volunteer_drafts_the_intro_and_is_told_a_classmate_asked_someone(portal, page, browser):
    # A classmate wrote to Imani Cole first.
    other = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        classmate = other.new_page()
        classmate.set_default_timeout(45_000)
        sign_in(classmate, portal.url, "student08")
        _add_target(classmate, PERSON)
        expect(classmate.get_by_text("already reached out")).to_have_count(0)  # nobody before them
    finally:
        other.close()

    sign_in(page, portal.url, "student07")
    open_page(page, "Volunteers", "Volunteers")
    expect(page.get_by_role("switch", name="Only my focus occupations")).to_be_checked()
    cards = page.locator("[class*='st-key-student_volunteers_card_']")
    expect(cards.first).to_be_visible(timeout=WAIT)
    name = (cards.filter(has=page.get_by_role("button", name="Add to my targets"))
            .first.locator("strong").first.inner_text())
    card = cards.filter(has_text=name)
    card.get_by_role("button", name="Add to my targets").click()
    wait_idle(page)
    expect(page.get_by_text(f"Added {name} to your targets, with the introduction drafted.")).to_be_visible(
        timeout=WAIT)
    # The card now says they are in the student's targets, and there is no second Add.
    expect(card.get_by_text("In your targets")).to_be_visible()

    page.get_by_role("link", name="Open the introduction draft").click()
    wait_idle(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Outreach", timeout=WAIT)
    expect(page.get_by_text(re.compile("I found your name through our career office")).first).to_be_visible(
        timeout=WAIT)
    first_name = name.split()[0]
    assert f"Dear {first_name}," in main_text(page) or page.locator("textarea").first.input_value().startswith(
        f"Dear {first_name},")

    # The same person the classmate asked: the student learns one classmate did, and never who.
    _add_target(page, PERSON)
    notice = page.get_by_text(re.compile(r"^1 other student at your institution already reached out"))
    expect(notice).to_be_visible(timeout=WAIT)
    text = main_text(page)
    from seeds.demo import FIRST, LAST
    classmate_name = (FIRST[7], LAST[(7 * 7) % len(LAST)])  # student08, as the demo names them
    assert "student08" not in text and not any(part in text for part in classmate_name)
