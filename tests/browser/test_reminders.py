"""A counselor comments; the student's bell shows it; the email reaches a real SMTP server on loopback
with a link that opens the commented item after sign-in."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import sign_in, wait_idle
from tests.smtp_server import SmtpServer

SMTP = SmtpServer()
PUBLIC_URL = "http://portal.example.edu"
# The portal of this module sends through SMTP (read by tests/browser/conftest.py's `portal`).
PORTAL_ENV = {"PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_PORT": str(SMTP.port), "PORTAL_SMTP_SECURITY": "none",
              "PORTAL_SMTP_FROM": "portal@example.edu", "PORTAL_BASE_URL": PUBLIC_URL,
              # Emails wait for people's hours (tests/core/messaging/test_reminders.py); this test runs at any hour.
              "PORTAL_NOTIFY_FROM_HOUR": "0", "PORTAL_NOTIFY_UNTIL_HOUR": "24"}
COMMENT = "Try a second person at Stride Sports Therapy this week: the physio you met suggested it."
STUDENT_EMAIL = "student12@demo.example.edu"


@pytest.fixture(scope="module", autouse=True)
def smtp_server():
    SMTP.start()
    yield SMTP
    SMTP.stop()


def _bell(page):
    """The bell: the link with the unread count at the top of the page (the sidebar lists the page too, without it)."""
    return page.locator(".st-key-portal_bell").get_by_test_id("stPageLink-NavLink").filter(
        has_text="Notifications", visible=True)


def test_a_comment_rings_the_students_bell_and_its_email_opens_it_after_sign_in(portal, page, browser, demo_file):
    # The student starts with nothing unread.
    student_context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        student = student_context.new_page()
        student.set_default_timeout(45_000)
        sign_in(student, portal.url, "student12")
        _bell(student).first.click()
        wait_idle(student)
        student.get_by_role("heading", name="Notifications").wait_for()
        if student.get_by_role("button", name="Mark all read").count():
            student.get_by_role("button", name="Mark all read").click()
            wait_idle(student)
        _bell(student).filter(has_not_text="·").first.wait_for()

        # The counselor comments on the student's campaign.
        sign_in(page, portal.url, "counselor.rivera")
        page.goto(f"{portal.url}/counselor_student?student={_student_id(demo_file, 'student12')}")
        wait_idle(page)
        page.get_by_role("heading", name="Lena Farouk").wait_for()
        thread = page.get_by_test_id("stExpander").filter(has_text="Campaign comments")
        thread.get_by_text(re.compile(r"^Campaign comments \(\d+\)$")).click()
        thread.get_by_label("Add a comment").fill(COMMENT)
        thread.get_by_role("button", name="Post comment").click()
        wait_idle(page)
        page.get_by_text(COMMENT).wait_for()

        # The student's bell shows 1 on their next page view, and the notification opens the item.
        student.reload()
        wait_idle(student)
        _bell(student).filter(has_text="Notifications · 1").first.wait_for()
        _bell(student).first.click()
        wait_idle(student)
        student.get_by_text("Dana Rivera commented on your work", exact=True).wait_for()
    finally:
        student_context.close()

    # The email: to the student, naming the counselor, with the comment and a link to the item.
    message = _wait_for_email(STUDENT_EMAIL, "Dana Rivera commented on your work")
    text = message.get_body(("plain",)).get_content()
    assert COMMENT in text
    link = re.search(rf"{re.escape(PUBLIC_URL)}/\S*", text).group(0)
    assert link == f"{PUBLIC_URL}/"  # the student's Home is the portal's root for them
    assert f"{PUBLIC_URL}/account?section=notifications" in text
    html = message.get_body(("html",)).get_content()
    assert f'href="{link}"' in html

    # Opened signed out, the link asks for the sign-in and then shows the commented item.
    fresh = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        reader = fresh.new_page()
        reader.set_default_timeout(45_000)
        parts = urlsplit(link)
        sign_in(reader, portal.url + parts.path + (f"?{parts.query}" if parts.query else ""), "student12")
        assert urlsplit(reader.url).path == "/"
        reader.get_by_role("heading", name=re.compile("Hello, Lena")).wait_for()
        reader.get_by_text(COMMENT).wait_for()
    finally:
        fresh.close()


def _student_id(demo_file, username: str) -> int:
    """The student's id, from the demo file the portal's database was copied from."""
    import duckdb

    con = duckdb.connect(str(demo_file), read_only=True)
    try:
        return con.execute("SELECT id FROM users WHERE username = ?", [username]).fetchone()[0]
    finally:
        con.close()


def _wait_for_email(to: str, subject: str, timeout: float = 90.0):
    found = SMTP.wait_until(lambda messages: next(
        (m for m in messages if m["To"] == to and subject in str(m["Subject"])), None), timeout)
    if found is not None:
        return found
    raise AssertionError(f"no email '{subject}' to {to}; received: {[m['Subject'] for m in SMTP.messages]}")
