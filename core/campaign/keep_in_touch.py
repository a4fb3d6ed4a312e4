"""Keeping in touch after the thank-you, and "where I landed" outcomes with the contacts who helped."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.campaign.thanks import sent_time
from core.clock import utcnow
from core.errors import FollowUpError, NotFound
from core.identity.access import owned_contact, owned_row, require_own_campaign, require_read_student
from core.models import Actor, FollowUpCreate, OutcomeCreate
from core.store import events, idempotency, versioning
from core.store.db import Cursor, Database, rows, scalar

FOLLOW_UP_FIELDS = ("kind", "body", "due_on")


def _first_contact(cur: Cursor, contact: dict[str, Any]) -> tuple[datetime, str]:
    """The moment a keep-in-touch note to a contact follows, and its name: the first time the student reached them
    (a request sent or a meeting held), else the day they were added to the student's list."""
    reached = [t for t in (
        scalar(cur, "SELECT min(sent_at) FROM outreach_messages WHERE contact_id = ?", [contact["id"]]),
        scalar(cur, "SELECT min(held_at) FROM meetings WHERE contact_id = ? AND status = 'held'", [contact["id"]]),
    ) if t is not None]
    if reached:
        return min(reached), "your first contact with this person"
    return contact["created_at"], "the moment you added this person to your list"


def _went_out(cur: Cursor, contact: dict[str, Any], sent_at: datetime | None, now: datetime) -> datetime:
    earliest, after = _first_contact(cur, contact)
    return sent_time(sent_at, now=now, earliest=earliest, after=after, error=FollowUpError)


