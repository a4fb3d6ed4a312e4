"""In the browser: the counselor's Student picker keeps the student chosen (and the address follows), comments
can be edited and withdrawn with Undo, and a counselor deactivated while the dashboard is open downloads nothing."""

from __future__ import annotations

import re

from tests.browser.conftest import choose, main_text, open_page, sign_in, wait_idle
from tests.browser.session_helpers import confirm_account_action


def _student_param(url: str) -> str:
    found = re.search(r"[?&]student=(\d+)", url)
    assert found, url
    return found.group(1)


def test_student_picker_choice_sticks_and_the_address_follows(portal, page):
    sign_in(page, portal.url, "counselor.rivera")
    open_page(page, "Student detail", re.compile(r"\w"))
    page.get_by_label("Student").wait_for()
    wait_idle(page)
    first = _student_param(page.url)

    choose(page, "Student", re.compile(r"^Lena Farouk \(student12\)"))
    page.get_by_role("heading", name="Lena Farouk").wait_for()
    wait_idle(page)
    # The choice stays (it used to snap back to the student named in the address) and the address follows it.
    assert page.get_by_role("heading", name="Lena Farouk").count() == 1
    lena = _student_param(page.url)
    assert lena != first

    choose(page, "Student", re.compile(r"^Kofi Wong \(student11\)"))
    page.get_by_role("heading", name="Kofi Wong").wait_for()
    wait_idle(page)
    assert page.get_by_role("heading", name="Kofi Wong").count() == 1
    assert _student_param(page.url) not in (first, lena)
    assert "Lena Farouk" not in [h.strip() for h in page.get_by_role("heading").all_inner_texts()]


def test_comment_edit_and_withdraw_with_undo(portal, page):
    sign_in(page, portal.url, "counselor.rivera")
    open_page(page, "Student detail", re.compile(r"\w"))
    choose(page, "Student", re.compile(r"^Lena Farouk \(student12\)"))
    page.get_by_role("heading", name="Lena Farouk").wait_for()
    thread = page.get_by_test_id("stExpander").filter(has_text="Campaign comments")
    thread.get_by_text(re.compile(r"Campaign comments \(\d+\)")).click()
    thread.get_by_label("Add a comment").fill("Call the clinic on Monday.")
    thread.get_by_role("button", name="Post comment").click()
    wait_idle(page)
    page.get_by_text("Call the clinic on Monday.").wait_for()
    assert page.get_by_label("Add a comment").first.input_value() == ""  # the box is clear for the next one

    thread = page.get_by_test_id("stExpander").filter(has_text="Campaign comments")
    thread.get_by_role("button", name="Edit").last.click()
    wait_idle(page)
    box = thread.get_by_label("Your comment")
    box.fill("Call the clinic on Tuesday.")
    thread.get_by_role("button", name="Save comment").click()
    wait_idle(page)
    page.get_by_text("Call the clinic on Tuesday.").wait_for()
    page.get_by_text(re.compile(r"You, .* · edited ")).first.wait_for()

    thread = page.get_by_test_id("stExpander").filter(has_text="Campaign comments")
    thread.get_by_role("button", name="Withdraw").last.click()
    wait_idle(page)
    page.get_by_text("Comment withdrawn.").wait_for()
    assert "Call the clinic on Tuesday." not in main_text(page)
    page.get_by_role("button", name="Undo").click()
    wait_idle(page)
    page.get_by_text("Call the clinic on Tuesday.").wait_for()


def test_a_counselor_deactivated_while_the_dashboard_is_open_downloads_nothing(portal, page, browser):
    sign_in(page, portal.url, "counselor.okafor")
    page.get_by_role("heading", name="Cohort dashboard").wait_for()
    page.get_by_role("tab", name="Export CSV").click()
    wait_idle(page)
    download_link = page.get_by_role("link", name="Cohort progress (one row per student)")
    download_link.wait_for()

    admin_context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        admin = admin_context.new_page()
        admin.set_default_timeout(45_000)
        sign_in(admin, portal.url, "admin")
        open_page(admin, "Accounts", "Accounts")
        admin.get_by_role("textbox", name="Search").fill("counselor.okafor")
        admin.keyboard.press("Enter")
        wait_idle(admin)
        admin.get_by_role("button", name="Deactivate").click()
        wait_idle(admin)
        confirm_account_action(admin)
        admin.get_by_text(re.compile(r"counselor\.okafor is deactivated")).wait_for()
    finally:
        admin_context.close()

    downloads = []
    page.on("download", lambda download: downloads.append(download))  # a download from the new tab lands here
    with page.context.expect_page() as opened:
        download_link.click()
    # The file is made at click time for the account as it is now: refused, so the tab the link opened says
    # why and nothing downloads; the buttons' rerun that the click makes no longer offers the exports.
    opened.value.get_by_text("Nothing was downloaded. Your account is no longer active.").wait_for()
    download_link.wait_for(state="detached")
    wait_idle(page)
    page.get_by_text("Your account is no longer active").first.wait_for()
    assert downloads == []
    assert "Cohort progress (one row per student)" not in main_text(page)


def test_two_tabs_saving_cohort_timing_the_second_is_refused_showing_the_first(portal, page, browser):
    second_context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        second = second_context.new_page()
        second.set_default_timeout(45_000)
        for tab in (page, second):
            sign_in(tab, portal.url, "counselor.rivera")
            open_page(tab, "Settings and goals", "Cohort settings and goals")
        # Both tabs show the form; the first saves a new stalled threshold.
        stalled = page.get_by_role("spinbutton", name="Stalled after (days without activity)")
        stalled.fill("23")
        stalled.press("Tab")
        page.get_by_role("button", name="Save timing").click()
        wait_idle(page)
        page.get_by_text("Timing saved.").wait_for()

        # The second tab, opened before that save, changes the thank-you window and saves.
        window = second.get_by_role("spinbutton", name="Thank-you due within (hours)")
        window.fill("30")
        window.press("Tab")
        second.get_by_role("button", name="Save timing").click()
        wait_idle(second)
        second.get_by_text(re.compile("changed since you opened it")).wait_for()
        saved = second.get_by_test_id("stExpander").filter(has_text="The saved version")
        assert "23" in saved.inner_text()

        # The first tab's save is intact.
        page.reload()
        wait_idle(page)
        page.get_by_role("spinbutton", name="Stalled after (days without activity)").wait_for()
        assert page.get_by_role("spinbutton", name="Stalled after (days without activity)").input_value() == "23"
    finally:
        second_context.close()
