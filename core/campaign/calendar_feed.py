"""A student's private calendar feed: one secret address that Google, Outlook or Apple calendars
subscribe to, so the student's meetings appear there without signing in anywhere.

The address ends in a long random token (secrets.token_urlsafe); only its SHA-256 hash is stored
(table calendar_feeds), so the address can be shown once, when it is made. Making a new one revokes
the old one; revoking ends it. The feed is one .ics calendar (core/campaign/ics.py) of the student's
scheduled and held meetings, never cancelled ones nor those of contacts the student removed, each
with the meeting's stable UID so a calendar app updates its events in place. An unknown, replaced or
revoked token, or the token of an account no longer active, reads nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from core.campaign.ics import build_feed
from core.clock import utcnow
from core.errors import AccessDenied
from core.models import Actor, Role
from core.rules.timing import shown_at_sql
from core.store import events
from core.store.db import Cursor, Database, row, rows, scalar

TOKEN_BYTES = 32  # 256 bits: 43 characters in the address
FEED_NAME = "Informational interviews"
# A token as token_urlsafe writes it; anything else is not looked up at all.
_LONGEST = 100


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _own(actor: Actor) -> None:
    if actor.role != Role.STUDENT:
        raise AccessDenied("Only a student has a calendar address for their own meetings.")


def current_feed(db: Database, actor: Actor) -> dict[str, Any] | None:
    """The acting student's calendar address in use (its id and when it was made), or None."""
    _own(actor)
    with db.cursor() as cur:
        return row(cur, """SELECT id, created_at FROM calendar_feeds WHERE student_id = ? AND revoked_at IS NULL
                           ORDER BY created_at DESC, id DESC LIMIT 1""", [actor.user_id])


def _revoke(cur: Cursor, actor: Actor, now: datetime) -> int:
    ended = int(scalar(cur, "SELECT count(*) FROM calendar_feeds WHERE student_id = ? AND revoked_at IS NULL",
                       [actor.user_id]))
    if ended:
        cur.execute("UPDATE calendar_feeds SET revoked_at = ? WHERE student_id = ? AND revoked_at IS NULL",
                    [now, actor.user_id])
    return ended


def new_feed(db: Database, actor: Actor, *, now: datetime | None = None) -> str:
    """Make the acting student's calendar address (the old one, if any, stops working); returns its token,
    which the portal keeps no readable copy of."""
    _own(actor)
    now = now or utcnow()
    token = secrets.token_urlsafe(TOKEN_BYTES)

    def work(cur: Cursor) -> None:
        replaced = _revoke(cur, actor, now)
        feed_id = scalar(cur, """INSERT INTO calendar_feeds (student_id, token_hash, created_at) VALUES (?, ?, ?)
                                 RETURNING id""", [actor.user_id, _hash(token), now])
        # Not campaign work: recorded without a student, so it moves no figure and no "last activity".
        events.record(cur, actor, "calendar_feed_replaced" if replaced else "calendar_feed_made", "calendar_feed",
                      entity_id=feed_id, now=now)

    db.transaction(work)
    return token


def revoke_feed(db: Database, actor: Actor, *, now: datetime | None = None) -> bool:
    """Turn off the acting student's calendar address; whether there was one."""
    _own(actor)
    now = now or utcnow()

    def work(cur: Cursor) -> bool:
        events.require_active(cur, actor)
        if not _revoke(cur, actor, now):
            return False
        events.record(cur, actor, "calendar_feed_revoked", "calendar_feed", now=now)
        return True

    return db.transaction(work)


def feed_calendar(db: Database, token: str, *, now: datetime | None = None) -> bytes | None:
    """The .ics calendar a token opens, or None (unknown, replaced or revoked, or the account is not active)."""
    if not token or len(token) > _LONGEST or not token.isascii():
        return None
    with db.cursor() as cur:
        student_id = scalar(cur, """SELECT f.student_id FROM calendar_feeds f JOIN users u ON u.id = f.student_id
                                    WHERE f.token_hash = ? AND f.revoked_at IS NULL AND u.active
                                      AND u.role = 'student'""", [_hash(token)])
        if student_id is None:
            return None
        found = rows(cur, f"""SELECT m.id, m.contact_id, m.status, {shown_at_sql("m")} AS starts_at, m.timezone,
                                     m.duration_minutes, m.mode, m.location,
                                     c.first_name, c.last_name, c.organization
                              FROM meetings m JOIN contacts c ON c.id = m.contact_id
                              WHERE m.student_id = ? AND m.status IN ('scheduled', 'held') AND c.archived_at IS NULL
                              ORDER BY starts_at, m.id""", [student_id])
        questions: dict[int, list[str]] = {}
        for q in rows(cur, """SELECT contact_id, text FROM planned_questions WHERE student_id = ?
                              ORDER BY contact_id, position, id""", [student_id]):
            questions.setdefault(q["contact_id"], []).append(q["text"])
    # A held meeting stands in the calendar at the time it was held.
    return build_feed([(m, m, questions.get(m["contact_id"], [])) for m in found], name=FEED_NAME, stamp=now)
