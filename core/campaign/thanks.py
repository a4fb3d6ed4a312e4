"""Thank-you notes: to the person met, and a second one to whoever referred the student to them."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from core.clock import utcnow
from core.config import get_settings
from core.errors import PortalError, ThankYouError
from core.identity.access import owned_contact, owned_row, readable_contact
from core.models import Actor, ThankYouCreate
from core.rules import facts
from core.rules.facts import CURRENT_THANK_YOUS, ONE_STUDENT, contact_owner, ctes, for_one_student
from core.store import events, idempotency, versioning
from core.store.db import Cursor, Database, row, rows, scalar

# The `sc` scope of core/rules/facts.py: the student whose contact is named by the parameter.
_CONTACTS_STUDENT = "sc AS (SELECT student_id FROM contacts WHERE id = ?)"


def _over_owner(cur: Cursor, sql: str, params: list[Any]) -> tuple[str, list[Any]]:
    """A query written over _CONTACTS_STUDENT (its first parameter the contact's id), rewritten over the
    contact's owner alone (core.rules.facts.for_one_student), so it reads that student's rows only."""
    position = sql.index(_CONTACTS_STUDENT)
    index = sql[:position].count("?")
    owner = contact_owner(cur, params[index])
    return (for_one_student(sql.replace(_CONTACTS_STUDENT, ONE_STUDENT), owner),
            [*params[:index], owner, *params[index + 1:]])


def on_portal_clock(moment: datetime) -> str:
    """A stored (naive UTC) time as people read it on the portal's pages: in the portal's time zone."""
    zone = ZoneInfo(get_settings().timezone)
    return f"{moment.replace(tzinfo=timezone.utc).astimezone(zone):%d %b %Y, %H:%M}"


def sent_time(sent_at: datetime | None, *, now: datetime, earliest: datetime | None, after: str,
              error: type[PortalError]) -> datetime:
    """When a note went out: the moment of saving when no time is given; a given time (a note logged after it was
    sent) neither in the future nor before `earliest`, the moment it follows, which `after` names. Else `error`."""
    if sent_at is None:
        return now
    if sent_at > now:
        raise error(f"The sent time ({on_portal_clock(sent_at)}) cannot be in the future: give the day and time "
                    "it went out.")
    if earliest is not None and sent_at < earliest:
        raise error(f"The sent time ({on_portal_clock(sent_at)}) is before {after} ({on_portal_clock(earliest)}): "
                    "give the day and time it went out.")
    return sent_at


def _held_at(cur: Cursor, contact_id: int, meeting_id: int | None) -> datetime | None:
    """When the meeting a thank-you is about was held (about no meeting: the first meeting held with the contact)."""
    if meeting_id is not None:
        return scalar(cur, "SELECT held_at FROM meetings WHERE id = ? AND status = 'held'", [meeting_id])
    return scalar(cur, "SELECT min(held_at) FROM meetings WHERE contact_id = ? AND status = 'held'", [contact_id])


def create_thank_you(
    db: Database, actor: Actor, contact_id: int, data: ThankYouCreate, *, kind: str = "interview",
    meeting_id: int | None = None, now: datetime | None = None,
) -> int:
    """Draft a thank-you about a contact: kind 'interview' goes to them, 'referrer' to who referred them."""
    now = now or utcnow()
    if kind not in ("interview", "referrer"):
        raise ThankYouError("A thank-you is for the person met or for whoever referred them.")

    def work(cur: Cursor) -> int:
        return _insert(cur, actor, contact_id, data, kind=kind, meeting_id=meeting_id, now=now)

    return db.transaction(work)


def _insert(cur: Cursor, actor: Actor, contact_id: int, data: ThankYouCreate, *, kind: str, meeting_id: int | None,
            now: datetime) -> int:
    contact = owned_contact(cur, actor, contact_id)
    recipient = contact_id
    if kind == "referrer":
        recipient = contact["referred_by_contact_id"]
        if recipient is None:
            raise ThankYouError("Nobody referred this contact, so there is no referrer to thank.")
    if meeting_id is not None:
        meeting = owned_row(cur, actor, "meetings", meeting_id)
        if meeting["contact_id"] != contact_id:
            raise ThankYouError("That meeting was with someone else.")
    new_id = scalar(
        cur,
        """INSERT INTO thank_yous (contact_id, student_id, meeting_id, recipient_contact_id, kind, channel, body,
                                   created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
        [contact_id, actor.user_id, meeting_id, recipient, kind, data.channel.value, data.body, now, now],
    )
    events.record(cur, actor, "drafted", "thank_you", entity_id=new_id, student_id=actor.user_id,
                  contact_id=contact_id, detail={"kind": kind}, now=now)
    return new_id


def _current(cur: Cursor, contact_id: int, kind: str, meeting_id: int | None) -> dict[str, Any] | None:
    """The current thank-you of a meeting and kind (core.rules.facts.CURRENT_THANK_YOUS), or None."""
    return row(cur, *_over_owner(cur, f"""WITH {_CONTACTS_STUDENT}{ctes(CURRENT_THANK_YOUS)}
                        SELECT * FROM current_thank_yous WHERE contact_id = ? AND kind = ?
                        AND (kind = 'referrer' OR meeting_id IS NOT DISTINCT FROM ?)""",
               [contact_id, contact_id, kind, meeting_id]))


def save_thank_you(
    db: Database, actor: Actor, contact_id: int, data: ThankYouCreate, *, kind: str = "interview",
    meeting_id: int | None = None, send: bool = False, sent_at: datetime | None = None,
    expected_version: int | None = None, idempotency_key: str | None = None, now: datetime | None = None,
) -> int:
    """Save the one draft of a thank-you (per meeting and kind), and with send=True mark it sent as written.

    One transaction: the text saved is the text sent, at `sent_at` when the student gives the time it went
    out (not before the meeting was held, not in the future: else nothing is saved), else now. The draft
    is edited in place (never a second one beside it); a form opened before another save of the same draft
    is refused (StaleEdit, expected_version 0 meaning the form was opened before any draft existed). A
    thank-you already sent cannot change. Returns the thank-you's id.
    """
    now = now or utcnow()
    if kind not in ("interview", "referrer"):
        raise ThankYouError("A thank-you is for the person met or for whoever referred them.")

    def work(cur: Cursor) -> int:
        found = _current(cur, contact_id, kind, meeting_id)
        if found is not None and found["student_id"] != actor.user_id:
            owned_contact(cur, actor, contact_id)  # refuses with NotFound
        if found is not None and found["sent_at"] is not None:
            raise ThankYouError("This thank-you was already sent; it is kept as it went out.")
        if found is None:
            if expected_version:
                raise ThankYouError("This draft is gone; save again to keep your text as a new draft.")
            new_id = _insert(cur, actor, contact_id, data, kind=kind, meeting_id=meeting_id, now=now)
        else:
            owned_row(cur, actor, "thank_yous", found["id"])
            versioning.check(found, expected_version, what="thank-you", fields=["body"])
            new_id = found["id"]
            if (found["body"], found["channel"]) != (data.body, data.channel.value):
                cur.execute("""UPDATE thank_yous SET body = ?, channel = ?, updated_at = ?, version = version + 1
                               WHERE id = ?""", [data.body, data.channel.value, now, new_id])
                events.record(cur, actor, "edited", "thank_you", entity_id=new_id, student_id=actor.user_id,
                              contact_id=contact_id, detail={"kind": kind}, now=now)
        if send:
            went = sent_time(sent_at, now=now, earliest=_held_at(cur, contact_id, meeting_id),
                             after="the meeting it follows", error=ThankYouError)
            cur.execute("UPDATE thank_yous SET sent_at = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                        [went, now, new_id])
            events.record(cur, actor, "sent", "thank_you", entity_id=new_id, student_id=actor.user_id,
                          contact_id=contact_id, detail={"kind": kind}, now=now)
        return new_id

    return idempotency.create_once(db, actor, idempotency_key, "thank_you", work, now=now)


def current_thank_yous(db: Database, actor: Actor, contact_id: int) -> list[dict[str, Any]]:
    """The current thank-you per meeting and kind about a contact: the sent one, else the one draft."""
    with db.cursor() as cur:
        readable_contact(cur, actor, contact_id)
        return rows(cur, *_over_owner(cur, f"""WITH {_CONTACTS_STUDENT}{ctes(CURRENT_THANK_YOUS)}
                             SELECT * FROM current_thank_yous WHERE contact_id = ? ORDER BY created_at, id""",
                    [contact_id, contact_id]))


def mark_thank_you_sent(db: Database, actor: Actor, thank_you_id: int, *, sent_at: datetime | None = None,
                        now: datetime | None = None) -> None:
    """Record that a thank-you went out: now, or at sent_at (not before the meeting was held, not in the future)."""
    now = now or utcnow()

    def work(cur: Cursor) -> None:
        found = owned_row(cur, actor, "thank_yous", thank_you_id)
        if found["sent_at"] is not None:
            return  # already sent (a repeated click): the first record stands
        went = sent_time(sent_at, now=now, earliest=_held_at(cur, found["contact_id"], found["meeting_id"]),
                         after="the meeting it follows", error=ThankYouError)
        cur.execute("UPDATE thank_yous SET sent_at = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                    [went, now, thank_you_id])
        events.record(cur, actor, "sent", "thank_you", entity_id=thank_you_id, student_id=actor.user_id,
                      contact_id=found["contact_id"], detail={"kind": found["kind"]}, now=now)

    db.transaction(work)


def thank_you_status(db: Database, actor: Actor, contact_id: int, *,
                     now: datetime | None = None) -> list[dict[str, Any]]:
    """Per held meeting with a contact: when the thank-you is due (cohort window), when sent, hours left or late."""
    now = now or utcnow()
    with db.cursor() as cur:
        readable_contact(cur, actor, contact_id)
        found = rows(cur, *_over_owner(cur, f"""WITH {facts.NOW}, {_CONTACTS_STUDENT}
                                   {facts.ctes(facts.THANK_STATUS)}
                              SELECT meeting_id, held_at, due_at, sent_at, overdue FROM thank_status
                              WHERE contact_id = ? ORDER BY held_at""", [now, contact_id, contact_id]))
    for f in found:
        seconds = (f["due_at"] - now).total_seconds()
        f["hours_left"] = math.ceil(seconds / 3600) if f["sent_at"] is None and seconds >= 0 else None
        f["hours_late"] = math.ceil(-seconds / 3600) if f["overdue"] else None
        f["sent_late"] = f["sent_at"] is not None and f["sent_at"] > f["due_at"]
    return found


def referrer_to_thank(db: Database, actor: Actor, contact_id: int) -> dict[str, Any] | None:
    """Whoever referred this contact (their row plus `thanked`: a referrer thank-you was sent), or None."""
    with db.cursor() as cur:
        contact = readable_contact(cur, actor, contact_id)
        if contact["referred_by_contact_id"] is None:
            return None
        referrer = row(cur, "SELECT * FROM contacts WHERE id = ? AND student_id = ?",
                       [contact["referred_by_contact_id"], contact["student_id"]])
        if referrer is None:
            return None
        referrer["thanked"] = bool(scalar(cur, """SELECT count(*) FROM thank_yous WHERE contact_id = ?
                                                  AND kind = 'referrer' AND sent_at IS NOT NULL""", [contact_id]))
        return referrer
