"""Reflections after a meeting: private ones stay with their author (core/campaign/reflections.py)."""

from datetime import timedelta

import pytest

from core.campaign import contacts, meetings, reflections
from core.errors import ReflectionError
from core.models import ContactCreate, MeetingCreate, MeetingLog, MeetingMode, ReflectionCreate
from core.oversight import timeline
from tests.campaign_helpers import _contact
from tests.conftest import NOW


def test_private_reflections_stay_with_their_author(world):
    a, db = world.alice, world.db
    cid = _contact(world)
    mid = meetings.schedule_meeting(db, a, cid, MeetingCreate(starts_at_local=NOW - timedelta(hours=3), timezone="UTC",
                                                            mode=MeetingMode.PHONE), now=NOW - timedelta(days=1))
    meetings.log_meeting(db, a, mid, MeetingLog(), now=NOW)
    reflections.save_reflection(db, a, mid, ReflectionCreate(feelings="Unsure", is_private=True, fit_rating=2), now=NOW)
    assert reflections.get_reflection(db, a, mid)["feelings"] == "Unsure"
    assert reflections.get_reflection(db, world.counselor_x, mid) is None
    campaign = timeline.student_campaign(db, world.counselor_x, a.user_id)
    assert [m["reflection"] for c in campaign["contacts"] for m in c["meetings"]] == [None]
    assert [m["reflected"] for m in meetings.list_student_meetings(db, a, status="held")] == [True]


def test_reflection_needs_a_held_meeting_and_an_answer(world):
    db, alice = world.db, world.alice
    c = contacts.create_contact(db, alice, ContactCreate(first_name="Rita"), now=NOW)
    m = meetings.schedule_meeting(db, alice, c.id, MeetingCreate(
        starts_at_local=NOW + timedelta(days=1), timezone="UTC", mode=MeetingMode.PHONE), now=NOW)
    with pytest.raises(ReflectionError, match="held"):
        reflections.save_reflection(db, alice, m, ReflectionCreate(feelings="x"), now=NOW)
    with pytest.raises(ReflectionError, match="at least one"):
        reflections.save_reflection(db, alice, m, ReflectionCreate(feelings="  "), now=NOW)
