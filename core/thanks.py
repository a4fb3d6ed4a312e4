"""Thank-you notes: to the person met, and a second one to whoever referred the student to them."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from core.errors import PortalError
from core import events
from core.access import owned_contact, owned_row, readable_contact
from core.clock import utcnow
from core.db import Cursor, Database, row, rows, scalar
from core.models import Actor, ThankYouCreate


class ThankYouError(PortalError, ValueError):
    """A thank-you change was refused; the message says why."""


def create_thank_you(
    db: Database, actor: Actor, contact_id: int, data: ThankYouCreate, *, kind: str = "interview",
    meeting_id: int | None = None, now: datetime | None = None,
) -> int:
    """Draft a thank-you about a contact: kind 'interview' goes to them, 'referrer' to who referred them."""
    now = now or utcnow()
    if kind not in ("interview", "referrer"):
        raise ThankYouError("A thank-you is for the person met or for whoever referred them.")

    def work(cur: Cursor) -> int:
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

    return db.transaction(work)


def update_thank_you(db: Database, actor: Actor, thank_you_id: int, data: ThankYouCreate, *, now: datetime | None = None) -> None:
    """Edit a thank-you that has not been sent."""
    now = now or utcnow()

    def work(cur: Cursor) -> None:
        found = owned_row(cur, actor, "thank_yous", thank_you_id)
        if found["sent_at"] is not None:
            raise ThankYouError("This thank-you was already sent.")
        cur.execute("UPDATE thank_yous SET body = ?, channel = ?, updated_at = ? WHERE id = ?",
                    [data.body, data.channel.value, now, thank_you_id])
        events.record(cur, actor, "edited", "thank_you", entity_id=thank_you_id, student_id=actor.user_id,
                      contact_id=found["contact_id"], now=now)

    db.transaction(work)


def mark_thank_you_sent(db: Database, actor: Actor, thank_you_id: int, *, sent_at: datetime | None = None,
                        now: datetime | None = None) -> None:
    """Record that a thank-you went out."""
    now = now or utcnow()
    sent_at = sent_at or now
    if sent_at > now:
        raise ThankYouError("The sent time cannot be in the future.")

    def work(cur: Cursor) -> None:
        found = owned_row(cur, actor, "thank_yous", thank_you_id)
        cur.execute("UPDATE thank_yous SET sent_at = ?, updated_at = ? WHERE id = ?", [sent_at, now, thank_you_id])
        events.record(cur, actor, "sent", "thank_you", entity_id=thank_you_id, student_id=actor.user_id,
                      contact_id=found["contact_id"], detail={"kind": found["kind"]}, now=now)

    db.transaction(work)


def list_thank_yous(db: Database, actor: Actor, contact_id: int) -> list[dict[str, Any]]:
    """Thank-yous about a contact the actor may read."""
    with db.cursor() as cur:
        readable_contact(cur, actor, contact_id)
        return rows(cur, "SELECT * FROM thank_yous WHERE contact_id = ? ORDER BY created_at, id", [contact_id])


def thank_you_status(db: Database, actor: Actor, contact_id: int, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """Per held meeting with a contact: when the thank-you is due (cohort window), when sent, hours left or late."""
    from core import facts

    now = now or utcnow()
    with db.cursor() as cur:
        readable_contact(cur, actor, contact_id)
        found = rows(cur, f"""WITH {facts.NOW}, sc AS (SELECT student_id FROM contacts WHERE id = ?)
                                   {facts.ctes(facts.THANK_STATUS)}
                              SELECT meeting_id, held_at, due_at, sent_at, overdue FROM thank_status
                              WHERE contact_id = ? ORDER BY held_at""", [now, contact_id, contact_id])
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
        referrer["thanked"] = bool(scalar(cur, """SELECT count(*) FROM thank_yous WHERE contact_id = ? AND kind = 'referrer'
                                                  AND sent_at IS NOT NULL""", [contact_id]))
        return referrer
