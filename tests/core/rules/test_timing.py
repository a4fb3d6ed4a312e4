"""Timing rules: the thank-you window at its edges, business days across weekends and clock changes."""

from datetime import datetime, timedelta

import pytest

from core.campaign import contacts, meetings, thanks
from core.admin.cohorts import update_cohort
from core.store.db import rows
from core.models import CohortUpdate, ContactCreate, MeetingCreate, MeetingLog, MeetingMode, ThankYouCreate
from core.rules.timing import add_business_days, follow_up_due_at
from tests.conftest import NOW


def test_thank_you_due_and_overdue_at_the_edges(world):
    """Due 48 hours after the meeting (no cohort window set); sent exactly at the due moment is on time."""
    db, alice = world.db, world.alice
    held = NOW - timedelta(days=3)
    c = contacts.create_contact(db, alice, ContactCreate(first_name="Edge"), now=held - timedelta(days=2))
    m = meetings.schedule_meeting(db, alice, c.id, MeetingCreate(
        starts_at_local=held, timezone="UTC", mode=MeetingMode.VIDEO), now=held - timedelta(days=1))
    meetings.log_meeting(db, alice, m, MeetingLog(), now=held)
    update_cohort(db, world.admin, world.cohort_x, CohortUpdate(thank_you_window_hours=48))
    due = held + timedelta(hours=48)
    [at_due] = thanks.thank_you_status(db, alice, c.id, now=due)
    assert at_due["due_at"] == due and not at_due["overdue"]
    [after] = thanks.thank_you_status(db, alice, c.id, now=due + timedelta(seconds=1))
    assert after["overdue"]
    ty = thanks.create_thank_you(db, alice, c.id, ThankYouCreate(body="Thanks"), meeting_id=m, now=due + timedelta(hours=5))
    thanks.mark_thank_you_sent(db, alice, ty, now=due + timedelta(hours=5))
    [late] = thanks.thank_you_status(db, alice, c.id, now=due + timedelta(days=3))
    assert not late["overdue"] and late["sent_late"], "sent late is not overdue"


@pytest.mark.parametrize("sent, days, expected", [
    (datetime(2026, 3, 10, 15), 3, datetime(2026, 3, 13, 15)),   # Tuesday -> Friday
    (datetime(2026, 3, 5, 15), 3, datetime(2026, 3, 10, 14)),    # Thursday -> Tuesday, across the 8 March clock change
    (datetime(2026, 3, 14, 15), 1, datetime(2026, 3, 16, 15)),   # Saturday -> Monday
])
def test_business_days_skip_weekends_on_the_local_calendar(sent, days, expected):
    assert add_business_days(sent, days, "America/New_York") == expected
    assert follow_up_due_at(sent, days, "America/New_York") == expected


def test_business_days_use_the_local_date_not_utc():
    # Friday 23:30 in Los Angeles is already Saturday in UTC; one business day later is Monday local.
    friday_night = datetime(2026, 3, 7, 7, 30)  # 2026-03-06 23:30 PST
    assert add_business_days(friday_night, 1, "America/Los_Angeles") == datetime(2026, 3, 10, 6, 30)


def test_thank_you_status_view_uses_the_cohort_window(world):
    db, alice = world.db, world.alice
    c = contacts.create_contact(db, alice, ContactCreate(first_name="Rita"), now=NOW - timedelta(days=3))
    m = meetings.schedule_meeting(db, alice, c.id, MeetingCreate(
        starts_at_local=NOW - timedelta(hours=30), timezone="UTC", mode=MeetingMode.VIDEO), now=NOW - timedelta(days=2))
    meetings.log_meeting(db, alice, m, MeetingLog(), now=NOW - timedelta(hours=29))

    def status():
        with db.cursor() as cur:
            return rows(cur, "SELECT due_at, sent_at FROM thank_you_status WHERE meeting_id = ?", [m])[0]

    assert status()["due_at"] == NOW + timedelta(hours=18)
    update_cohort(db, world.admin, world.cohort_x, CohortUpdate(thank_you_window_hours=24))
    assert status()["due_at"] == NOW - timedelta(hours=6)
    assert thanks.thank_you_status(db, alice, c.id, now=NOW)[0]["overdue"]
    ty = thanks.create_thank_you(db, alice, c.id, ThankYouCreate(body="Thanks"), meeting_id=m, now=NOW)
    thanks.mark_thank_you_sent(db, alice, ty, now=NOW)
    assert status()["sent_at"] == NOW


def test_a_thank_you_without_a_meeting_counts_for_every_meeting_with_that_contact(world):
    db, alice = world.db, world.alice
    c = contacts.create_contact(db, alice, ContactCreate(first_name="Rita"), now=NOW - timedelta(days=9))
    held = []
    for days_ago in (6, 3):
        m = meetings.schedule_meeting(db, alice, c.id, MeetingCreate(
            starts_at_local=NOW - timedelta(days=days_ago), timezone="UTC", mode=MeetingMode.PHONE),
            now=NOW - timedelta(days=8))
        meetings.log_meeting(db, alice, m, MeetingLog(), now=NOW - timedelta(days=days_ago - 1))
        held.append(m)
    general = thanks.create_thank_you(db, alice, c.id, ThankYouCreate(body="Thanks for both"), now=NOW)
    thanks.mark_thank_you_sent(db, alice, general, sent_at=NOW - timedelta(days=1), now=NOW)
    first = thanks.create_thank_you(db, alice, c.id, ThankYouCreate(body="Thanks"), meeting_id=held[0], now=NOW)
    thanks.mark_thank_you_sent(db, alice, first, sent_at=NOW - timedelta(days=5), now=NOW)
    with db.cursor() as cur:
        sent = dict(cur.execute("SELECT meeting_id, sent_at FROM thank_you_status ORDER BY meeting_id").fetchall())
    assert sent == {held[0]: NOW - timedelta(days=5), held[1]: NOW - timedelta(days=1)}
