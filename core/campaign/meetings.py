"""Meetings: scheduling (stored in UTC with the meeting's time zone), the meeting log, and referrals."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from core.campaign.contacts import insert_contact
from core.clock import utcnow
from core.errors import MeetingError, NeedsConfirmation
from core.identity.access import owned_contact, owned_row, readable_contact, readable_row, require_read_student
from core.models import Actor, ContactCreate, MeetingCreate, MeetingLog, MeetingNote, ReferralCreate, Source
from core.rules.timing import THANK_YOU_WINDOW_HOURS, shown_at_sql
from core.store import events, idempotency, versioning
from core.store.db import Cursor, Database, rows, scalar


def to_utc(local: datetime, zone: str) -> datetime:
    """A wall-clock time in a zone, as naive UTC."""
    aware = local.replace(tzinfo=ZoneInfo(zone)) if local.tzinfo is None else local
    return aware.astimezone(timezone.utc).replace(tzinfo=None)


def to_local(utc: datetime, zone: str) -> datetime:
    """A naive UTC time as an aware datetime in the zone."""
    return utc.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(zone))


# A held time further than this from the scheduled one is more often a slip than a moved meeting.
HELD_TIME_TOLERANCE = timedelta(days=1)


def _on(utc: datetime, zone: str) -> str:
    return f"{to_local(utc, zone):%a %d %b %Y, %H:%M} {zone}"


def check_held_time(held_at: datetime, meeting: dict[str, Any], now: datetime) -> None:
    """Ask before logging a meeting as held in the future or more than a day from its scheduled time."""
    zone = meeting["timezone"]
    if held_at > now:
        raise NeedsConfirmation(f"The held time ({_on(held_at, zone)}) is in the future. Is that right?")
    if abs(held_at - meeting["starts_at"]) > HELD_TIME_TOLERANCE:
        raise NeedsConfirmation(
            f"The held time ({_on(held_at, zone)}) is more than a day from the scheduled time "
            f"({_on(meeting['starts_at'], zone)}). Is that right?")



def _ask_if_past(starts_at: datetime, zone: str, now: datetime, confirm_past: bool | None, question: str) -> None:
    """NeedsConfirmation for a meeting time in the past, unless confirmed (None: scripts and seeding, no asking)."""
    if confirm_past is False and starts_at < now:
        raise NeedsConfirmation(f"That time ({_on(starts_at, zone)}) is in the past. {question}")

def schedule_meeting(db: Database, actor: Actor, contact_id: int, data: MeetingCreate, *, now: datetime | None = None,
                     idempotency_key: str | None = None, confirm_past: bool | None = None) -> int:
    """Schedule a meeting with one of the acting student's contacts, once per form render.

    A time in the past asks first (NeedsConfirmation) unless confirm_past is True; None (scripts,
    seeding) does not ask.
    """
    now = now or utcnow()
    starts_at = to_utc(data.starts_at_local, data.timezone)
    _ask_if_past(starts_at, data.timezone, now, confirm_past,
                 "Schedule it anyway (for a meeting already held, log it once scheduled)?")

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

    return idempotency.create_once(db, actor, idempotency_key, "meeting", work, now=now)


# What the schedule form shows of a meeting: a save from a stale form names those that changed.
SCHEDULE_FIELDS = ("starts_at", "timezone", "duration_minutes", "mode", "location")


def reschedule_meeting(db: Database, actor: Actor, meeting_id: int, data: MeetingCreate, *,
                       now: datetime | None = None, expected_version: int | None = None,
                       confirm_past: bool | None = None) -> None:
    """Change the time, mode or place of a meeting not yet held (the calendar file keeps its UID, so a
    calendar app moves the same event). A time in the past asks first, as scheduling does."""
    now = now or utcnow()
    starts_at = to_utc(data.starts_at_local, data.timezone)
    _ask_if_past(starts_at, data.timezone, now, confirm_past,
                 "Move it there anyway (for a meeting already held, log it instead)?")

    def work(cur: Cursor) -> None:
        found = owned_row(cur, actor, "meetings", meeting_id)
        if found["status"] != "scheduled":
            raise MeetingError("Only a scheduled meeting can be changed.")
        versioning.check(found, expected_version, what="meeting", fields=SCHEDULE_FIELDS)
        cur.execute(
            """UPDATE meetings SET starts_at = ?, timezone = ?, duration_minutes = ?, mode = ?, location = ?,
                      updated_at = ?, version = version + 1 WHERE id = ?""",
            [starts_at, data.timezone, data.duration_minutes, data.mode.value, data.location, now, meeting_id],
        )
        events.record(cur, actor, "rescheduled", "meeting", entity_id=meeting_id, student_id=actor.user_id,
                      contact_id=found["contact_id"],
                      detail={"starts_at": starts_at.isoformat(), "mode": data.mode.value}, now=now)

    db.transaction(work)


def cancel_meeting(db: Database, actor: Actor, meeting_id: int, *, now: datetime | None = None) -> None:
    """Cancel a scheduled meeting (kept for the record; see reinstate_meeting to undo)."""
    now = now or utcnow()

    def work(cur: Cursor) -> None:
        found = owned_row(cur, actor, "meetings", meeting_id)
        if found["status"] == "cancelled":
            return  # a repeated click
        if found["status"] != "scheduled":
            raise MeetingError("Only a scheduled meeting can be cancelled.")
        cur.execute("UPDATE meetings SET status = 'cancelled', updated_at = ?, version = version + 1 WHERE id = ?",
                    [now, meeting_id])
        events.record(cur, actor, "cancelled", "meeting", entity_id=meeting_id, student_id=actor.user_id,
                      contact_id=found["contact_id"], now=now)

    db.transaction(work)


def reinstate_meeting(db: Database, actor: Actor, meeting_id: int, *, now: datetime | None = None) -> None:
    """Undo a cancellation: the meeting is scheduled again."""
    now = now or utcnow()

    def work(cur: Cursor) -> None:
        found = owned_row(cur, actor, "meetings", meeting_id)
        if found["status"] != "cancelled":
            return
        cur.execute("UPDATE meetings SET status = 'scheduled', updated_at = ?, version = version + 1 WHERE id = ?",
                    [now, meeting_id])
        events.record(cur, actor, "restored", "meeting", entity_id=meeting_id, student_id=actor.user_id,
                      contact_id=found["contact_id"], now=now)

    db.transaction(work)


LOG_FIELDS = ("insights", "skill_words", "advice", "resources", "resume_feedback", "held_at")


def log_meeting(
    db: Database, actor: Actor, meeting_id: int, log: MeetingLog, *, notes: list[MeetingNote] = (),
    referrals: list[ReferralCreate] = (), held_at: datetime | None = None, now: datetime | None = None,
    expected_version: int | None = None, confirm_time: bool | None = None, idempotency_key: str | None = None,
) -> list[int]:
    """Save (or edit) the meeting log, mark the meeting held, and turn each referral into a linked target.

    One transaction: the log, the answers and every referral land together or not at all. A held
    time in the future or more than a day from the scheduled one asks first (NeedsConfirmation)
    unless confirm_time is True (None: scripts, no question). A save from a stale form is refused
    (StaleEdit). Returns the ids of the contacts created from referrals.
    """
    now = now or utcnow()

    def work(cur: Cursor) -> list[int]:
        meeting = owned_row(cur, actor, "meetings", meeting_id)
        if meeting["status"] == "cancelled":
            raise MeetingError("This meeting was cancelled; schedule a new one to log it.")
        versioning.check(meeting, expected_version, what="meeting log", fields=LOG_FIELDS)
        when = held_at or meeting["held_at"] or min(meeting["starts_at"], now)
        if confirm_time is False and when != meeting["held_at"]:
            check_held_time(when, meeting, now)
        elif confirm_time is None and when > now:
            raise MeetingError("A meeting cannot be logged as held before it starts.")
        # The thank-you window in force as the meeting is held decides its thank-you for good (core/rules/facts.py
        # THANK_STATUS): an edit of the log keeps it, and a later change of the cohort's window moves nothing.
        cur.execute(
            """UPDATE meetings SET status = 'held', held_at = ?, insights = ?, skill_words = ?, advice = ?,
                      resources = ?, resume_feedback = ?, updated_at = ?, version = version + 1,
                      thank_you_window_hours = coalesce(thank_you_window_hours, (
                          SELECT co.thank_you_window_hours FROM cohort_members cm
                          JOIN cohorts co ON co.id = cm.cohort_id WHERE cm.student_id = meetings.student_id), ?)
               WHERE id = ?""",
            [when, log.insights, log.skill_words, log.advice, log.resources, log.resume_feedback, now,
             THANK_YOU_WINDOW_HOURS.default, meeting_id],
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
        return [_insert_referral(cur, actor, meeting, ref, now) for ref in referrals]

    if idempotency_key is None:
        return db.transaction(work)
    created: list[int] = []

    def once(cur: Cursor) -> int:
        created.extend(work(cur))
        return meeting_id

    idempotency.create_once(db, actor, idempotency_key, "meeting_log", once, now=now)
    return created


def _insert_referral(cur: Cursor, actor: Actor, meeting: dict[str, Any], ref: ReferralCreate, now: datetime) -> int:
    contact = ContactCreate(
        first_name=ref.first_name, last_name=ref.last_name, organization=ref.organization, title=ref.title,
        email=ref.email, source=Source.REFERRAL, source_detail=ref.note,
    )
    return insert_contact(cur, actor, contact, now=now, referred_by_contact_id=meeting["contact_id"],
                          referred_in_meeting_id=meeting["id"], may_use_referrer_name=ref.may_use_name,
                          action="referred")


def add_referral(db: Database, actor: Actor, meeting_id: int, data: ReferralCreate, *, now: datetime | None = None,
                 idempotency_key: str | None = None) -> int:
    """Add one referral to a held meeting's log (a new target linked to who referred them), once per form render."""
    now = now or utcnow()

    def work(cur: Cursor) -> int:
        meeting = owned_row(cur, actor, "meetings", meeting_id)
        if meeting["status"] != "held":
            raise MeetingError("Add referrals to a meeting that was held (log it first).")
        return _insert_referral(cur, actor, meeting, data, now)

    return idempotency.create_once(db, actor, idempotency_key, "contact", work, now=now)


