"""A meeting as an .ics calendar file (icalendar) that calendar apps import.

The event keeps the meeting's own time zone (DTSTART/DTEND with TZID and a VTIMEZONE), its UID is
stable per meeting so a second download updates the same calendar entry, and the description
carries the questions the student plans to ask.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from icalendar import Calendar, Event, vDuration

from core.campaign.meetings import to_local
from core.clock import utcnow
from core.identity.access import readable_row
from core.models import Actor
from core.store.db import Database, row, rows

PRODID = "-//Informational Interview Portal//Meetings//EN"
UID_DOMAIN = "interview-portal"
MODE_WORDS = {"in_person": "In person", "phone": "Phone call", "video": "Video call", "email": "By email"}


def meeting_uid(meeting_id: int) -> str:
    """The calendar UID of a meeting: the same on every download."""
    return f"meeting-{meeting_id}@{UID_DOMAIN}"


def meeting_event(meeting: dict[str, Any], contact: dict[str, Any], questions: list[str], *,
                  stamp: datetime | None = None) -> Event:
    """One meeting as a calendar event (stored naive-UTC starts_at plus its IANA time zone)."""
    start = to_local(meeting["starts_at"], meeting["timezone"])
    end = start + timedelta(minutes=int(meeting["duration_minutes"]))
    name = f"{contact['first_name']} {contact['last_name']}".strip()
    organization = f" ({contact['organization']})" if contact.get("organization") else ""
    lines = [f"Informational interview with {name}{organization}.",
             f"Mode: {MODE_WORDS.get(meeting['mode'], meeting['mode'])}."]
    if questions:
        lines.append("")
        lines.append("Questions I plan to ask:")
        lines.extend(f"{i}. {q}" for i, q in enumerate(questions, start=1))
    event = Event()
    event.add("uid", meeting_uid(meeting["id"]))
    event.add("dtstamp", (stamp or utcnow()).replace(tzinfo=timezone.utc))
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", f"Informational interview: {name}{organization}")
    if meeting.get("location"):
        event.add("location", meeting["location"])
    event.add("description", "\n".join(lines))
    event.add("status", "CANCELLED" if meeting.get("status") == "cancelled" else "CONFIRMED")
    return event


def _calendar(events: list[Event], *, name: str | None = None, refresh: timedelta | None = None) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
        calendar.add("name", name)
    if refresh:
        calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vDuration(refresh))
    for event in events:
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def build_calendar(meeting: dict[str, Any], contact: dict[str, Any], questions: list[str], *,
                   stamp: datetime | None = None) -> bytes:
    """The .ics bytes for one meeting."""
    return _calendar([meeting_event(meeting, contact, questions, stamp=stamp)])


# How often a subscribed calendar app is asked to read the feed again (apps may read it less often).
FEED_REFRESH = timedelta(hours=1)


def build_feed(items: list[tuple[dict[str, Any], dict[str, Any], list[str]]], *, name: str,
               stamp: datetime | None = None) -> bytes:
    """A subscription calendar of several meetings, each (meeting, contact, planned questions), with its UID."""
    events = [meeting_event(meeting, contact, questions, stamp=stamp) for meeting, contact, questions in items]
    return _calendar(events, name=name, refresh=FEED_REFRESH)


def meeting_calendar(db: Database, actor: Actor, meeting_id: int, *, now: datetime | None = None) -> bytes:
    """The .ics file of a meeting the actor may read."""
    with db.cursor() as cur:
        meeting = readable_row(cur, actor, "meetings", meeting_id)
        contact = row(cur, "SELECT first_name, last_name, organization FROM contacts WHERE id = ?",
                      [meeting["contact_id"]])
        questions = [r["text"] for r in rows(
            cur, "SELECT text FROM planned_questions WHERE contact_id = ? ORDER BY position, id",
            [meeting["contact_id"]])]
    return build_calendar(meeting, contact, questions, stamp=now)
