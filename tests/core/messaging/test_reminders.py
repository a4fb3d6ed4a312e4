"""Reminders that reach people: a week of a cohort walked hour by hour against a real SMTP server on
loopback; facts recorded before the reminder's moment cancel it; nothing is sent twice across reruns,
two runners and a killed run; people's hours; choices; digests; failures shown to the career office."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import datetime, timedelta

import pytest
from icalendar import Calendar

from core.campaign import contacts, meetings, outreach, thanks
from core.config import Settings
from core.errors import AccessDenied, JobError, MailError, NotifyError
from core.identity.access import SYSTEM
from core.messaging import jobs, mailer, notify, reminders
from core.models import (
    Channel,
    CommentCreate,
    ContactCreate,
    MeetingCreate,
    MeetingLog,
    MeetingMode,
    OutreachCreate,
    Reply,
    ThankYouCreate,
)
from core.oversight import comments
from core.store.db import Database
from core.store.migrate import apply_migrations
from tests.conftest import World
from tests.smtp_server import SmtpServer

MON = datetime(2026, 3, 9, 12, 0)  # Monday 8:00 in New York (EDT, UTC-4)


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


def _contact(db, actor, first, org="County Health", at=MON):
    return contacts.create_contact(db, actor, ContactCreate(first_name=first, last_name="Lee", organization=org,
                                                            email=f"{first.lower()}@county.example"), now=at).id


def _request(db, actor, contact_id, at):
    mid = outreach.create_draft(db, actor, contact_id, OutreachCreate(channel=Channel.EMAIL, body="Twenty minutes?"),
                                now=at)
    outreach.mark_sent(db, actor, mid, channel=Channel.EMAIL, sent_at=at, now=at)
    return mid


def _schedule(db, actor, contact_id, starts_at):
    return meetings.schedule_meeting(db, actor, contact_id, MeetingCreate(
        starts_at_local=starts_at, timezone="UTC", mode=MeetingMode.VIDEO), now=MON)


def _run(db, settings, now):
    """One pass of the scheduled work at `now`: reminders, then email."""
    reminders.remind(db, now=now, settings=settings)
    mailer.send_pending(db, runner="test", now=now, settings=settings)


def _walk(db, settings, smtp, start, hours):
    """Run every hour; returns (hour, To, fact kind from the Message-ID) for each email as it arrives."""
    seen, out = 0, []
    for h in range(hours + 1):
        now = start + timedelta(hours=h)
        _run(db, settings, now)
        for message in smtp.messages[seen:]:
            out.append((now, message["To"], message["X-Portal-Fact"].split(":")[0]))
        seen = len(smtp.messages)
    return out


def test_a_week_of_a_cohort_sends_each_reminder_once_at_its_moment(world: World, smtp: SmtpServer):
    db, alice = world.db, world.alice
    settings = smtp.settings()
    ana = _contact(db, alice, "Ana")
    _request(db, alice, ana, MON + timedelta(hours=2))          # Monday 10:00 local
    ben = _contact(db, alice, "Ben", org="City Planning")
    meeting = _schedule(db, alice, ben, datetime(2026, 3, 13, 15, 0))  # Friday 11:00 local

    def hold(now):
        meetings.log_meeting(db, alice, meeting, MeetingLog(insights="Permits are people work."),
                             held_at=datetime(2026, 3, 13, 15, 0), now=now)

    sent = []
    seen = 0
    for h in range(0, 7 * 24 + 1):
        now = MON + timedelta(hours=h)
        if now == datetime(2026, 3, 13, 16, 0):
            hold(now)
        _run(db, settings, now)
        for message in smtp.messages[seen:]:
            sent.append((now, message["To"], message["X-Portal-Fact"]))
        seen = len(smtp.messages)

    mine = [(when, key.split(":")[0]) for when, to, key in sent if to == "alice@example.edu"]
    assert mine == [
        (datetime(2026, 3, 12, 14, 0), "follow_up_due"),       # 3 business days after Monday 10:00
        (datetime(2026, 3, 12, 15, 0), "meeting_tomorrow"),    # a day before Friday 11:00
        (datetime(2026, 3, 15, 12, 0), "thank_you_due"),       # due-6 h is 5:00 local: moved to 8:00
        (datetime(2026, 3, 15, 16, 0), "thank_you_overdue"),   # the 48-hour window closed at 15:00 UTC
    ]
    digests = [when for when, to, key in sent if to == "counselor.x@example.edu" and key.startswith("digest")]
    assert digests == [MON, MON + timedelta(days=7)]            # Mondays at 8:00 local
    assert len({m["Message-ID"] for m in smtp.messages}) == len(smtp.messages)  # nothing twice

    # The in-portal side: the same reminders, on the bell.
    assert notify.unread_count(db, alice) == 4
    assert {n.page for n in notify.list_notifications(db, alice)} == {
        "student_outreach", "student_meetings", "student_thank_you"}


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


@pytest.mark.parametrize("sent_hours_after", [1, 41])  # before the due reminder; just before its moment
def test_a_thank_you_sent_before_the_reminder_moment_means_no_reminder(world, smtp, sent_hours_after):
    db, alice = world.db, world.alice
    ben = _contact(db, alice, "Ben")
    held = datetime(2026, 3, 10, 15, 0)
    meeting = _schedule(db, alice, ben, held)
    meetings.log_meeting(db, alice, meeting, MeetingLog(insights="x"), held_at=held, now=held + timedelta(hours=1))
    tid = thanks.create_thank_you(db, alice, ben, ThankYouCreate(body="Thank you!"), meeting_id=meeting,
                                  now=held + timedelta(hours=1))
    thanks.mark_thank_you_sent(db, alice, tid, sent_at=held + timedelta(hours=sent_hours_after),
                               now=held + timedelta(hours=sent_hours_after))
    arrived = _walk(db, smtp.settings(), smtp, held, 72)
    assert [kind for _, to, kind in arrived if to == "alice@example.edu"] == []


def test_a_reply_recorded_cancels_the_follow_up_reminder(world, smtp):
    db, alice = world.db, world.alice
    ana = _contact(db, alice, "Ana")
    message_id = _request(db, alice, ana, MON + timedelta(hours=2))
    outreach.record_reply(db, alice, message_id, Reply.DECLINED, replied_at=MON + timedelta(days=2),
                          now=MON + timedelta(days=2))
    arrived = _walk(db, smtp.settings(), smtp, MON + timedelta(days=3), 24)
    assert [kind for _, to, kind in arrived if to == "alice@example.edu"] == []


def test_people_hours_move_a_night_reminder_to_the_morning_unless_that_is_too_late():
    settings = Settings()  # New York, 8:00 to 20:00
    night = datetime(2026, 3, 12, 3, 0)  # 23:00 on Wednesday in New York
    assert reminders.peoples_hours(night, None, settings) == datetime(2026, 3, 12, 12, 0)   # Thursday 8:00
    assert reminders.peoples_hours(night, datetime(2026, 3, 12, 6, 0), settings) == night  # due at 2:00: now
    day = datetime(2026, 3, 12, 15, 0)
    assert reminders.peoples_hours(day, None, settings) == day


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


def test_choices_the_persons_own_over_the_cohorts_and_in_portal_always(world, smtp):
    db, alice, bob = world.db, world.alice, world.bob
    notify.set_cohort_defaults(db, world.counselor_x, world.cohort_x, {"follow_up_due": False})
    notify.set_notification_settings(db, bob, {"follow_up_due": True})
    assert notify.email_choices(db, alice)["follow_up_due"] is False
    for student in (alice, bob):
        _request(db, student, _contact(db, student, "Ana"), MON + timedelta(hours=2))
    _run(db, smtp.settings(), datetime(2026, 3, 12, 15, 0))
    assert [m["To"] for m in smtp.messages] == ["bob@example.edu"]
    assert notify.unread_count(db, alice) == 1 and notify.unread_count(db, bob) == 1
    with pytest.raises(NotifyError):
        notify.set_notification_settings(db, alice, {"digest": False})  # not a student's kind


def test_a_counselor_comment_reaches_the_student_at_once_and_a_reply_reaches_the_counselor(world, smtp):
    db, alice, counselor = world.db, world.alice, world.counselor_x
    ana = _contact(db, alice, "Ana")
    comments.add_comment(db, counselor, alice.user_id, CommentCreate(
        subject_type="contact", subject_id=ana, body="<b>Great</b> pick =cmd|' /C calc'!A0"),
        now=jobs.utcnow() - timedelta(seconds=2))
    [note] = notify.list_notifications(db, alice)
    assert note.page == "student_targets" and note.params == {"contact": str(ana)}
    assert note.body.startswith("<b>Great</b>")  # kept as text; pages render it as text
    comments.add_comment(db, alice, alice.user_id, CommentCreate(subject_type="contact", subject_id=ana,
                                                                   body="Thank you!"),
                         now=jobs.utcnow())
    [reply] = notify.list_notifications(db, counselor)
    assert reply.kind == "student_reply" and reply.params == {"student": str(alice.user_id)}
    assert notify.list_notifications(db, world.counselor_y) == []  # not their student

    settings = smtp.settings()
    mailer.send_pending(db, runner="t", settings=settings)  # email off in the default settings: nothing queued
    assert smtp.messages == []
    due = reminders.due_reminders(db, SYSTEM, now=jobs.utcnow(), student_id=alice.user_id, settings=settings,
                                  include_digests=False)
    assert due == []  # already given: the ledger holds them


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


def test_a_comment_at_night_rings_the_bell_at_once_and_its_email_waits_for_the_morning(world, smtp, monkeypatch):
    from datetime import timezone
    from zoneinfo import ZoneInfo

    db, alice, counselor = world.db, world.alice, world.counselor_x
    settings = smtp.settings()  # people's hours: 8:00 to 20:00 in the portal's time zone
    monkeypatch.setattr(reminders, "get_settings", lambda: settings)
    zone = ZoneInfo(settings.timezone)
    yesterday = jobs.utcnow().replace(tzinfo=timezone.utc).astimezone(zone) - timedelta(days=1)
    night_local = yesterday.replace(hour=23, minute=0, second=0, microsecond=0)
    night = night_local.astimezone(timezone.utc).replace(tzinfo=None)
    morning = (night_local + timedelta(hours=9)).astimezone(timezone.utc).replace(tzinfo=None)  # 8:00 local
    comments.add_comment(db, counselor, alice.user_id, CommentCreate(subject_type="student", subject_id=alice.user_id,
                                                                     body="Call me tomorrow."), now=night)
    [note] = notify.list_notifications(db, alice)  # on the bell at once
    assert note.kind == "comment"
    assert mailer.send_pending(db, runner="t", now=night + timedelta(minutes=5), settings=settings).get("sent", 0) == 0
    assert smtp.messages == []  # nobody's phone buzzes at 23:00
    mailer.send_pending(db, runner="t", now=max(morning, jobs.utcnow()) + timedelta(minutes=1), settings=settings)
    [message] = smtp.wait_for(1)
    assert "Call me tomorrow." in message.get_body(("plain",)).get_content()


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


def test_jobs_record_their_runs_hold_a_lease_and_a_failure_is_shown(world, monkeypatch):
    db, admin = world.db, world.admin
    now = datetime(2026, 3, 12, 15, 0)
    runs = jobs.run_due(db, runner="a", now=now, settings=Settings())
    # backup: at 2:00; exports: no folder set
    assert {r["job"] for r in runs} == {"reminders", "email", "figures", "sessions"}
    assert {r["status"] for r in runs} == {"ok"}
    assert jobs.run_due(db, runner="a", now=now + timedelta(minutes=1), settings=Settings()) != []  # email again
    assert [r["job"] for r in jobs.run_due(db, runner="a", now=now + timedelta(seconds=30),
                                           settings=Settings())] == []

    # Two runners: a job held by one is not run by the other.
    assert jobs._acquire(db, "reminders", "one", now)
    assert jobs.run_job(db, "reminders", runner="two", now=now) is None
    jobs._release(db, "reminders", "one")

    def broken(*_):
        raise RuntimeError("the disk is full")

    monkeypatch.setitem(jobs.JOBS, "backup", jobs.Job("backup", "Daily backup", broken, daily_hour=lambda s: 2))
    run = jobs.run_now(db, admin, "backup")
    assert run["status"] == "failed" and "the disk is full" in run["error"]
    status = {s.job: s for s in jobs.job_status(db, admin)}
    assert status["backup"].last_status == "failed" and status["backup"].runs_failed_last_7_days == 1
    reminders.remind(db, now=jobs.utcnow(), settings=Settings())
    assert any(n.kind == "job_failed" and "backup" in n.title for n in notify.list_notifications(db, admin))
    with pytest.raises(AccessDenied):
        jobs.job_status(db, world.counselor_x)


def test_due_computation_is_scoped_to_active_students(world, smtp):
    from core.identity.accounts import set_active

    db = world.db
    _request(db, world.alice, _contact(db, world.alice, "Ana"), MON + timedelta(hours=2))
    set_active(db, world.admin, world.alice.user_id, False)
    assert reminders.due_reminders(db, SYSTEM, now=datetime(2026, 3, 12, 15, 0), include_digests=False) == []


def test_notification_settings_save_together_or_not_at_all(world):
    db, counselor = world.db, world.counselor_x
    assert notify.digest_frequency(db, counselor) == "weekly" and notify.digest_frequency(db, world.admin) == "off"
    with pytest.raises(NotifyError):
        notify.set_notification_settings(db, counselor, {"student_reply": False}, digest="hourly")
    assert notify.email_choices(db, counselor)["student_reply"] is True  # nothing of the refused save kept
    notify.set_notification_settings(db, counselor, {"student_reply": False}, digest="daily")
    assert notify.email_choices(db, counselor)["student_reply"] is False
    assert notify.digest_frequency(db, counselor) == "daily"
    with pytest.raises(AccessDenied):
        notify.set_notification_settings(db, world.alice, {}, digest="daily")  # students have no digest


def test_the_nightly_exports_and_the_daily_backup_write_their_files_and_keep_n_days(tmp_path, world):
    db = world.db
    with pytest.raises(JobError):
        jobs._exports(db, Settings(), datetime(2026, 3, 12, 8, 0), "t")  # no folder set: said, nothing written
    folder = tmp_path / "exports"
    summary = jobs._exports(db, Settings(export_dir=str(folder)), datetime(2026, 3, 12, 8, 0), "t")
    assert sorted(p.name for p in folder.iterdir()) == ["2026-03-12-pipeline.csv", "2026-03-12-progress.csv"]
    assert "2026-03-12-progress.csv" in summary
    assert (folder / "2026-03-12-progress.csv").read_bytes().startswith(b"\xef\xbb\xbf")

    live = Database(tmp_path / "portal.duckdb")
    apply_migrations(live)
    old = tmp_path / "backups" / "portal-20260101-020000.duckdb"
    old.parent.mkdir()
    old.write_bytes(b"old")
    os.utime(old, (0, 0))
    summary = jobs._backup(live, Settings(backup_keep_days=14), jobs.utcnow(), "t")
    live.close()
    assert not old.exists() and "1 older than 14 days removed" in summary
    assert len(list((tmp_path / "backups").glob("portal-*.duckdb"))) == 1
