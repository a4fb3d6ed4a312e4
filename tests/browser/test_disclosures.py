"""In the browser: an export for someone outside the institution asks who receives it and why before the
file is offered; the career office then finds the download among the records taken out, and the student
whose records it held sees it on Account."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import open_page, sign_in, wait_idle
from tests.browser.session_helpers import new_page

PURPOSE = "Alumni office survey, spring"
PROGRESS = "Cohort progress (one row per student)"


def _cell(page, text: str):
    return page.locator("[role=gridcell]").filter(has_text=text).first


def test_an_export_for_someone_outside_is_recorded_with_its_purpose_and_shown_to_the_student(portal, page, browser):
    sign_in(page, portal.url, "counselor.rivera")
    page.get_by_role("heading", name="Cohort dashboard").wait_for()
    page.get_by_role("tab", name="Export CSV").click()
    wait_idle(page)
    expect(page.get_by_role("link", name=PROGRESS)).to_be_visible()
    page.get_by_text("Someone outside the institution").click()
    wait_idle(page)
    expect(page.get_by_role("link", name=PROGRESS)).to_have_count(0)  # not offered without a purpose
    field = page.get_by_role("textbox", name="Who receives it, and why")
    field.fill(PURPOSE)
    field.press("Enter")
    wait_idle(page)
    with page.expect_download() as info:
        page.get_by_role("link", name=PROGRESS).click()
    assert info.value.path().read_bytes().startswith(b"\xef\xbb\xbf")

    admin = new_page(browser)
    try:
        sign_in(admin, portal.url, "admin")
        open_page(admin, "Audit log", "Audit log")
        admin.get_by_role("heading", name="Records taken out").wait_for()
        expect(_cell(admin, f"Outside the institution: {PURPOSE}")).to_be_attached()
        expect(_cell(admin, "cohort progress export")).to_be_attached()
    finally:
        admin.context.close()

    student = new_page(browser)
    try:
        sign_in(student, portal.url, "student12")
        open_page(student, "Account", "Account")
        student.get_by_role("heading", name="Who took your records out").wait_for()
        expect(_cell(student, f"Outside the institution: {PURPOSE}")).to_be_attached()
        expect(_cell(student, "Dana Rivera (counselor)")).to_be_attached()
    finally:
        student.context.close()
