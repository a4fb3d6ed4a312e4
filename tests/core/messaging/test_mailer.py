"""Email: what a reminder email says and carries (the contact, a calendar file, escaped text), and the outbox
sent over SMTP: each email once across reruns, two runners and a killed run; failed sends retried with backoff,
then shown failed to the career office (core/messaging/mailer.py)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from datetime import datetime, timedelta

import pytest
from icalendar import Calendar

from core.config import Settings
from core.errors import MailError
from core.messaging import jobs, mailer, notify, reminders
from core.models import (
    CommentCreate,
    Role,
)
from core.oversight import comments
from core.store.db import Database
from core.store.migrate import apply_migrations
from tests.conftest import World
from tests.messaging_helpers import MON, _contact, _request, _run, _schedule
from tests.smtp_server import SmtpServer


def test_the_meeting_email_names_the_person_links_the_contact_and_carries_the_calendar(world, smtp):
    db, alice = world.db, world.alice
    ben = _contact(db, alice, "Ben", org="City Planning")
    meeting = _schedule(db, alice, ben, datetime(2026, 3, 13, 15, 0))
    from core.campaign.research import add_planned_question  # noqa: PLC0415 - only this test plans questions
    from core.models import PlannedQuestionCreate  # noqa: PLC0415

    add_planned_question(db, alice, ben, PlannedQuestionCreate(text="How did you get into planning?"), now=MON)
    _run(db, smtp.settings(), datetime(2026, 3, 12, 15, 0))
    [message] = smtp.wait_for(1)
    assert message["To"] == "alice@example.edu"
    assert "Ben Lee" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    assert f"http://portal.example.edu/student_meetings?contact={ben}" in text
    assert "How did you get into planning?" in text
    assert "http://portal.example.edu/account?section=notifications" in text
    [attachment] = list(message.iter_attachments())
    calendar = Calendar.from_ical(attachment.get_content())
    [event] = calendar.walk("VEVENT")
    assert str(event["uid"]) == f"meeting-{meeting}@interview-portal"


def test_comment_email_is_escaped_in_html(world, smtp, monkeypatch):
    db, alice, counselor = world.db, world.alice, world.counselor_x
    settings = smtp.settings(notify_from_hour=0, notify_until_hour=24)  # whatever the hour the test runs at
    monkeypatch.setattr(reminders, "get_settings", lambda: settings)
    ana = _contact(db, alice, "Ana")
    comments.add_comment(db, counselor, alice.user_id, CommentCreate(
        subject_type="contact", subject_id=ana, body='<script>alert("x")</script> & more'), now=jobs.utcnow())
    mailer.send_pending(db, runner="t", settings=settings)
    [message] = smtp.wait_for(1)
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<script>alert("x")</script>' in message.get_body(("plain",)).get_content()


def test_failed_sends_are_retried_with_backoff_then_shown_failed_and_alert_the_career_office(world):
    db = world.db
    down = Settings(smtp_host="127.0.0.1", smtp_port=1, smtp_security="none", smtp_from="p@example.edu")
    _request(db, world.alice, _contact(db, world.alice, "Ana"), MON + timedelta(hours=2))
    now = datetime(2026, 3, 12, 15, 0)
    reminders.remind(db, now=now, settings=down)
    waits = []
    for _ in range(len(mailer.RETRY_AFTER) + 1):
        counts = mailer.send_pending(db, runner="t", now=now, settings=down)
        with db.cursor() as cur:
            state, at, error = cur.execute("SELECT state, next_attempt_at, last_error FROM email_outbox").fetchone()
        if state == "pending":
            waits.append(at - now)
            now = at
    assert waits == mailer.RETRY_AFTER
    assert state == "failed" and counts["failed"] == 1 and "refused" in error.lower()
    reminders.remind(db, now=now, settings=down)
    [alert] = notify.list_notifications(db, world.admin)
    assert alert.kind == "job_failed" and alert.page == "admin_outbox"
    assert alert.title == "1 email could not be sent" and "refused" in alert.body.lower()
    [row] = mailer.outbox(db, world.admin, state="failed")
    mailer.retry(db, world.admin, row["id"], now=now)
    assert mailer.outbox_counts(db, world.admin)["pending"] == 2  # it, and the alert email to the admin
    with pytest.raises(MailError):
        mailer.retry(db, world.admin, row["id"])


def test_rerun_and_two_runners_at_once_send_each_email_once(world, smtp):
    db, alice, bob = world.db, world.alice, world.bob
    for student in (alice, bob):
        for first in ("Ana", "Ben", "Cy"):
            cid = _contact(db, student, first)
            _request(db, student, cid, MON + timedelta(hours=2))
    now = datetime(2026, 3, 12, 15, 0)
    settings = smtp.settings()
    barrier = threading.Barrier(2)
    errors = []

    def runner(name):
        try:
            barrier.wait()
            reminders.remind(db, now=now, settings=settings)
            mailer.send_pending(db, runner=name, now=now, settings=settings)
        except Exception as exc:  # noqa: BLE001 - the test reports it
            errors.append(exc)

    threads = [threading.Thread(target=runner, args=(f"r{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    _run(db, settings, now)  # and a rerun
    _run(db, settings, now + timedelta(minutes=5))
    ids = [m["Message-ID"] for m in smtp.messages]
    assert len(ids) == 6 and len(set(ids)) == 6
    with db.cursor() as cur:
        assert cur.execute("SELECT count(*) FROM notifications WHERE kind = 'follow_up_due'").fetchone()[0] == 6


def test_a_killed_runner_sends_nothing_twice(tmp_path):
    """A runner process killed mid-batch: the next run sends the rest; whatever was in flight is marked,
    never resent on its own."""
    slow = SmtpServer(delay=0.15).start()
    try:
        path = tmp_path / "portal.duckdb"
        db = Database(path)
        apply_migrations(db)
        world = World(db)
        settings = slow.settings()
        for student in (world.alice, world.bob, world.yara):
            for i in range(8):
                cid = _contact(db, student, f"P{i}")
                _request(db, student, cid, MON + timedelta(hours=2))
        reminders.remind(db, now=datetime(2026, 3, 12, 15, 0), settings=settings)
        with db.cursor() as cur:
            queued = cur.execute("SELECT count(*) FROM email_outbox WHERE state = 'pending'").fetchone()[0]
        assert queued == 24
        db.close()

        env = {**os.environ, "PORTAL_DB_PATH": str(path), "PORTAL_SMTP_HOST": "127.0.0.1",
               "PORTAL_SMTP_PORT": str(slow.port), "PORTAL_SMTP_SECURITY": "none",
               "PORTAL_SMTP_FROM": "portal@example.edu"}
        child = subprocess.Popen([sys.executable, "-m", "core.messaging.jobs", "run-once", "--job", "email", "--force"],
                                 env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        slow.wait_for(5, timeout=60)
        child.send_signal(signal.SIGKILL)
        child.wait()
        before = len(slow.messages)
        assert before < 24

        db = Database(path)
        # The next run, after the interrupted claim has gone stale.
        mailer.send_pending(db, runner="next", now=jobs.utcnow() + mailer.STALE_CLAIM + timedelta(minutes=1),
                            settings=settings)
        ids = [m["Message-ID"] for m in slow.messages]
        assert len(ids) == len(set(ids)), "an email was sent twice"
        with db.cursor() as cur:
            states = dict(cur.execute("SELECT state, count(*) FROM email_outbox GROUP BY state").fetchall())
        assert states.get("sent", 0) + states.get("failed", 0) == 24
        assert states.get("failed", 0) <= 1  # at most the one in flight when the runner died
        assert len(ids) >= 23
        db.close()
    finally:
        slow.stop()


# ---------------------------------------------------------------- the portal's public address in every link

PUBLIC = "https://careers.example.edu/interviews"
_URL = re.compile(r"""https?://[^\s"'<>]+""")


