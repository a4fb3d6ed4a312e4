"""The append-only event log: who did what, when, to which student's campaign."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from core.db import Cursor
from core.models import Actor


def record(
    cur: Cursor,
    actor: Actor | None,
    action: str,
    entity_type: str,
    *,
    entity_id: int | None = None,
    student_id: int | None = None,
    contact_id: int | None = None,
    detail: dict[str, Any] | str | None = None,
    now: datetime,
) -> None:
    """Append one event inside the caller's transaction; the cohort is the student's at that time.

    Every write records an event, so this is where a deactivated account's write is refused
    (the whole transaction rolls back), whichever page or callback made it.
    """
    if actor is not None and actor.user_id:
        from core.access import require_active

        require_active(cur, actor)
    text = detail if isinstance(detail, str) else json.dumps(detail or {}, default=str, sort_keys=True)
    cur.execute(
        """INSERT INTO events (occurred_at, actor_id, student_id, cohort_id, contact_id,
                               entity_type, entity_id, action, detail)
           VALUES (?, ?, ?, (SELECT cohort_id FROM cohort_members WHERE student_id = ?), ?, ?, ?, ?, ?)""",
        [now, actor.user_id if actor and actor.user_id else None, student_id, student_id, contact_id,
         entity_type, entity_id, action, text],
    )
    if student_id is not None and actor is not None and actor.user_id == student_id:
        student_acted(cur, student_id, now)


def student_acted(cur: Cursor, student_id: int, now: datetime) -> None:
    """Keep the student's latest own action (table student_activity, read by core/facts.py).

    Called for every event a student writes about their own campaign; a bulk writer of such
    events (the LinkedIn import) calls it once.
    """
    cur.execute(
        """INSERT INTO student_activity (student_id, last_activity_at) VALUES (?, ?)
           ON CONFLICT (student_id) DO UPDATE
           SET last_activity_at = greatest(student_activity.last_activity_at, excluded.last_activity_at)""",
        [student_id, now],
    )
