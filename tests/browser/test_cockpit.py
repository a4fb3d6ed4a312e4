"""The counselor's cockpit in a browser: the overdue student is on the first screen, one click opens
them, Back returns to the same filtered view, a nudge reaches every stalled student; the career
office compares cohorts and downloads the comparison."""

from __future__ import annotations

import io
import re

import pandas as pd

from tests.browser.conftest import sign_in, wait_idle

NUDGE_START = "Checking in, Lena: it has been a while since your last step."


def test_counselor_acts_from_the_cockpit(portal, page, browser):
    sign_in(page, portal.url, "counselor.rivera")
    page.get_by_role("heading", name="Cohort dashboard").wait_for()

    # Who needs me: the overdue thank-you first, visible without scrolling.
    # The innermost block holding the heading is the bordered box itself.
    needs = page.get_by_test_id("stVerticalBlock").filter(has_text="Needs you this week").last
    first = needs.get_by_text("Gabriel Sato", exact=True)
    first.wait_for()
    # Its button says whom it opens.
    needs.get_by_role("button", name="Open Gabriel Sato").wait_for()
    box = first.bounding_box()
    assert box["y"] + box["height"] <= page.viewport_size["height"], "on the first screen"
    assert "Overdue thank-you" in needs.inner_text().split("Gabriel Sato")[0]

    # Filter to the stalled students; the address keeps it.
    page.get_by_role("button", name=re.compile(r"^Stalled \(\d+\)$")).click()
    wait_idle(page)
    page.get_by_text(re.compile(r"^2 of 12 students\.")).wait_for()
    page.wait_for_url(re.compile(r"flags=stalled"))

    # One click opens the student; Back returns to the same filtered view.
    needs.get_by_role("button", name="Open").first.click()
    page.get_by_role("heading", name="Gabriel Sato").wait_for()
    page.go_back()
    page.get_by_role("heading", name="Cohort dashboard").wait_for()
    page.get_by_text(re.compile(r"^2 of 12 students\.")).wait_for()
    assert "flags=stalled" in page.url

    # Nudge the two stalled students at once.
    page.get_by_text("Nudge the 2 students shown").click()
    page.get_by_text("Send it to these 2 students").click()
    wait_idle(page)
    page.get_by_role("button", name="Send the nudge").click()
    page.get_by_text("Nudged 2 students: each sees it on their Home.").wait_for()

    # Each stalled student sees it on their Home (Lena Farouk is one of them).
    student = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        student_page = student.new_page()
        student_page.set_default_timeout(45_000)
        sign_in(student_page, portal.url, "student12")
        student_page.get_by_role("heading", name=re.compile("Hello, Lena")).wait_for()
        student_page.get_by_text(NUDGE_START).first.wait_for()
    finally:
        student.close()


def test_career_office_compares_cohorts_and_downloads_the_comparison(portal, page, tmp_path):
    sign_in(page, portal.url + "/counselor_home", "admin")
    page.get_by_text(re.compile(r"^2 cohorts, 24 students\.")).wait_for()
    # For staff of the institution (the default answer to "Who is the file for?"): the link is there at once.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the comparison (CSV)").click()
    download = download_info.value
    assert re.fullmatch(r"cohort-comparison_all-cohorts_\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    frame = pd.read_csv(io.BytesIO(target.read_bytes()), encoding="utf-8-sig")
    assert list(frame.columns) == ["Cohort", "Students", "First meeting held %", "Thank-yous on time %",
                                   "Median days target to interview", "Stalled %"]
    assert sorted(frame["Cohort"]) == ["Business & Policy Explorers, Fall 2026",
                                       "Health & Science Explorers, Fall 2026"]
    assert frame["Students"].sum() == 24
