"""The .ics file of a meeting, parsed back with icalendar: times in the meeting's zone, stable UID, questions."""

from datetime import datetime, timedelta, timezone

import pytest
from icalendar import Calendar

from core.campaign import contacts, meetings, research
from core.campaign.ics import meeting_calendar, meeting_uid
from core.errors import NotFound
from core.models import ContactCreate, MeetingCreate, MeetingMode, PlannedQuestionCreate
from tests.conftest import NOW


def _meeting(world, zone="Europe/Paris", local=datetime(2026, 3, 20, 9, 30)):
    a = world.alice
    cid = contacts.create_contact(world.db, a, ContactCreate(first_name="Ana", last_name="Lee",
                                                             organization="County Health"), now=NOW).id
    for text in ("How did you get into this field?", "What does a typical week look like?"):
        research.add_planned_question(world.db, a, cid, PlannedQuestionCreate(text=text), now=NOW)
    return meetings.schedule_meeting(world.db, a, cid, MeetingCreate(
        starts_at_local=local, timezone=zone, duration_minutes=30, mode=MeetingMode.IN_PERSON,
        location="Café on Main Street"), now=NOW)


def _event(data: bytes):
    return Calendar.from_ical(data).walk("VEVENT")[0]


def test_event_times_are_in_the_meeting_zone(world):
    mid = _meeting(world)
    event = _event(meeting_calendar(world.db, world.alice, mid, now=NOW))
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert event["dtstart"].params["TZID"] == "Europe/Paris"
    assert (start.replace(tzinfo=None), end - start) == (datetime(2026, 3, 20, 9, 30), timedelta(minutes=30))
    assert start.astimezone(timezone.utc).replace(tzinfo=None) == datetime(2026, 3, 20, 8, 30)
    assert str(event["summary"]) == "Informational interview: Ana Lee (County Health)"
    assert str(event["location"]) == "Café on Main Street"
    description = str(event["description"])
    assert "1. How did you get into this field?" in description
    assert "2. What does a typical week look like?" in description


def test_calendar_carries_the_time_zone_definition(world):
    mid = _meeting(world, zone="America/Los_Angeles", local=datetime(2026, 11, 2, 8, 0))
    calendar = Calendar.from_ical(meeting_calendar(world.db, world.alice, mid, now=NOW))
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["America/Los_Angeles"]
    start = _event(calendar.to_ical()).decoded("dtstart")
    assert start.astimezone(timezone.utc).replace(tzinfo=None) == datetime(2026, 11, 2, 16, 0)  # PST after 1 Nov


def test_uid_is_stable_across_downloads_and_reschedules(world):
    mid = _meeting(world)
    first = _event(meeting_calendar(world.db, world.alice, mid, now=NOW))
    meetings.reschedule_meeting(world.db, world.alice, mid, MeetingCreate(
        starts_at_local=datetime(2026, 3, 21, 14, 0), timezone="Europe/Paris", mode=MeetingMode.VIDEO), now=NOW)
    second = _event(meeting_calendar(world.db, world.alice, mid, now=NOW))
    assert str(first["uid"]) == str(second["uid"]) == meeting_uid(mid)
    assert second.decoded("dtstart").replace(tzinfo=None) == datetime(2026, 3, 21, 14, 0)


def test_only_readers_of_the_campaign_get_the_file(world):
    mid = _meeting(world)
    assert meeting_calendar(world.db, world.counselor_x, mid, now=NOW).startswith(b"BEGIN:VCALENDAR")
    for outsider in (world.bob, world.counselor_y):
        with pytest.raises(NotFound):
            meeting_calendar(world.db, outsider, mid, now=NOW)
