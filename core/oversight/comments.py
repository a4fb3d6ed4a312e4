"""Comment threads on any item of a student's campaign, shared by the student and their counselors."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from core.clock import utcnow
from core.errors import AccessDenied, NotFound
from core.identity.access import readable_row, require_cohort, require_read_student, require_role, visible_students_sql
from core.models import Actor, CommentCreate, CommentEdit, Role
from core.store import events, versioning
from core.store.db import Cursor, Database, row, rows, scalar
from core.store.idempotency import create_once

_SUBJECT_TABLES = {
    "contact": "contacts", "outreach": "outreach_messages", "meeting": "meetings", "thank_you": "thank_yous",
    "reflection": "reflections", "follow_up": "follow_ups", "outcome": "outcomes",
}


def _check_subject(cur: Cursor, actor: Actor, student_id: int, subject_type: str, subject_id: int) -> None:
    require_read_student(cur, actor, student_id)
    if subject_type == "student":
        if subject_id != student_id:
            raise NotFound("No such item.")
        return
    found = readable_row(cur, actor, _SUBJECT_TABLES[subject_type], subject_id)
    if found["student_id"] != student_id:
        raise NotFound("No such item.")


def add_comment(db: Database, actor: Actor, student_id: int, data: CommentCreate, *, now: datetime | None = None,
                idempotency_key: str | None = None) -> int:
    """Comment on an item of a student's campaign: the student or anyone who may read it.

    With an idempotency key (one per form render) a second submit of the same form posts nothing twice.
    """
    now = now or utcnow()

    def work(cur: Cursor) -> int:
        _check_subject(cur, actor, student_id, data.subject_type, data.subject_id)
        new_id = scalar(
            cur,
            """INSERT INTO comments (student_id, author_id, subject_type, subject_id, body, created_at)
               VALUES (?, ?, ?, ?, ?, ?) RETURNING id""",
            [student_id, actor.user_id, data.subject_type, data.subject_id, data.body, now],
        )
        events.record(cur, actor, "commented", data.subject_type, entity_id=data.subject_id, student_id=student_id,
                      detail={"comment_id": new_id}, now=now)
        return new_id

    comment_id = create_once(db, actor, idempotency_key, "comment", work, now=now)
    _tell_at_once(db, student_id)
    return comment_id


# Who is told of a new comment at once (the student's bell, a counselor's "answered you"): the
# messaging area, which sits above this one, registers its hook here as it loads
# (core/messaging/__init__.py). With no hook, the next scheduled reminder run tells them.
_comment_hooks: list[Callable[[Database, int], None]] = []


def when_commented(hook: Callable[[Database, int], None]) -> Callable[[Database, int], None]:
    """Register a hook called with (db, student_id) after each new comment is saved."""
    _comment_hooks.append(hook)
    return hook


def _tell_at_once(db: Database, student_id: int) -> None:
    """Run the hooks a new comment calls for now, rather than at the next reminder run; the comment is
    saved whatever happens here."""
    for hook in _comment_hooks:
        try:
            hook(db, student_id)
        except Exception:  # noqa: BLE001 - the next scheduled run gives them instead
            logging.getLogger(__name__).exception("notifying about a comment failed; the next run will")


def _own_comment(cur: Cursor, actor: Actor, comment_id: int) -> dict[str, Any]:
    """A comment the actor wrote and may still read (their access to the student is re-checked)."""
    found = row(cur, "SELECT * FROM comments WHERE id = ?", [comment_id])
    if found is None:
        raise NotFound("No such comment.")
    require_read_student(cur, actor, found["student_id"])
    if found["author_id"] != actor.user_id:
        raise AccessDenied("Only the person who wrote a comment can change or withdraw it.")
    return found


def edit_comment(db: Database, actor: Actor, comment_id: int, data: CommentEdit, *,
                 expected_version: int | None = None, now: datetime | None = None) -> int:
    """Change the text of one's own comment; the thread then shows it as edited, with when. Returns the new version.

    A save from a form opened before another save of the same comment is refused (StaleEdit, with the text saved).
    """
    now = now or utcnow()

    def work(cur: Cursor) -> int:
        found = _own_comment(cur, actor, comment_id)
        if found["deleted_at"] is not None:
            raise NotFound("This comment was withdrawn; it can no longer be edited.")
        versioning.check(found, expected_version, what="comment", fields=["body"])
        if found["body"] == data.body:
            return int(found["version"])
        cur.execute("UPDATE comments SET body = ?, edited_at = ?, version = version + 1 WHERE id = ?",
                    [data.body, now, comment_id])
        events.record(cur, actor, "edited", "comment", entity_id=comment_id, student_id=found["student_id"],
                      detail={"subject_type": found["subject_type"], "subject_id": found["subject_id"]}, now=now)
        return int(found["version"]) + 1

    return db.transaction(work)


def withdraw_comment(db: Database, actor: Actor, comment_id: int, *, expected_version: int | None = None,
                     now: datetime | None = None) -> None:
    """Withdraw one's own comment: it leaves the thread for everyone (kept, so `restore_comment` can undo it)."""
    now = now or utcnow()

    def work(cur: Cursor) -> None:
        found = _own_comment(cur, actor, comment_id)
        if found["deleted_at"] is not None:
            return
        versioning.check(found, expected_version, what="comment", fields=["body"])
        cur.execute("UPDATE comments SET deleted_at = ?, version = version + 1 WHERE id = ?", [now, comment_id])
        events.record(cur, actor, "withdrawn", "comment", entity_id=comment_id, student_id=found["student_id"],
                      detail={"subject_type": found["subject_type"], "subject_id": found["subject_id"]}, now=now)

    db.transaction(work)