REFERRAL_FIELDS = ("first_name", "last_name", "organization", "may_use_referrer_name")


def list_referrals(db: Database, actor: Actor, meeting_id: int) -> list[dict[str, Any]]:
    """The people named as referrals in a meeting the actor may read."""
    with db.cursor() as cur:
        readable_row(cur, actor, "meetings", meeting_id)
        return rows(cur, """SELECT id, first_name, last_name, organization, may_use_referrer_name, version, archived_at
                            FROM contacts WHERE referred_in_meeting_id = ? ORDER BY id""", [meeting_id])


def update_referral(db: Database, actor: Actor, contact_id: int, data: ReferralCreate, *,
                    expected_version: int | None = None, now: datetime | None = None) -> None:
    """Correct a referral's name, organization or "may use the name" answer; stale forms are refused."""
    now = now or utcnow()

    def work(cur: Cursor) -> None:
        found = owned_contact(cur, actor, contact_id)
        if found["referred_in_meeting_id"] is None:
            raise MeetingError("That person was not named as a referral in a meeting.")
        versioning.check(found, expected_version, what="referral", fields=REFERRAL_FIELDS)
        cur.execute("""UPDATE contacts SET first_name = ?, last_name = ?, organization = ?, may_use_referrer_name = ?,
                              updated_at = ?, version = version + 1 WHERE id = ?""",
                    [data.first_name, data.last_name, data.organization, data.may_use_name, now, contact_id])
        events.record(cur, actor, "referral_edited", "contact", entity_id=contact_id, student_id=actor.user_id,
                      contact_id=contact_id, now=now)

    db.transaction(work)


