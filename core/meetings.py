"""Meetings: scheduling (stored in UTC with the meeting's time zone), the meeting log, and referrals."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from core.errors import PortalError
from core import events
from core.access import owned_contact, owned_row, readable_contact, readable_row
from core.clock import utcnow
from core.contacts import insert_contact
from core.db import Cursor, Database, rows, scalar
from core.models import Actor, ContactCreate, MeetingCreate, MeetingLog, MeetingNote, ReferralCreate, Source


class MeetingError(PortalError, ValueError):
    """A meeting change was refused; the message says why."""


def to_utc(local: datetime, zone: str) -> datetime:
    """A wall-clock time in a zone, as naive UTC."""
    aware = local.replace(tzinfo=ZoneInfo(zone)) if local.tzinfo is None else local
    return aware.astimezone(timezone.utc).replace(tzinfo=None)


def to_local(utc: datetime, zone: str) -> datetime:
    """A naive UTC time as an aware datetime in the zone."""
    return utc.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(zone))


def schedule_meeting(db: Database, actor: Actor, contact_id: int, data: MeetingCreate, *, now: datetime | None = None) -> int:
    """Schedule a meeting with one of the acting student's contacts."""
    now = now or utcnow()
    starts_at = to_utc(data.starts_at_local, data.timezone)

    def work(cur: Cursor) -> int:
        owned_contact(cur, actor, contact_id)
        new_id = scalar(
            cur,
            """INSERT INTO meetings (contact_id, student_id, starts_at, timezone, duration_minutes, mode, location,
                                     created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
            [contact_id, actor.user_id, starts_at, data.timezone, data.duration_minutes, data.mode.value,
             data.location, now, now],
        )
        events.record(cur, actor, "scheduled", "meeting", entity_id=new_id, student_id=actor.user_id,
                      contact_id=contact_id, detail={"starts_at": starts_at.isoformat(), "mode": data.mode.value},
                      now=now)
        return new_id

    return db.transaction(work)


def reschedule_meeting(db: Database, actor: Actor, meeting_id: int, data: MeetingCreate, *, now: datetime | None = None) -> None:
    """Change the time, mode or place of a meeting not yet held."""
    now = now or utcnow()

    def work(cur: Cursor) -> None:
        found = owned_row(cur, actor, "meetings", meeting_id)
        if found["status"] != "scheduled":
            raise MeetingError("Only a scheduled meeting can be changed.")
        cur.execute(
            """UPDATE meetings SET starts_at = ?, timezone = ?, duration_minutes = ?, mode = ?, location = ?,
                      updated_at = ? WHERE id = ?""",
            [to_utc(data.starts_at_local, data.timezone), data.timezone, data.duration_minutes, data.mode.value,
             data.location, now, meeting_id],
        )
        events.record(cur, actor, "rescheduled", "meeting", entity_id=meeting_id, student_id=actor.user_id,
                      contact_id=found["contact_id"], now=now)

    db.transaction(work)


def cancel_meeting(db: Database, actor: Actor, meeting_id: int, *, now: datetime | None = None) -> None:
    """Cancel a scheduled meeting (kept for the record)."""
    now = now or utcnow()

    def work(cur: Cursor) -> None:
        found = owned_row(cur, actor, "meetings", meeting_id)
        if found["status"] != "scheduled":
            raise MeetingError("Only a scheduled meeting can be cancelled.")
        cur.execute("UPDATE meetings SET status = 'cancelled', updated_at = ? WHERE id = ?", [now, meeting_id])
        events.record(cur, actor, "cancelled", "meeting", entity_id=meeting_id, student_id=actor.user_id,
                      contact_id=found["contact_id"], now=now)

    db.transaction(work)


def log_meeting(
    db: Database, actor: Actor, meeting_id: int, log: MeetingLog, *, notes: list[MeetingNote] = (),
    referrals: list[ReferralCreate] = (), held_at: datetime | None = None, now: datetime | None = None,
) -> list[int]:
    """Save the meeting log, mark the meeting held, and turn each referral into a linked target.

    One transaction: the log, the answers and every referral land together or not at all.
    Returns the ids of the contacts created from referrals.
    """
    now = now or utcnow()

    def work(cur: Cursor) -> list[int]:
        meeting = owned_row(cur, actor, "meetings", meeting_id)
        if meeting["status"] == "cancelled":
            raise MeetingError("This meeting was cancelled; schedule a new one to log it.")
        when = held_at or meeting["held_at"] or min(meeting["starts_at"], now)
        if when > now:
            raise MeetingError("A meeting cannot be logged as held before it starts.")
        cur.execute(
            """UPDATE meetings SET status = 'held', held_at = ?, insights = ?, skill_words = ?, advice = ?,
                      resources = ?, resume_feedback = ?, updated_at = ? WHERE id = ?""",
            [when, log.insights, log.skill_words, log.advice, log.resources, log.resume_feedback, now, meeting_id],
        )
        cur.execute("DELETE FROM meeting_notes WHERE meeting_id = ?", [meeting_id])
        for position, note in enumerate(notes, start=1):
            cur.execute(
                """INSERT INTO meeting_notes (meeting_id, student_id, planned_question_id, question, answer, position,
                                              created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                [meeting_id, actor.user_id, note.planned_question_id, note.question, note.answer, position, now, now],
            )
        action = "logged" if meeting["status"] == "scheduled" else "log_edited"
        events.record(cur, actor, action, "meeting", entity_id=meeting_id, student_id=actor.user_id,
                      contact_id=meeting["contact_id"], now=now)
        created = []
        for ref in referrals:
            contact = ContactCreate(
                first_name=ref.first_name, last_name=ref.last_name, organization=ref.organization, title=ref.title,
                email=ref.email, source=Source.REFERRAL, source_detail=ref.note,
            )
            created.append(insert_contact(
                cur, actor, contact, now=now, referred_by_contact_id=meeting["contact_id"],
                referred_in_meeting_id=meeting_id, may_use_referrer_name=ref.may_use_name, action="referred",
            ))
        return created

    return db.transaction(work)


def list_meetings(db: Database, actor: Actor, contact_id: int) -> list[dict[str, Any]]:
    """Meetings with one contact the actor may read, soonest first."""
    with db.cursor() as cur:
        readable_contact(cur, actor, contact_id)
        return rows(cur, "SELECT * FROM meetings WHERE contact_id = ? ORDER BY starts_at, id", [contact_id])


def get_meeting(db: Database, actor: Actor, meeting_id: int) -> dict[str, Any]:
    """One meeting the actor may read."""
    with db.cursor() as cur:
        return readable_row(cur, actor, "meetings", meeting_id)


def meeting_notes(db: Database, actor: Actor, meeting_id: int) -> list[dict[str, Any]]:
    """The answers logged for a meeting the actor may read."""
    with db.cursor() as cur:
        readable_row(cur, actor, "meetings", meeting_id)
        return rows(cur, "SELECT * FROM meeting_notes WHERE meeting_id = ? ORDER BY position", [meeting_id])


def list_student_meetings(db: Database, actor: Actor, student_id: int | None = None, *,
                          status: str | None = None) -> list[dict[str, Any]]:
    """A student's meetings with the contact's name and whether a reflection exists, latest first."""
    from core.access import require_read_student

    student_id = actor.user_id if student_id is None else student_id
    with db.cursor() as cur:
        require_read_student(cur, actor, student_id)
        return rows(cur, """SELECT m.*, c.first_name || ' ' || c.last_name AS contact_name, c.organization,
                                   r.id IS NOT NULL AS reflected
                            FROM meetings m JOIN contacts c ON c.id = m.contact_id
                            LEFT JOIN reflections r ON r.meeting_id = m.id
                            WHERE m.student_id = ? AND (? IS NULL OR m.status = ?) AND c.archived_at IS NULL
                            ORDER BY coalesce(m.held_at, m.starts_at) DESC, m.id DESC""",
                    [student_id, status, status])
