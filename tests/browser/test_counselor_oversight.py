"""A counselor finds the stalled student from the dashboard, comments, downloads the progress CSV;
the student sees it."""

from __future__ import annotations

import io
import re

import pandas as pd

from tests.browser.conftest import open_select, sign_in, wait_idle

PASSWORD = "Demo-2026!"
COMMENT = "Two weeks without news: try a second person at Stride Sports Therapy this week."


def test_counselor_finds_stalled_student_comments_and_exports(portal, page, browser, tmp_path):
    sign_in(page, portal.url, "counselor.rivera")
    page.get_by_role("heading", name="Cohort dashboard").wait_for()

    # The flag filter narrows the table and the picker to stalled students.
    page.get_by_role("button", name=re.compile(r"^Stalled \(\d+\)$")).click()
    wait_idle(page)
    page.get_by_text(re.compile(r"^\d+ of 12 students\.")).wait_for()
    open_select(page, "Open a student", "Lena Farouk (student12)").wait_for()
    options = page.get_by_role("option").all_inner_texts()
    assert "Lena Farouk (student12)" in options
    assert "Kofi Wong (student11)" not in options  # active two days ago: not stalled
    page.get_by_role("option", name="Lena Farouk (student12)").click()
    wait_idle(page)
    page.get_by_role("button", name="Open student").click()
    wait_idle(page)

    page.get_by_role("heading", name="Lena Farouk").wait_for()
    assert "student=" in page.url
    page.get_by_text("Flags: Stalled").wait_for()

    thread = page.get_by_test_id("stExpander").filter(has_text="Campaign comments")
    thread.get_by_text("Campaign comments (0)").click()
    thread.get_by_label("Add a comment").fill(COMMENT)
    thread.get_by_role("button", name="Post comment").click()
    wait_idle(page)
    page.get_by_text("Campaign comments (1)").wait_for()
    page.get_by_text(COMMENT).wait_for()

    # Back on the dashboard, download the cohort progress file and read it as a career office would.
    page.get_by_role("button", name="Cohort dashboard").click()
    wait_idle(page)
    page.get_by_role("tab", name="Export CSV").click()
    wait_idle(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Cohort progress (one row per student)").click()
    download = download_info.value
    assert re.fullmatch(r"progress_health-science-explorers-fall-2026_\d{4}-\d{2}-\d{2}\.csv",
                        download.suggested_filename)
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert len(frame) == 12
    lena = frame[frame["email"] == "student12@demo.example.edu"].iloc[0]
    assert (lena["first_name"], lena["last_name"], lena["stalled"], lena["targets"]) == ("Lena", "Farouk", "true", "3")

    # The student signs in and sees the comment on their own home page.
    student_context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        student_page = student_context.new_page()
        student_page.set_default_timeout(45_000)
        sign_in(student_page, portal.url, "student12")
        student_page.get_by_role("heading", name=re.compile("Hello, Lena")).wait_for()
        student_page.get_by_text(COMMENT).wait_for()
        assert "Dana Rivera (counselor)" in student_page.locator("[data-testid='stMain']").inner_text()
    finally:
        student_context.close()
