"""A student's private calendar feed (core/campaign/calendar_feed.py): the token opens that student's
scheduled and held meetings with stable UIDs, never a cancelled one nor another student's; a replaced,
revoked or unknown token, or a deactivated account's, opens nothing; only the token's hash is kept."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from icalendar import Calendar

from core.campaign import calendar_feed, meetings
from core.errors import AccessDenied
from core.identity.accounts import set_active
from core.models import MeetingCreate, MeetingMode
from core.store.db import rows, scalar
from tests.campaign_helpers import _contact, _held_meeting
from tests.conftest import NOW


def _events(data: bytes) -> dict[str, dict]:
    """The feed's events by UID: start (aware, in the meeting's zone) and summary."""
    return {str(e["uid"]): {"start": e.decoded("dtstart"), "summary": str(e["summary"]), "status": str(e["status"])}
            for e in Calendar.from_ical(data).walk("VEVENT")}


def _schedule(world, actor, contact_id, local: datetime, zone: str = "Europe/Paris") -> int:
    return meetings.schedule_meeting(world.db, actor, contact_id, MeetingCreate(
        starts_at_local=local, timezone=zone, mode=MeetingMode.IN_PERSON, location="Café on Main Street"), now=NOW)


def test_the_token_opens_the_students_scheduled_and_held_meetings_only(world):
    db, alice = world.db, world.alice
    ana = _contact(world)
    upcoming = _schedule(world, alice, ana, datetime(2026, 3, 20, 9, 30))
    held = _held_meeting(world, ana)
    cancelled = _schedule(world, alice, ana, datetime(2026, 3, 21, 9, 30))
    meetings.cancel_meeting(db, alice, cancelled, now=NOW)
    bob_meeting = _schedule(world, world.bob, _contact(world, world.bob, first_name="Bo"), datetime(2026, 3, 22, 9))
    token = calendar_feed.new_feed(db, alice, now=NOW)
    assert len(token) >= 43
    data = calendar_feed.feed_calendar(db, token, now=NOW)
    cal = Calendar.from_ical(data)
    assert str(cal["x-wr-calname"]) == "Informational interviews"
    found = _events(data)
    assert set(found) == {f"meeting-{upcoming}@interview-portal", f"meeting-{held}@interview-portal"}
    assert f"meeting-{bob_meeting}@interview-portal" not in found and "Bo " not in data.decode()
    coming = found[f"meeting-{upcoming}@interview-portal"]
    assert coming["start"].replace(tzinfo=None) == datetime(2026, 3, 20, 9, 30)
    assert coming["summary"] == "Informational interview: Ana Lee (County Health)"
    assert found[f"meeting-{held}@interview-portal"]["status"] == "CONFIRMED"
    # Read again later: the same events under the same UIDs (a calendar app updates them in place).
    assert set(_events(calendar_feed.feed_calendar(db, token, now=NOW + timedelta(hours=3)))) == set(found)
    # Bob's own address opens Bob's meeting only.
    bobs = _events(calendar_feed.feed_calendar(db, calendar_feed.new_feed(db, world.bob, now=NOW), now=NOW))
    assert set(bobs) == {f"meeting-{bob_meeting}@interview-portal"}


def test_a_moved_meeting_keeps_its_uid_in_the_feed_at_its_new_time(world):
    db, alice = world.db, world.alice
    mid = _schedule(world, alice, _contact(world), datetime(2026, 3, 20, 9, 30))
    token = calendar_feed.new_feed(db, alice, now=NOW)
    meetings.reschedule_meeting(db, alice, mid, MeetingCreate(
        starts_at_local=datetime(2026, 3, 24, 14, 0), timezone="Europe/Paris", mode=MeetingMode.VIDEO), now=NOW)
    found = _events(calendar_feed.feed_calendar(db, token, now=NOW))
    assert found[f"meeting-{mid}@interview-portal"]["start"].replace(tzinfo=None) == datetime(2026, 3, 24, 14, 0)


def test_a_replaced_revoked_or_unknown_token_opens_nothing(world):
    db, alice = world.db, world.alice
    _schedule(world, alice, _contact(world), datetime(2026, 3, 20, 9, 30))
    first = calendar_feed.new_feed(db, alice, now=NOW)
    second = calendar_feed.new_feed(db, alice, now=NOW + timedelta(minutes=1))
    assert calendar_feed.feed_calendar(db, first) is None
    assert calendar_feed.feed_calendar(db, second) is not None
    assert calendar_feed.current_feed(db, alice)["created_at"] == NOW + timedelta(minutes=1)
    assert calendar_feed.revoke_feed(db, alice, now=NOW + timedelta(minutes=2)) is True
    assert calendar_feed.feed_calendar(db, second) is None and calendar_feed.current_feed(db, alice) is None
    assert calendar_feed.revoke_feed(db, alice) is False
    for unknown in ("", "x", second[:-1] + ("A" if second[-1] != "A" else "B"), "é" * 43, "a" * 5000):
        assert calendar_feed.feed_calendar(db, unknown) is None


def test_only_the_tokens_hash_is_kept_and_making_one_is_no_campaign_activity(world):
    db, alice = world.db, world.alice
    token = calendar_feed.new_feed(db, alice, now=NOW)
    with db.cursor() as cur:
        stored = rows(cur, "SELECT token_hash FROM calendar_feeds WHERE student_id = ?", [alice.user_id])
        assert len(stored) == 1 and token not in stored[0]["token_hash"]
        assert scalar(cur, "SELECT count(*) FROM student_activity WHERE student_id = ?", [alice.user_id]) == 0
        assert scalar(cur, "SELECT count(*) FROM events WHERE entity_type = 'calendar_feed' AND actor_id = ?",
                      [alice.user_id]) == 1


def test_a_deactivated_students_address_opens_nothing_and_only_students_have_one(world):
    db, alice = world.db, world.alice
    _schedule(world, alice, _contact(world), datetime(2026, 3, 20, 9, 30))
    token = calendar_feed.new_feed(db, alice, now=NOW)
    set_active(db, world.admin, alice.user_id, False, now=NOW)
    assert calendar_feed.feed_calendar(db, token) is None
    with pytest.raises(AccessDenied):
        calendar_feed.new_feed(db, alice, now=NOW)
    set_active(db, world.admin, alice.user_id, True, now=NOW)
    assert calendar_feed.feed_calendar(db, token) is not None
    for other in (world.counselor_x, world.admin):
        with pytest.raises(AccessDenied):
            calendar_feed.new_feed(db, other, now=NOW)
