"""A meeting as an .ics calendar file (icalendar) that calendar apps import.

The event keeps the meeting's own time zone (DTSTART/DTEND with TZID and a VTIMEZONE), its UID is
stable per meeting so a second download updates the same calendar entry, and the description
carries the questions the student plans to ask.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from icalendar import Calendar, Event

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


def build_calendar(meeting: dict[str, Any], contact: dict[str, Any], questions: list[str], *,
                   stamp: datetime | None = None) -> bytes:
    """The .ics bytes for one meeting (stored naive-UTC starts_at plus its IANA time zone)."""
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
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
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
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


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