def restore_comment(db: Database, actor: Actor, comment_id: int, *, now: datetime | None = None) -> None:
    """Undo withdrawing one's own comment: it is back in the thread as it was."""
    now = now or utcnow()

    def work(cur: Cursor) -> None:
        found = _own_comment(cur, actor, comment_id)
        if found["deleted_at"] is None:
            return
        cur.execute("UPDATE comments SET deleted_at = NULL, version = version + 1 WHERE id = ?", [comment_id])
        events.record(cur, actor, "restored", "comment", entity_id=comment_id, student_id=found["student_id"],
                      detail={"subject_type": found["subject_type"], "subject_id": found["subject_id"]}, now=now)

    db.transaction(work)


def list_comments(db: Database, actor: Actor, student_id: int, *, subject_type: str | None = None,
                  subject_id: int | None = None) -> list[dict[str, Any]]:
    """Comments on a student's campaign (optionally one item), oldest first, with author names and roles.

    Withdrawn comments are left out; an edited one carries `edited_at` and its `version` (for editing it).
    """
    with db.cursor() as cur:
        require_read_student(cur, actor, student_id)
        return rows(
            cur,
            """SELECT cm.*, u.first_name || ' ' || u.last_name AS author_name, u.role AS author_role
               FROM comments cm JOIN users u ON u.id = cm.author_id
               WHERE cm.student_id = ? AND (? IS NULL OR cm.subject_type = ?) AND (? IS NULL OR cm.subject_id = ?)
                 AND cm.deleted_at IS NULL
                 AND NOT (cm.subject_type = 'reflection' AND cm.subject_id IN
                          (SELECT id FROM reflections WHERE is_private AND student_id <> ?))
               ORDER BY cm.created_at, cm.id""",
            [student_id, subject_type, subject_type, subject_id, subject_id, actor.user_id],
        )


def recent_comments(db: Database, actor: Actor, *, cohort_id: int | None = None, since: datetime | None = None,
                    limit: int = 20) -> list[dict[str, Any]]:
    """The latest comments on the campaigns the actor may read (optionally one cohort), newest first.

    For the dashboard (counselors and admins): a counselor sees at a glance which students answered. Rows carry the
    student's name, the author's name and role, the item commented on and the text (to be shown as plain text).
    """
    require_role(actor, Role.COUNSELOR, Role.ADMIN)
    sub, params = visible_students_sql(actor)
    with db.cursor() as cur:
        if cohort_id is not None:
            require_cohort(cur, actor, cohort_id)
        return rows(
            cur,
            f"""SELECT cm.id, cm.student_id, s.first_name || ' ' || s.last_name AS student_name, cm.author_id,
                       a.first_name || ' ' || a.last_name AS author_name, a.role AS author_role,
                       cm.author_id = cm.student_id AS by_student, cm.subject_type, cm.subject_id, cm.body,
                       cm.created_at, cm.edited_at
                FROM comments cm
                JOIN users s ON s.id = cm.student_id
                JOIN users a ON a.id = cm.author_id
                JOIN cohort_members m ON m.student_id = cm.student_id
                WHERE cm.student_id IN ({sub}) AND cm.deleted_at IS NULL
                  AND (CAST(? AS BIGINT) IS NULL OR m.cohort_id = ?)
                  AND (CAST(? AS TIMESTAMP) IS NULL OR cm.created_at >= ?)
                  AND NOT (cm.subject_type = 'reflection' AND cm.subject_id IN
                           (SELECT id FROM reflections WHERE is_private AND student_id <> ?))
                ORDER BY cm.created_at DESC, cm.id DESC
                LIMIT ?""",
            [*params, cohort_id, cohort_id, since, since, actor.user_id, limit],
        )