def list_meetings(db: Database, actor: Actor, contact_id: int) -> list[dict[str, Any]]:
    """Meetings with one contact the actor may read, soonest first."""
    with db.cursor() as cur:
        readable_contact(cur, actor, contact_id)
        return rows(
            cur, f"SELECT *, {shown_at_sql()} AS shown_at FROM meetings WHERE contact_id = ? ORDER BY starts_at, id",
            [contact_id])


def meeting_notes(db: Database, actor: Actor, meeting_id: int) -> list[dict[str, Any]]:
    """The answers logged for a meeting the actor may read."""
    with db.cursor() as cur:
        readable_row(cur, actor, "meetings", meeting_id)
        return rows(cur, "SELECT * FROM meeting_notes WHERE meeting_id = ? ORDER BY position", [meeting_id])


def list_student_meetings(db: Database, actor: Actor, student_id: int | None = None, *,
                          status: str | None = None) -> list[dict[str, Any]]:
    """A student's meetings with the contact's name and whether a reflection exists, latest first."""
    student_id = actor.user_id if student_id is None else student_id
    with db.cursor() as cur:
        require_read_student(cur, actor, student_id)
        return rows(cur, f"""SELECT m.*, {shown_at_sql("m")} AS shown_at,
                                   c.first_name || ' ' || c.last_name AS contact_name, c.organization,
                                   r.id IS NOT NULL AS reflected
                            FROM meetings m JOIN contacts c ON c.id = m.contact_id
                            LEFT JOIN reflections r ON r.meeting_id = m.id
                            WHERE m.student_id = ? AND (? IS NULL OR m.status = ?) AND c.archived_at IS NULL
                            ORDER BY coalesce(m.held_at, m.starts_at) DESC, m.id DESC""",
                    [student_id, status, status])


def upcoming_then_past(db: Database, actor: Actor, student_id: int | None = None, *,
                       now: datetime | None = None) -> list[dict[str, Any]]:
    """A student's meetings, cancelled ones aside: those still to come first, soonest first (`upcoming`
    true), then the rest, latest first (held, or scheduled and begun but not logged yet)."""
    now = now or utcnow()
    found = [m for m in list_student_meetings(db, actor, student_id) if m["status"] != "cancelled"]
    for m in found:
        m["upcoming"] = m["status"] == "scheduled" and m["starts_at"] > now
    upcoming = sorted((m for m in found if m["upcoming"]), key=lambda m: (m["starts_at"], m["id"]))
    return upcoming + [m for m in found if not m["upcoming"]]
