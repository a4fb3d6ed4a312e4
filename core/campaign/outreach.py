"""Outreach: drafts of the meeting request, marking them sent, and recording the reply."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.clock import utcnow
from core.errors import OutreachError
from core.identity.access import owned_contact, owned_row, readable_contact
from core.models import Actor, Channel, OutreachCreate, Reply
from core.store import events, idempotency, versioning
from core.store.db import Cursor, Database, rows, scalar


def create_draft(db: Database, actor: Actor, contact_id: int, data: OutreachCreate, *, now: datetime | None = None,
                 idempotency_key: str | None = None) -> int:
    """Save a draft request (or follow-up) to one of the acting student's contacts, once per form render."""
    now = now or utcnow()

    def work(cur: Cursor) -> int:
        owned_contact(cur, actor, contact_id)
        new_id = scalar(
            cur,
            """INSERT INTO outreach_messages (contact_id, student_id, purpose, channel, library_item_id, subject, body,
                                              created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
            [contact_id, actor.user_id, data.purpose, data.channel.value, data.library_item_id, data.subject,
             data.body, now, now],
        )
        events.record(cur, actor, "drafted", "outreach", entity_id=new_id, student_id=actor.user_id,
                      contact_id=contact_id, detail={"channel": data.channel.value, "purpose": data.purpose}, now=now)
        return new_id

    return idempotency.create_once(db, actor, idempotency_key, "outreach", work, now=now)


DRAFT_FIELDS = ("channel", "subject", "body")


def update_draft(db: Database, actor: Actor, message_id: int, data: OutreachCreate, *, now: datetime | None = None,
                 expected_version: int | None = None, original: dict[str, Any] | None = None) -> None:
    """Edit a draft that has not been sent; a save from a stale form is refused (StaleEdit)."""
    now = now or utcnow()

    def work(cur: Cursor) -> None:
        found = owned_row(cur, actor, "outreach_messages", message_id)
        if found["sent_at"] is not None:
            raise OutreachError("This message was already sent; write a new draft instead.")
        versioning.check(found, expected_version, what="draft", fields=DRAFT_FIELDS, original=original)
        cur.execute("""UPDATE outreach_messages SET channel = ?, subject = ?, body = ?, updated_at = ?,
                              version = version + 1 WHERE id = ?""",
                    [data.channel.value, data.subject, data.body, now, message_id])
        events.record(cur, actor, "edited", "outreach", entity_id=message_id, student_id=actor.user_id,
                      contact_id=found["contact_id"], now=now)

    db.transaction(work)


def delete_draft(db: Database, actor: Actor, message_id: int, *, now: datetime | None = None) -> None:
    """Delete a draft that was never sent (a sent message is part of the record and stays)."""
    now = now or utcnow()

    def work(cur: Cursor) -> None:
        found = owned_row(cur, actor, "outreach_messages", message_id)
        if found["sent_at"] is not None:
            raise OutreachError("This message was sent; it stays on the record.")
        cur.execute("DELETE FROM outreach_messages WHERE id = ?", [message_id])
        events.record(cur, actor, "deleted", "outreach", entity_id=message_id, student_id=actor.user_id,
                      contact_id=found["contact_id"], detail={"purpose": found["purpose"]}, now=now)

    db.transaction(work)


def mark_sent(db: Database, actor: Actor, message_id: int, *, channel: Channel, sent_at: datetime,
              now: datetime | None = None) -> None:
    """Record that a draft went out, by which channel and when (a second mark of a sent message changes nothing)."""
    now = now or utcnow()
    if sent_at > now:
        raise OutreachError("The sent date cannot be in the future.")

    def work(cur: Cursor) -> None:
        found = owned_row(cur, actor, "outreach_messages", message_id)
        if found["sent_at"] is not None:
            return  # a repeated click: the first record stands
        cur.execute("""UPDATE outreach_messages SET channel = ?, sent_at = ?, updated_at = ?, version = version + 1
                       WHERE id = ?""", [channel.value, sent_at, now, message_id])
        events.record(cur, actor, "sent", "outreach", entity_id=message_id, student_id=actor.user_id,
                      contact_id=found["contact_id"], detail={"channel": channel.value}, now=now)

    db.transaction(work)


def record_reply(db: Database, actor: Actor, message_id: int, reply: Reply, *, replied_at: datetime | None = None,
                 now: datetime | None = None) -> None:
    """Record the contact's answer to a sent request."""
    now = now or utcnow()
    replied_at = replied_at or now

    def work(cur: Cursor) -> None:
        found = owned_row(cur, actor, "outreach_messages", message_id)
        if found["sent_at"] is None:
            raise OutreachError("Mark the message sent before recording a reply.")
        if found["reply"] == reply.value:
            return  # the same reply again (a repeated click)
        cur.execute("""UPDATE outreach_messages SET reply = ?, replied_at = ?, updated_at = ?, version = version + 1
                       WHERE id = ?""",
                    [reply.value, replied_at, now, message_id])
        events.record(cur, actor, "reply_recorded", "outreach", entity_id=message_id, student_id=actor.user_id,
                      contact_id=found["contact_id"], detail={"reply": reply.value}, now=now)

    db.transaction(work)


def list_messages(db: Database, actor: Actor, contact_id: int) -> list[dict[str, Any]]:
    """Every draft and sent message for a contact the actor may read, newest first."""
    with db.cursor() as cur:
        readable_contact(cur, actor, contact_id)
        return rows(cur, "SELECT * FROM outreach_messages WHERE contact_id = ? ORDER BY created_at DESC, id DESC",
                    [contact_id])

