"""Reflections after a meeting (seed 003's questions), a fit rating, and a private toggle.

A private reflection is read by its author only: never by a counselor, an admin or an export.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.clock import utcnow
from core.errors import ReflectionError
from core.identity.access import owned_row, require_read_student
from core.models import Actor, ReflectionCreate
from core.store import events, idempotency, versioning
from core.store.db import Cursor, Database, row, scalar

REFLECTION_FIELDS = ("feelings", "see_myself", "view_changed", "still_need", "fit_rating", "is_private")


def save_reflection(db: Database, actor: Actor, meeting_id: int, data: ReflectionCreate, *, now: datetime | None = None,
                    expected_version: int | None = None, idempotency_key: str | None = None) -> int:
    """Create or edit the reflection on a held meeting of the acting student.

    A save from a form opened before another save is refused (StaleEdit; expected_version 0: the
    form was opened before any reflection existed). A repeated submit of one form render saves once.
    """
    now = now or utcnow()
    if not any([data.feelings.strip(), data.see_myself.strip(), data.view_changed.strip(), data.still_need.strip()]):
        raise ReflectionError("Answer at least one of the questions before saving.")

    def work(cur: Cursor) -> int:
        meeting = owned_row(cur, actor, "meetings", meeting_id)
        if meeting["status"] != "held":
            raise ReflectionError("Reflect after the meeting has been held and logged.")
        values = [data.feelings, data.see_myself, data.view_changed, data.still_need, data.fit_rating, data.is_private]
        found = row(cur, "SELECT * FROM reflections WHERE meeting_id = ?", [meeting_id])
        existing = found["id"] if found else None
        if found is not None:
            versioning.check(found, expected_version, what="reflection", fields=REFLECTION_FIELDS)
        if existing is None:
            existing = scalar(
                cur,
                """INSERT INTO reflections (meeting_id, contact_id, student_id, feelings, see_myself, view_changed,
                                            still_need, fit_rating, is_private, created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
                [meeting_id, meeting["contact_id"], actor.user_id, *values, now, now],
            )
            action = "written"
        else:
            cur.execute(
                """UPDATE reflections SET feelings = ?, see_myself = ?, view_changed = ?, still_need = ?,
                          fit_rating = ?, is_private = ?, updated_at = ?, version = version + 1 WHERE id = ?""",
                [*values, now, existing],
            )
            action = "edited"
        # The event never carries the text, so a private reflection leaves no trace of its content.
        events.record(cur, actor, action, "reflection", entity_id=existing, student_id=actor.user_id,
                      contact_id=meeting["contact_id"], now=now)
        return existing

    return idempotency.create_once(db, actor, idempotency_key, "reflection", work, now=now)


def get_reflection(db: Database, actor: Actor, meeting_id: int) -> dict[str, Any] | None:
    """The reflection on a meeting, if the actor may see it (private ones to their author only)."""
    with db.cursor() as cur:
        found = row(cur, "SELECT * FROM reflections WHERE meeting_id = ?", [meeting_id])
        if found is None:
            return None
        require_read_student(cur, actor, found["student_id"])
        if found["is_private"] and actor.user_id != found["student_id"]:
            return None
        return found

