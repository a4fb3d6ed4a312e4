"""The audit view: the event log filtered by user, cohort and date, with names instead of ids."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from core.identity.access import require_role
from core.models import Actor, Role
from core.store.db import Database, rows


def list_events(
    db: Database, actor: Actor, *, user_id: int | None = None, cohort_id: int | None = None,
    since: date | None = None, until: date | None = None, action: str | None = None,
    entity_type: str | None = None, limit: int = 1_000,
) -> list[dict[str, Any]]:
    """Events newest first (admins only).

    user_id matches what a user did and what was done to their account or campaign; cohort_id
    matches the cohort recorded with the event, so a student's history stays with the cohort
    they were in at the time. `until` is inclusive (the whole day).
    """
    require_role(actor, Role.ADMIN)
    until_exclusive = until + timedelta(days=1) if until else None
    with db.cursor() as cur:
        return rows(
            cur,
            """SELECT e.id, e.occurred_at, e.action, e.entity_type, e.entity_id, e.detail,
                      e.actor_id, coalesce(a.first_name || ' ' || a.last_name, 'system') AS actor,
                      a.role AS actor_role,
                      e.student_id, s.first_name || ' ' || s.last_name AS student,
                      coalesce(e.cohort_id, ce.id) AS cohort_id, coalesce(c.name, ce.name) AS cohort, e.contact_id
               FROM events e
               LEFT JOIN users a ON a.id = e.actor_id
               LEFT JOIN users s ON s.id = e.student_id
               LEFT JOIN cohorts c ON c.id = e.cohort_id
               LEFT JOIN cohorts ce ON e.entity_type = 'cohort' AND ce.id = e.entity_id
               WHERE (? IS NULL OR e.actor_id = ? OR e.student_id = ?
                      OR (e.entity_type = 'user' AND e.entity_id = ?))
                 AND (? IS NULL OR e.cohort_id = ?
                      OR (e.entity_type = 'cohort' AND e.entity_id = ?))
                 AND (? IS NULL OR e.occurred_at >= ?)
                 AND (? IS NULL OR e.occurred_at < ?)
                 AND (? IS NULL OR e.action = ?)
                 AND (? IS NULL OR e.entity_type = ?)
               ORDER BY e.occurred_at DESC, e.id DESC
               LIMIT ?""",
            [user_id, user_id, user_id, user_id, cohort_id, cohort_id, cohort_id,
             _start(since), _start(since), _start(until_exclusive), _start(until_exclusive),
             action, action, entity_type, entity_type, limit],
        )


def _start(day: date | None) -> datetime | None:
    return datetime(day.year, day.month, day.day) if day else None


def actions(db: Database, actor: Actor) -> list[str]:
    """The distinct actions in the log, for the filter."""
    require_role(actor, Role.ADMIN)
    with db.cursor() as cur:
        return [r["action"] for r in rows(cur, "SELECT DISTINCT action FROM events ORDER BY action")]

