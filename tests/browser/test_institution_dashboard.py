"""The career office's dashboard opens on one row per cohort; a click on a cohort opens its students,
and a student found by name opens their page."""

from __future__ import annotations

import re

from tests.browser.conftest import choose, main_text, open_select, sign_in, wait_idle


def test_admin_opens_a_cohort_from_the_summary_and_finds_a_student(portal, page):
    sign_in(page, portal.url + "/counselor_home", "admin")
    page.get_by_role("heading", name="Cohort dashboard").wait_for()
    page.get_by_text(re.compile(r"^2 cohorts, 24 students\. Click a cohort's row to open it")).wait_for()
    assert "Show only students flagged" not in main_text(page), "no per-student filters on the summary"

    # A click on the second cohort's row (the grid draws on a canvas: click where its row sits).
    grid = page.get_by_test_id("stDataFrame").first
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 15, box["y"] + 35 + 35 + 17)
    wait_idle(page)
    page.get_by_text(re.compile(r"^12 of 12 students\.")).wait_for()
    # The second cohort is Health & Science: its students are the ones to open.
    open_select(page, "Open a student", "Lena Farouk (student12)").wait_for()
    page.keyboard.press("Escape")

    # Back to every cohort, then a student by name.
    choose(page, "Cohort", "All cohorts (2)")
    page.get_by_label("Name, username, email or student number").fill("farouk")
    page.keyboard.press("Enter")
    wait_idle(page)
    page.get_by_test_id("stTabs").get_by_role("button", name="Open Lena Farouk").click()
    wait_idle(page)
    page.get_by_role("heading", name="Lena Farouk").wait_for()
    assert "student=" in page.url
