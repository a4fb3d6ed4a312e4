"""Keeping in touch after the thank-you, and "where I landed" outcomes with the contacts who helped."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.clock import utcnow
from core.errors import FollowUpError, NotFound
from core.identity.access import owned_contact, owned_row, require_own_campaign, require_read_student
from core.models import Actor, FollowUpCreate, OutcomeCreate
from core.store import events, idempotency, versioning
from core.store.db import Cursor, Database, rows, scalar

FOLLOW_UP_FIELDS = ("kind", "body", "due_on")


def add_follow_up(db: Database, actor: Actor, contact_id: int, data: FollowUpCreate, *, sent_at: datetime | None = None,
                  now: datetime | None = None, idempotency_key: str | None = None) -> int:
    """Log a keep-in-touch message (sent now or at sent_at) or plan one for due_on (sent_at None, due_on set).

    Once per form render: a repeated submit with the same key returns the first entry.
    """
    now = now or utcnow()

    def work(cur: Cursor) -> int:
        owned_contact(cur, actor, contact_id)
        new_id = scalar(
            cur,
            """INSERT INTO follow_ups (contact_id, student_id, kind, body, due_on, sent_at, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
            [contact_id, actor.user_id, data.kind.value, data.body, data.due_on, sent_at, now, now],
        )
        events.record(cur, actor, "sent" if sent_at else "planned", "follow_up", entity_id=new_id,
                      student_id=actor.user_id, contact_id=contact_id, detail={"kind": data.kind.value}, now=now)
        return new_id

    return idempotency.create_once(db, actor, idempotency_key, "follow_up", work, now=now)


def update_follow_up(db: Database, actor: Actor, follow_up_id: int, data: FollowUpCreate, *,
                     expected_version: int | None = None, now: datetime | None = None) -> None:
    """Edit a keep-in-touch entry (its kind, text, planned date); a save from a stale form is refused."""
    now = now or utcnow()

    def work(cur: Cursor) -> None:
        found = owned_row(cur, actor, "follow_ups", follow_up_id)
        versioning.check(found, expected_version, what="keep-in-touch entry", fields=FOLLOW_UP_FIELDS)
        due_on = data.due_on if found["sent_at"] is None else found["due_on"]
        if found["sent_at"] is None and due_on is None:
            raise FollowUpError("A planned message needs a date.")
        cur.execute("""UPDATE follow_ups SET kind = ?, body = ?, due_on = ?, updated_at = ?, version = version + 1
                       WHERE id = ?""", [data.kind.value, data.body, due_on, now, follow_up_id])
        events.record(cur, actor, "edited", "follow_up", entity_id=follow_up_id, student_id=actor.user_id,
                      contact_id=found["contact_id"], detail={"kind": data.kind.value}, now=now)

    db.transaction(work)


def mark_follow_up_sent(db: Database, actor: Actor, follow_up_id: int, *, sent_at: datetime | None = None,
                        now: datetime | None = None) -> None:
    """Record that a planned keep-in-touch message went out."""
    now = now or utcnow()

    def work(cur: Cursor) -> None:
        found = owned_row(cur, actor, "follow_ups", follow_up_id)
        if found["sent_at"] is not None:
            return  # a repeated click
        cur.execute("UPDATE follow_ups SET sent_at = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                    [sent_at or now, now, follow_up_id])
        events.record(cur, actor, "sent", "follow_up", entity_id=follow_up_id, student_id=actor.user_id,
                      contact_id=found["contact_id"], detail={"kind": found["kind"]}, now=now)

    db.transaction(work)


def list_follow_ups(db: Database, actor: Actor, student_id: int) -> list[dict[str, Any]]:
    """A student's keep-in-touch messages, with the contact's name."""
    with db.cursor() as cur:
        require_read_student(cur, actor, student_id)
        return rows(cur, """SELECT f.*, c.first_name || ' ' || c.last_name AS contact_name
                            FROM follow_ups f JOIN contacts c ON c.id = f.contact_id
                            WHERE f.student_id = ? ORDER BY coalesce(f.sent_at, CAST(f.due_on AS TIMESTAMP)) DESC""",
                    [student_id])


def record_outcome(db: Database, actor: Actor, data: OutcomeCreate, *, now: datetime | None = None) -> int:
    """Record where the acting student landed and which of their contacts helped."""
    require_own_campaign(actor, actor.user_id)
    now = now or utcnow()

    def work(cur: Cursor) -> int:
        for contact_id in data.helped_contact_ids:
            try:
                owned_contact(cur, actor, contact_id)
            except NotFound as exc:
                raise NotFound("One of the contacts who helped is not in your list.") from exc
        new_id = scalar(
            cur,
            """INSERT INTO outcomes (student_id, kind, organization, title, description, decided_on, created_at,
                                    updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
            [actor.user_id, data.kind.value, data.organization, data.title, data.description, data.decided_on,
             now, now],
        )
        for contact_id in sorted(set(data.helped_contact_ids)):
            cur.execute("INSERT INTO outcome_contacts VALUES (?, ?)", [new_id, contact_id])
        events.record(cur, actor, "recorded", "outcome", entity_id=new_id, student_id=actor.user_id,
                      detail={"kind": data.kind.value, "helped": len(set(data.helped_contact_ids))}, now=now)
        return new_id

    return db.transaction(work)


def list_outcomes(db: Database, actor: Actor, student_id: int) -> list[dict[str, Any]]:
    """A student's outcomes with the ids of the contacts who helped."""
    with db.cursor() as cur:
        require_read_student(cur, actor, student_id)
        return rows(cur, """SELECT o.*, (SELECT array_agg(oc.contact_id ORDER BY oc.contact_id)
                                           FROM outcome_contacts oc WHERE oc.outcome_id = o.id) AS helped_contact_ids
                            FROM outcomes o WHERE o.student_id = ? ORDER BY o.created_at DESC""", [student_id])


def landed_note_status(db: Database, actor: Actor, student_id: int) -> list[dict[str, Any]]:
    """Each contact who helped with an outcome, with whether a "where I landed" note has gone to them."""
    with db.cursor() as cur:
        require_read_student(cur, actor, student_id)
        return rows(cur, """SELECT DISTINCT c.id AS contact_id, c.first_name, c.last_name, c.organization,
                                   o.id AS outcome_id, o.kind, o.organization AS landed_organization,
                                   o.title AS landed_title,
                                   EXISTS (SELECT 1 FROM follow_ups f WHERE f.contact_id = c.id
                                           AND f.kind = 'where_i_landed' AND f.sent_at IS NOT NULL) AS note_sent
                            FROM outcomes o JOIN outcome_contacts oc ON oc.outcome_id = o.id
                            JOIN contacts c ON c.id = oc.contact_id
                            WHERE o.student_id = ? AND o.kind <> 'none'
                            ORDER BY o.id DESC, c.id""", [student_id])


def outcome_sentence(kind: str, organization: str, title: str) -> str:
    """The news of an outcome in one sentence, for the "where I landed" template."""
    what = {"internship": "an internship", "job_offer": "a job offer"}.get(kind, "a new role")
    role = f" as {title}" if title else ""
    place = f" at {organization}" if organization else ""
    return f"I have accepted {what}{role}{place}."
