"""In the browser: a student downloads all their data from Account; the career office erases a student once their
name is typed, and the erased student can no longer sign in."""

from __future__ import annotations

import io
import json
import re
import zipfile

from tests.browser.conftest import main_text, sign_in, wait_idle
from tests.browser.session_helpers import new_page, open_page


def test_a_student_downloads_all_their_data(portal, page):
    sign_in(page, portal.url, "student07")
    open_page(page, "Account", "Account")
    page.get_by_role("heading", name="Your data").wait_for()
    with page.expect_download() as info:
        page.get_by_role("link", name="Download all my data (ZIP)").click()
    download = info.value
    assert re.fullmatch(r"portal-records-student07-\d{4}-\d{2}-\d{2}\.zip", download.suggested_filename)
    archive = zipfile.ZipFile(io.BytesIO(download.path().read_bytes()))
    assert {"README.txt", "contacts.json", "contacts.csv", "reflections.json"} <= set(archive.namelist())
    assert json.loads(archive.read("users.json"))[0]["username"] == "student07"


def test_the_career_office_erases_a_student_after_typing_the_name(portal, page, browser):
    sign_in(page, portal.url, "admin")
    open_page(page, "Student records", "Student records")
    page.get_by_role("textbox", name="Search students").fill("student12")
    page.keyboard.press("Enter")
    wait_idle(page)
    heading = page.get_by_role("button", name=re.compile(r"^Erase .+'s records for good$"))
    name = re.search(r"Erase (.+)'s records for good", heading.inner_text()).group(1)
    box = page.get_by_role("textbox", name=f"Type {name} to confirm")
    box.fill("student12")
    heading.click()
    page.get_by_text(f"To erase this student, type their full name exactly: {name}.").wait_for()
    assert box.input_value() == "student12"  # what was typed stays
    box.fill(name)
    heading.click()
    page.get_by_text(re.compile(rf"^Erased {re.escape(name)}'s records on ")).wait_for()
    wait_idle(page)
    assert name not in main_text(page).replace(f"Erased {name}'s records", "")

    other = new_page(browser)
    try:
        other.goto(portal.url)
        wait_idle(other)
        other.get_by_label("Username").fill("student12")
        other.get_by_label("Password", exact=True).fill("Demo-2026!")
        other.get_by_role("button", name=re.compile(r"^Sign in(?: with a password)?$")).click()
        other.get_by_text("Username or password is incorrect").wait_for()
    finally:
        other.context.close()
