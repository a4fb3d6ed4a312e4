"""Who may see and change what. Every core function that touches user data goes through here.

- a student sees and changes only their own campaign;
- a counselor sees the students of cohorts assigned to them, and comments, flags, sets goals there;
- an admin sees everything.
Rows a user may not see are reported as not found, so ids reveal nothing.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from core.errors import AccessDenied, NotFound, check_id
from core.models import SYSTEM, Actor, Role
from core.store.db import Cursor, Database, PostgresDatabase, row, scalar
from core.store.events import require_active

F = TypeVar("F", bound=Callable[..., Any])


def require_active_actor(db: Database | PostgresDatabase, actor: Actor) -> None:
    """AccessDenied when the acting account has been deactivated (events.require_active on a cursor of its own)."""
    with db.cursor() as cur:
        require_active(cur, actor)


def active_only(fn: F) -> F:
    """Refuse (AccessDenied) before the function reads or writes anything when its actor's account has been
    deactivated: for core functions whose work is not scoped by `visible_students_sql` (the actor's own rows,
    the career office's tools), so a page left open or a link clicked later reads and writes nothing."""
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def checked(*args: Any, **kwargs: Any) -> Any:
        given = signature.bind_partial(*args, **kwargs).arguments
        store, actor = given.get("db", given.get("cur")), given.get("actor")
        if isinstance(actor, Actor):
            if isinstance(store, (Database, PostgresDatabase)):
                require_active_actor(store, actor)
            else:
                require_active(store, actor)
        return fn(*args, **kwargs)

    return checked  # type: ignore[return-value]


def require_role(actor: Actor, *roles: Role) -> None:
    """Refuse unless the actor holds one of the roles."""
    if actor.role not in roles:
        raise AccessDenied(f"This needs the {' or '.join(r.value for r in roles)} role.")


# Appended to every scope: an actor whose account was deactivated (a session left open, a
# download clicked later) sees nothing, whatever the page did or did not check.
_ACTIVE = "EXISTS (SELECT 1 FROM users actor_u WHERE actor_u.id = ? AND actor_u.active)"


def visible_students_sql(actor: Actor) -> tuple[str, list[Any]]:
    """A subquery of the student ids the actor may read, with its parameters (none if the actor is inactive)."""
    if actor.role == Role.STUDENT:
        return f"SELECT CAST(? AS BIGINT) AS student_id WHERE {_ACTIVE}", [actor.user_id, actor.user_id]
    if actor.role == Role.COUNSELOR:
        return (
            "SELECT m.student_id FROM cohort_members m "
            f"JOIN cohort_counselors cc ON cc.cohort_id = m.cohort_id WHERE cc.counselor_id = ? AND {_ACTIVE}",
            [actor.user_id, actor.user_id],
        )
    if actor.user_id == SYSTEM.user_id:
        return "SELECT id AS student_id FROM users WHERE role = 'student'", []
    return f"SELECT id AS student_id FROM users WHERE role = 'student' AND {_ACTIVE}", [actor.user_id]


def visible_cohorts_sql(actor: Actor) -> tuple[str, list[Any]]:
    """A subquery of the cohort ids the actor may read (none if the actor is inactive)."""
    if actor.role == Role.STUDENT:
        return (f"SELECT cohort_id FROM cohort_members WHERE student_id = ? AND {_ACTIVE}",
                [actor.user_id, actor.user_id])
    if actor.role == Role.COUNSELOR:
        return (f"SELECT cohort_id FROM cohort_counselors WHERE counselor_id = ? AND {_ACTIVE}",
                [actor.user_id, actor.user_id])
    if actor.user_id == SYSTEM.user_id:
        return "SELECT id AS cohort_id FROM cohorts", []
    return f"SELECT id AS cohort_id FROM cohorts WHERE {_ACTIVE}", [actor.user_id]


def can_read_student(cur: Cursor, actor: Actor, student_id: int) -> bool:
    """Whether the actor may read this student's campaign (never for an id that names no row: text, 10**30)."""
    try:
        student_id = check_id(student_id, "student")
    except NotFound:
        return False
    sub, params = visible_students_sql(actor)
    return bool(scalar(cur, f"SELECT count(*) FROM ({sub}) v WHERE v.student_id = ?", [*params, student_id]))


def require_read_student(cur: Cursor, actor: Actor, student_id: int) -> None:
    """NotFound unless the actor may read this student's campaign."""
    if not can_read_student(cur, actor, student_id):
        raise NotFound("No such student.")


def require_own_campaign(actor: Actor, student_id: int) -> None:
    """Only the student writes their own campaign."""
    if not (actor.role == Role.STUDENT and actor.user_id == student_id):
        raise AccessDenied("Only the student can change their own campaign.")


def require_cohort(cur: Cursor, actor: Actor, cohort_id: int, *, manage: bool = False) -> None:
    """NotFound unless the actor may read the cohort; with manage=True, students are refused."""
    if manage and actor.role == Role.STUDENT:
        raise AccessDenied("Students cannot change cohort settings.")
    cohort_id = check_id(cohort_id, "cohort")
    sub, params = visible_cohorts_sql(actor)
    if not scalar(cur, f"SELECT count(*) FROM ({sub}) v WHERE v.cohort_id = ?", [*params, cohort_id]):
        raise NotFound("No such cohort.")


def readable_contact(cur: Cursor, actor: Actor, contact_id: int) -> dict[str, Any]:
    """The contact row if the actor may read it; NotFound otherwise."""
    contact_id = check_id(contact_id, "contact")
    found = row(cur, "SELECT * FROM contacts WHERE id = ?", [contact_id])
    if found is None or not can_read_student(cur, actor, found["student_id"]):
        raise NotFound("No such contact.")
    return found


def owned_contact(cur: Cursor, actor: Actor, contact_id: int) -> dict[str, Any]:
    """The contact row if it belongs to the acting student; NotFound otherwise."""
    contact_id = check_id(contact_id, "contact")
    found = row(cur, "SELECT * FROM contacts WHERE id = ?", [contact_id])
    if found is None or actor.role != Role.STUDENT or found["student_id"] != actor.user_id:
        raise NotFound("No such contact.")
    require_active(cur, actor)
    return found


def owned_row(cur: Cursor, actor: Actor, table: str, row_id: int) -> dict[str, Any]:
    """A row of a campaign table (with a student_id column) owned by the acting student."""
    if table not in _CAMPAIGN_TABLES:
        raise ValueError(f"{table} is not a campaign table")
    row_id = check_id(row_id)
    found = row(cur, f"SELECT * FROM {table} WHERE id = ?", [row_id])
    if found is None or actor.role != Role.STUDENT or found["student_id"] != actor.user_id:
        raise NotFound("No such record.")
    require_active(cur, actor)
    return found


def readable_row(cur: Cursor, actor: Actor, table: str, row_id: int) -> dict[str, Any]:
    """A row of a campaign table the actor may read; private reflections only to their author."""
    if table not in _CAMPAIGN_TABLES:
        raise ValueError(f"{table} is not a campaign table")
    row_id = check_id(row_id)
    found = row(cur, f"SELECT * FROM {table} WHERE id = ?", [row_id])
    if found is None or not can_read_student(cur, actor, found["student_id"]):
        raise NotFound("No such record.")
    if table == "reflections" and found["is_private"] and actor.user_id != found["student_id"]:
        raise NotFound("No such record.")
    return found


_CAMPAIGN_TABLES = {
    "contacts", "research_notes", "planned_questions", "outreach_messages", "meetings",
    "meeting_notes", "thank_yous", "reflections", "follow_ups", "outcomes", "focus_occupations",
}
