"""In the browser: the career office imports a roster; a new student signs in with the one-time
password, is made to choose their own, and lands on their home page."""

from __future__ import annotations

import csv
import io

from tests.browser.conftest import sign_in, wait_idle

COHORT = "Health & Science Explorers, Fall 2026"


def _open_page(page, title: str) -> None:
    page.locator("[data-testid='stSidebarNav']").get_by_role("link", name=title, exact=True).first.click()
    page.get_by_role("heading", name=title if title != "Manage cohorts" else "Cohorts").first.wait_for()
    wait_idle(page)


def test_roster_import_then_first_sign_in_with_one_time_password(portal, page, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("first_name,last_name,email,cohort,student_id\n"
                      f"Noor,Haddad,noor.haddad@example.edu,\"{COHORT}\",S9001\n"
                      f"Bad,Line,not-an-email,\"{COHORT}\",S9002\n", encoding="utf-8")

    sign_in(page, portal.url, "admin")
    _open_page(page, "Roster import")
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(roster))
    confirm = page.get_by_role("button", name="Import 1 new and 0 updated student(s)")
    confirm.wait_for()
    confirm.click()
    download_button = page.get_by_role("button", name="Download the one-time passwords (CSV)")
    download_button.wait_for()
    page.get_by_text("1 account(s) created, 0 updated, 1 line(s) skipped").wait_for()
    with page.expect_download() as info:
        download_button.click()
    text = open(info.value.path(), encoding="utf-8-sig").read()
    issued = list(csv.DictReader(io.StringIO(text)))
    assert [(r["username"], r["email"], r["cohort"]) for r in issued] == [
        ("noor.haddad", "noor.haddad@example.edu", COHORT)]
    one_time = issued[0]["one_time_password"]

    page.get_by_role("button", name="Sign out").click()
    wait_idle(page)
    page.context.clear_cookies()
    sign_in(page, portal.url, "noor.haddad", one_time)
    page.get_by_role("heading", name="Choose your password").wait_for()
    # Nothing else is reachable before choosing a password: the navigation offers only this page.
    assert page.locator("[data-testid='stSidebarNav']").count() == 0 or \
        page.locator("[data-testid='stSidebarNav']").get_by_role("link", name="Home").count() == 0
    page.get_by_label("Current (or one-time) password").fill(one_time)
    page.get_by_label("New password", exact=True).fill("Noor-own-2026!")
    page.get_by_label("Repeat the new password").fill("Noor-own-2026!")
    page.get_by_role("button", name="Save password").click()
    page.get_by_role("heading", name="Hello, Noor").wait_for()
    wait_idle(page)
    assert "Hello, Noor" in page.locator("[data-testid='stMain']").inner_text()

    # The new password works and the one-time one no longer does.
    page.get_by_role("button", name="Sign out").click()
    wait_idle(page)
    page.context.clear_cookies()
    sign_in(page, portal.url, "noor.haddad", one_time)
    page.get_by_text("Username or password is incorrect").wait_for()
    wait_idle(page)
    page.get_by_label("Username").first.fill("noor.haddad")
    page.get_by_label("Password", exact=True).first.fill("Noor-own-2026!")
    page.get_by_role("button", name="Sign in").first.click()
    page.get_by_role("heading", name="Hello, Noor").wait_for()