def _every_email(db, settings, role=Role.STUDENT) -> list[tuple[str, str, str, str]]:
    """(kind, plain text, HTML, List-Unsubscribe) of every email template the portal ships or keeps, for a person
    of the role: a digest lists two students."""
    person = {"first_name": "Alice", "role": role.value}
    out = []
    with db.cursor() as cur:
        shipped = mailer.templates(cur)
    assert len(shipped) >= 5, "every kind of reminder has an email template"
    for kind, template in shipped.items():
        due = reminders.Due(user_id=1, kind=kind, fact_key=f"{kind}:1", title="A reminder", body="Details",
                            page="student_meetings", params="contact=5", send_at=MON, expires_at=MON,
                            values={"students": [{"name": "Bob Lee", "why": "stalled", "student_id": 7},
                                                 {"name": "Yara Lee", "why": "overdue", "student_id": 9}]})
        subject, text, html_body = mailer.render(template, due, person, settings)
        built = mailer._build({"to_address": "alice@example.edu", "subject": subject, "message_id": "<m@x>",
                               "fact_key": due.fact_key, "body_text": text, "body_html": html_body,
                               "attachment": None}, settings)
        out.append((kind, text, html_body, built["List-Unsubscribe"]))
    return out


@pytest.mark.parametrize("configured", [PUBLIC, PUBLIC + "/"])
def test_every_link_in_every_email_starts_with_the_public_address(db, configured):
    settings = Settings(base_url=configured, smtp_host="mail.example.edu", smtp_from="portal@example.edu")
    assert settings.public_address == PUBLIC
    for kind, text, html_body, unsubscribe in _every_email(db, settings):
        links = _URL.findall(text) + _URL.findall(html_body) + _URL.findall(unsubscribe)
        assert links, f"the {kind} email links to the portal"
        assert [u for u in links if not u.startswith(PUBLIC + "/")] == [], kind
        assert f"{PUBLIC}/account?section=notifications" in text, kind
        if kind == "digest":
            assert f"{PUBLIC}/counselor_student?student=9" in text
        else:
            assert f"{PUBLIC}/student_meetings?contact=5" in text, kind
    # A person's home page is the portal's own address.
    home = reminders.Due(user_id=1, kind="digest", fact_key="d:1", title="t", body="b", page="counselor_home",
                         params="", send_at=MON, expires_at=MON)
    with db.cursor() as cur:
        template = mailer.templates(cur)["digest"]
    _, text, _ = mailer.render(template, home, {"first_name": "Dana", "role": "counselor"}, settings)
    assert f"Open your dashboard: {PUBLIC}/\n" in text


def test_without_the_public_address_links_point_at_this_machine_and_the_career_office_is_told(db):
    settings = Settings(base_url="", smtp_host="mail.example.edu", smtp_from="portal@example.edu")
    assert settings.emails_link_nowhere
    [(_, text, _, _), *_] = _every_email(db, settings)
    assert "http://localhost:8501/student_meetings?contact=5" in text
    assert "PORTAL_BASE_URL" in mailer.email_status(settings)
    assert "PORTAL_BASE_URL" not in mailer.email_status(settings, for_career_office=False)
    told = Settings(base_url=PUBLIC, smtp_host="mail.example.edu", smtp_from="portal@example.edu")
    assert not told.emails_link_nowhere and f"Links in emails open {PUBLIC}." in mailer.email_status(told)
    assert not Settings(base_url="").emails_link_nowhere, "email off: nothing is sent, nothing to fix"
