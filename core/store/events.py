"""The append-only event log: who did what, when, to which student's campaign."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from typing import Any

from core.errors import AccessDenied
from core.models import SYSTEM, Actor
from core.rules.activity import is_campaign_work
from core.rules.facts import mark_stale
from core.store.db import Cursor, on_commit, scalar


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
    (the whole transaction rolls back), whichever page or callback made it; and where a student's own
    campaign work (core/rules/activity.py) moves their last activity, while signing in or a settings
    change does not.
    """
    if actor is not None and actor.user_id:
        require_active(cur, actor)
    text = detail if isinstance(detail, str) else json.dumps(detail or {}, default=str, sort_keys=True)
    cur.execute(
        """INSERT INTO events (occurred_at, actor_id, student_id, cohort_id, contact_id,
                               entity_type, entity_id, action, detail)
           VALUES (?, ?, ?, (SELECT cohort_id FROM cohort_members WHERE student_id = ?), ?, ?, ?, ?, ?)""",
        [now, actor.user_id if actor and actor.user_id else None, student_id, student_id, contact_id,
         entity_type, entity_id, action, text],
    )
    if student_id is not None:
        figures_touched(cur, student_id)
        if actor is not None and actor.user_id == student_id and is_campaign_work(entity_type, action):
            student_acted(cur, student_id, now)


def require_active(cur: Cursor, actor: Actor) -> None:
    """AccessDenied when the acting account has been deactivated (the system actor is always active).

    Every write records an event, so the check lives beside the log; reads check it through core.identity.access."""
    if actor.user_id == SYSTEM.user_id:
        return
    if scalar(cur, "SELECT active FROM users WHERE id = ?", [actor.user_id]) is False:
        raise AccessDenied("This account is no longer active.")


def student_acted(cur: Cursor, student_id: int, now: datetime) -> None:
    """Keep the student's latest campaign work (table student_activity, read by core/rules/facts.py).

    Called for every event of campaign work (core/rules/activity.py) a student writes about their own
    campaign; a bulk writer of such events (the LinkedIn import) calls it once.
    """
    figures_touched(cur, student_id)
    cur.execute(
        """INSERT INTO student_activity (student_id, last_activity_at) VALUES (?, ?)
           ON CONFLICT (student_id) DO UPDATE
           SET last_activity_at = greatest(student_activity.last_activity_at, excluded.last_activity_at)""",
        [student_id, now],
    )


# Students whose records this thread's open write transactions touched, per cursor: just before the
# transaction commits each is marked once in figures_stale (core/rules/facts.py mark_stale), so their kept
# figures (core/rules/facts.py KEPT) are recomputed before anyone next reads them (core/rules/facts.py settle).
_touched = threading.local()


def _pending(cur: Cursor) -> set[int]:
    by_cursor = getattr(_touched, "by_cursor", None)
    if by_cursor is None:
        by_cursor = _touched.by_cursor = {}
    return by_cursor.setdefault(id(cur), set())


def figures_touched(cur: Cursor, student_id: int) -> None:
    """Note that this transaction changed records of the student: their kept figures are marked
    stale as it commits, and recomputed before they are next read. Every event about a student
    does it; a writer that changes what the figures read without recording such an event (a
    cohort's thank-you window) calls it itself."""
    _pending(cur).add(int(student_id))


def cohort_figures_touched(cur: Cursor, cohort_id: int) -> None:
    """Note that the figures of every member of the cohort may have changed (its timing settings did)."""
    pending = _pending(cur)
    pending.update(r[0] for r in cur.execute("SELECT student_id FROM cohort_members WHERE cohort_id = ?",
                                            [cohort_id]).fetchall())


def _before_commit(cur: Cursor) -> None:
    by_cursor = getattr(_touched, "by_cursor", None)
    if not by_cursor:
        return
    student_ids = by_cursor.pop(id(cur), None)
    if student_ids:
        mark_stale(cur, student_ids)


def _discard(cur: Cursor) -> None:
    by_cursor = getattr(_touched, "by_cursor", None)
    if by_cursor:
        by_cursor.pop(id(cur), None)


on_commit(_before_commit, _discard)