def add_follow_up(db: Database, actor: Actor, contact_id: int, data: FollowUpCreate, *, sent_at: datetime | None = None,
                  now: datetime | None = None, idempotency_key: str | None = None) -> int:
    """Log a keep-in-touch message sent, or plan one: with a planned date (due_on) and no sent_at it is planned;
    otherwise it went out at sent_at (not before the first contact with the person, not in the future), or now.

    Once per form render: a repeated submit with the same key returns the first entry.
    """
    now = now or utcnow()
    planned = sent_at is None and data.due_on is not None

    def work(cur: Cursor) -> int:
        contact = owned_contact(cur, actor, contact_id)
        went = None if planned else _went_out(cur, contact, sent_at, now)
        new_id = scalar(
            cur,
            """INSERT INTO follow_ups (contact_id, student_id, kind, body, due_on, sent_at, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
            [contact_id, actor.user_id, data.kind.value, data.body, data.due_on if planned else None, went, now, now],
        )
        events.record(cur, actor, "planned" if planned else "sent", "follow_up", entity_id=new_id,
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
    """Record that a planned keep-in-touch message went out: now, or at sent_at (not before the first contact with
    the person, not in the future)."""
    now = now or utcnow()

    def work(cur: Cursor) -> None:
        found = owned_row(cur, actor, "follow_ups", follow_up_id)
        if found["sent_at"] is not None:
            return  # a repeated click
        went = _went_out(cur, owned_contact(cur, actor, found["contact_id"]), sent_at, now)
        cur.execute("UPDATE follow_ups SET sent_at = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                    [went, now, follow_up_id])
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


# What the outcome form shows in words: a save from a stale form shows the saved values of these.
OUTCOME_FIELDS = ("kind", "organization", "title", "description", "decided_on")


def _helpers(cur: Cursor, actor: Actor, contact_ids: list[int]) -> list[int]:
    """The contacts who helped, each one of the acting student's, once each."""
    for contact_id in contact_ids:
        try:
            owned_contact(cur, actor, contact_id)
        except NotFound as exc:
            raise NotFound("One of the contacts who helped is not in your list.") from exc
    return sorted(set(contact_ids))


def _helped(cur: Cursor, outcome_id: int) -> list[int]:
    return [r["contact_id"] for r in rows(cur, """SELECT contact_id FROM outcome_contacts WHERE outcome_id = ?
                                                 ORDER BY contact_id""", [outcome_id])]


def record_outcome(db: Database, actor: Actor, data: OutcomeCreate, *, now: datetime | None = None,
                   idempotency_key: str | None = None) -> int:
    """Record where the acting student landed and which of their contacts helped.

    Once per form render: a repeated submit with the same key returns the first outcome (one outcome, and
    one "where I landed" note proposed to each person who helped).
    """
    require_own_campaign(actor, actor.user_id)
    now = now or utcnow()

    def work(cur: Cursor) -> int:
        helped = _helpers(cur, actor, data.helped_contact_ids)
        new_id = scalar(
            cur,
            """INSERT INTO outcomes (student_id, kind, organization, title, description, decided_on, created_at,
                                    updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
            [actor.user_id, data.kind.value, data.organization, data.title, data.description, data.decided_on,
             now, now],
        )
        for contact_id in helped:
            cur.execute("INSERT INTO outcome_contacts VALUES (?, ?)", [new_id, contact_id])
        events.record(cur, actor, "recorded", "outcome", entity_id=new_id, student_id=actor.user_id,
                      detail={"kind": data.kind.value, "helped": len(helped)}, now=now)
        return new_id

    return idempotency.create_once(db, actor, idempotency_key, "outcome", work, now=now)


def update_outcome(db: Database, actor: Actor, outcome_id: int, data: OutcomeCreate, *,
                   expected_version: int | None = None, now: datetime | None = None) -> None:
    """Edit an outcome in place (what, where, when, who helped); a save from a stale form is refused (StaleEdit).

    A person already told where the student landed is not asked to be told again: the note they were sent stands.
    """
    now = now or utcnow()

    def work(cur: Cursor) -> None:
        found = owned_row(cur, actor, "outcomes", outcome_id)
        versioning.check(found, expected_version, what="outcome", fields=OUTCOME_FIELDS)
        helped = _helpers(cur, actor, data.helped_contact_ids)
        cur.execute("""UPDATE outcomes SET kind = ?, organization = ?, title = ?, description = ?, decided_on = ?,
                              updated_at = ?, version = version + 1 WHERE id = ?""",
                    [data.kind.value, data.organization, data.title, data.description, data.decided_on, now,
                     outcome_id])
        if helped != _helped(cur, outcome_id):
            cur.execute("DELETE FROM outcome_contacts WHERE outcome_id = ?", [outcome_id])
            for contact_id in helped:
                cur.execute("INSERT INTO outcome_contacts VALUES (?, ?)", [outcome_id, contact_id])
        events.record(cur, actor, "edited", "outcome", entity_id=outcome_id, student_id=actor.user_id,
                      detail={"kind": data.kind.value, "helped": len(helped)}, now=now)

    db.transaction(work)


def remove_outcome(db: Database, actor: Actor, outcome_id: int, *, now: datetime | None = None) -> dict[str, Any]:
    """Remove an outcome recorded by mistake; returns the removed row (with helped_contact_ids) so the page can
    offer Undo (restore_outcome). Notes already sent stay on the record; its comment thread waits for an Undo."""
    now = now or utcnow()

    def work(cur: Cursor) -> dict[str, Any]:
        found = owned_row(cur, actor, "outcomes", outcome_id)
        found["helped_contact_ids"] = _helped(cur, outcome_id)
        cur.execute("DELETE FROM outcome_contacts WHERE outcome_id = ?", [outcome_id])
        cur.execute("DELETE FROM outcomes WHERE id = ?", [outcome_id])
        events.record(cur, actor, "removed", "outcome", entity_id=outcome_id, student_id=actor.user_id,
                      detail={"kind": found["kind"]}, now=now)
        return found

    return db.transaction(work)


def restore_outcome(db: Database, actor: Actor, removed: dict[str, Any], *, now: datetime | None = None) -> int:
    """Undo a removal: the outcome comes back with its id (so its comments), every stored field and the contacts who
    helped that are still in the student's list. A second Undo changes nothing."""
    require_own_campaign(actor, actor.user_id)
    now = now or utcnow()
    outcome_id = int(removed["id"])

    def work(cur: Cursor) -> int:
        if scalar(cur, "SELECT count(*) FROM outcomes WHERE id = ?", [outcome_id]):
            owned_row(cur, actor, "outcomes", outcome_id)
            return outcome_id
        helped = [c for c in removed.get("helped_contact_ids") or []
                  if scalar(cur, "SELECT count(*) FROM contacts WHERE id = ? AND student_id = ?", [c, actor.user_id])]
        # Every column the table has today, so an Undo keeps what a later migration adds to an outcome.
        columns = [d[0] for d in cur.execute("SELECT * FROM outcomes WHERE 1 = 0").description]
        values = {c: removed[c] for c in columns if c in removed}
        values.update(id=outcome_id, student_id=actor.user_id, updated_at=now)
        names = list(values)
        cur.execute(f"INSERT INTO outcomes ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
                    [values[n] for n in names])
        for contact_id in sorted(set(helped)):
            cur.execute("INSERT INTO outcome_contacts VALUES (?, ?)", [outcome_id, contact_id])
        events.record(cur, actor, "restored", "outcome", entity_id=outcome_id, student_id=actor.user_id,
                      detail={"kind": values.get("kind")}, now=now)
        return outcome_id

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
