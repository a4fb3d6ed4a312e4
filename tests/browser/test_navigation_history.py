"""In the browser: an address survives sign-in, another role's address is refused by the page, one history entry per
page."""

from __future__ import annotations

from core.store.db import Database
from tests.browser.conftest import open_page, sign_in, wait_idle

NOT_FOUND = "does not seem to exist"


def _a_contact_of(demo_file, username: str) -> tuple[int, str]:
    with Database(demo_file).cursor() as cur:  # the portal serves a copy; the original is free to read
        return cur.execute("""SELECT c.id, c.first_name || ' ' || c.last_name FROM contacts c
                              JOIN users u ON u.id = c.student_id WHERE u.username = ? ORDER BY c.id DESC LIMIT 1""",
                           [username]).fetchone()


def test_a_deep_link_opened_signed_out_opens_after_sign_in_with_its_parameters(portal, page, demo_file):
    contact_id, name = _a_contact_of(demo_file, "student07")
    address = f"{portal.url}/student_meetings?contact={contact_id}"
    page.goto(address)
    wait_idle(page)
    page.get_by_label("Username").wait_for()
    assert NOT_FOUND not in page.locator("body").inner_text()
    assert f"contact={contact_id}" in page.url and "/student_meetings" in page.url
    sign_in(page, address, "student07")
    page.get_by_role("heading", name="Meetings").first.wait_for()
    assert "/student_meetings" in page.url and f"contact={contact_id}" in page.url, page.url
    assert name in page.get_by_role("combobox", name="Contact").input_value(), "the contact in the address is chosen"
    assert NOT_FOUND not in page.locator("body").inner_text()


def test_a_student_opening_a_counselor_address_is_told_whom_it_is_for(portal, page):
    sign_in(page, portal.url + "/counselor_home", "student07")
    page.get_by_text("This page is for counselors").wait_for()
    body = page.locator("body").inner_text()
    assert NOT_FOUND not in body and "Your cohorts" not in body and "Health & Science Explorers" not in body
    sidebar = page.locator("[data-testid='stSidebarNav']").inner_text()
    assert "Cohort dashboard" not in sidebar and "Targets" in sidebar, "other roles' pages stay out of the menu"


def test_back_goes_to_the_previous_page_in_one_step(portal, page):
    sign_in(page, portal.url, "student07")
    page.get_by_role("heading", name="Hello, Gabriel").wait_for()
    start = page.evaluate("history.length")
    open_page(page, "Targets", "Targets")
    open_page(page, "Meetings", "Meetings")
    wait_idle(page)
    assert page.evaluate("history.length") == start + 2, "one history entry per page opened"
    page.go_back()
    wait_idle(page)
    page.get_by_role("heading", name="Targets").first.wait_for(timeout=15_000)
    assert "/student_targets" in page.url, page.url
    page.go_back()
    wait_idle(page)
    page.get_by_role("heading", name="Hello, Gabriel").wait_for(timeout=15_000)


def test_signing_in_on_a_deep_link_adds_no_history_entry(portal, page, demo_file):
    contact_id, _ = _a_contact_of(demo_file, "student07")
    page.goto(portal.url + "/student_targets")
    wait_idle(page)
    address = f"{portal.url}/student_meetings?contact={contact_id}"
    sign_in(page, address, "student07")
    page.get_by_role("heading", name="Meetings").first.wait_for()
    open_page(page, "Research", "Research")
    page.go_back()
    wait_idle(page)
    page.get_by_role("heading", name="Meetings").first.wait_for(timeout=15_000)
    assert f"contact={contact_id}" in page.url
    page.go_back()
    wait_idle(page)
    assert "/student_targets" in page.url, "Back leaves the signed-in pages in one step per page: " + page.url
