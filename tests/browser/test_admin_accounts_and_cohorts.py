"""In the browser: the career office's Cohorts page keeps the tab the person was on after Assign, and the
Accounts page asks before deactivating someone, naming them, and changes nothing on Cancel."""

from __future__ import annotations

import re

from tests.browser.conftest import open_page, sign_in, wait_idle
from tests.browser.session_helpers import confirm_account_action


def test_assigning_a_counselor_keeps_the_counselors_tab_open(portal, page):
    sign_in(page, portal.url, "admin")
    open_page(page, "Manage cohorts", "Cohorts")
    counselors = page.get_by_role("tab", name="Counselors")
    counselors.click()
    wait_idle(page)
    assert counselors.get_attribute("aria-selected") == "true"
    page.get_by_role("button", name="Assign", exact=True).click()
    wait_idle(page)
    page.get_by_text(re.compile(r"^Assigned .+ they see its students on their dashboard now\.$")).wait_for()
    assert page.get_by_role("tab", name="Counselors").get_attribute("aria-selected") == "true"
    assert page.get_by_role("tab", name="Name, term and timing").get_attribute("aria-selected") == "false"
    page.get_by_role("button", name="Unassign").first.wait_for()  # the Counselors tab's content is what shows


def test_deactivating_asks_first_and_cancel_changes_nothing(portal, page):
    sign_in(page, portal.url, "admin")
    open_page(page, "Accounts", "Accounts")
    page.get_by_role("textbox", name="Search").fill("student21")
    page.keyboard.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Deactivate").click()
    wait_idle(page)
    question = page.get_by_text(re.compile(r"^Deactivate .+ \(student, student21@.+\)\?$"))
    question.wait_for()
    page.get_by_role("button", name="Cancel").click()
    wait_idle(page)
    assert question.count() == 0
    assert page.get_by_text("is deactivated").count() == 0
    page.get_by_role("button", name="Deactivate").click()
    wait_idle(page)
    confirm_account_action(page)
    page.get_by_text(re.compile(r"student21 is deactivated")).wait_for()
    page.get_by_role("button", name="Reactivate").wait_for()
