"""Reminders that reach people: a week of a cohort walked hour by hour against a real SMTP server on
loopback; facts recorded before the reminder's moment cancel it; people's hours; comments that tell people at
once; due reminders only for active students (core/messaging/reminders.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from core.campaign import meetings, outreach, thanks
from core.config import Settings
from core.identity.access import SYSTEM
from core.messaging import jobs, mailer, notify, reminders
from core.models import (
    CommentCreate,
    MeetingLog,
    Reply,
    ThankYouCreate,
)
from core.oversight import comments
from tests.conftest import World
from tests.messaging_helpers import MON, _contact, _request, _run, _schedule, _walk
from tests.smtp_server import SmtpServer


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


def test_due_computation_is_scoped_to_active_students(world, smtp):
    from core.identity.accounts import set_active

    db = world.db
    _request(db, world.alice, _contact(db, world.alice, "Ana"), MON + timedelta(hours=2))
    set_active(db, world.admin, world.alice.user_id, False)
    assert reminders.due_reminders(db, SYSTEM, now=datetime(2026, 3, 12, 15, 0), include_digests=False) == []
