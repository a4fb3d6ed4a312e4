"""Cohorts, their counselors and students, and cohort goals."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from core.errors import AccessDenied, CohortError, NotFound, PortalError, check_id
from core.store import events, versioning
from core.identity.access import require_cohort, require_read_student, require_role, visible_cohorts_sql
from core.clock import utcnow
from core.store.db import Cursor, Database, row, rows, scalar
from core.store.idempotency import create_once
from core.models import Actor, Cohort, CohortCreate, CohortUpdate, GoalCreate, GoalUpdate, Role



def create_cohort(db: Database, actor: Actor, data: CohortCreate, *, now: datetime | None = None) -> Cohort:
    """Create a cohort (admins only); names are unique and the term has both dates, the end after the start."""
    require_role(actor, Role.ADMIN)
    now = now or utcnow()
    # Checked here too, not only by the model: a CohortCreate built with model_construct skips validation.
    if data.term_start is None or data.term_end is None:
        raise CohortError("A cohort needs the dates its term starts and ends; pick both.")
    if data.term_end <= data.term_start:
        raise CohortError("The term must end after it starts (it cannot end before it starts or on its first day).")

    def work(cur: Cursor) -> Cohort:
        if scalar(cur, "SELECT count(*) FROM cohorts WHERE lower(name) = lower(?)", [data.name]):
            raise CohortError(f"A cohort named {data.name!r} already exists.")
        new_id = scalar(
            cur,
            """INSERT INTO cohorts (name, term_start, term_end, thank_you_window_hours, stalled_after_days,
                                   follow_up_business_days, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
            [data.name, data.term_start, data.term_end, data.thank_you_window_hours, data.stalled_after_days,
             data.follow_up_business_days, now, now],
        )
        events.record(cur, actor, "created", "cohort", entity_id=new_id, detail={"name": data.name}, now=now)
        return Cohort.model_validate(row(cur, "SELECT * FROM cohorts WHERE id = ?", [new_id]))

    return db.transaction(work)


def assign_counselor(db: Database, actor: Actor, cohort_id: int, counselor_id: int, *, now: datetime | None = None) -> None:
    """Give a counselor access to a cohort (admins only)."""
    require_role(actor, Role.ADMIN)
    now = now or utcnow()

    def work(cur: Cursor) -> None:
        _require_exists(cur, "cohorts", cohort_id, "cohort")
        if scalar(cur, "SELECT role FROM users WHERE id = ?", [counselor_id]) != Role.COUNSELOR:
            raise CohortError("Only counselors can be assigned to a cohort.")
        if scalar(cur, "SELECT count(*) FROM cohort_counselors WHERE cohort_id = ? AND counselor_id = ?",
                  [cohort_id, counselor_id]):
            return
        cur.execute("INSERT INTO cohort_counselors VALUES (?, ?, ?)", [cohort_id, counselor_id, now])
        events.record(cur, actor, "assigned", "cohort", entity_id=cohort_id,
                      detail={"counselor_id": counselor_id}, now=now)

    db.transaction(work)


def add_student(db: Database, actor: Actor, cohort_id: int, student_id: int, *, now: datetime | None = None) -> None:
    """Put a student in a cohort, moving them from any other (admins only)."""
    require_role(actor, Role.ADMIN)
    now = now or utcnow()

    def work(cur: Cursor) -> None:
        _require_exists(cur, "cohorts", cohort_id, "cohort")
        if scalar(cur, "SELECT role FROM users WHERE id = ?", [student_id]) != Role.STUDENT:
            raise CohortError("Only students can be members of a cohort.")
        cur.execute("DELETE FROM cohort_members WHERE student_id = ?", [student_id])
        cur.execute("INSERT INTO cohort_members VALUES (?, ?, ?)", [student_id, cohort_id, now])
        events.record(cur, actor, "joined_cohort", "cohort", entity_id=cohort_id, student_id=student_id, now=now)

    db.transaction(work)


def _require_exists(cur: Cursor, table: str, row_id: int, what: str) -> None:
    row_id = check_id(row_id, what)
    if not scalar(cur, f"SELECT count(*) FROM {table} WHERE id = ?", [row_id]):
        raise NotFound(f"No such {what}.")


def list_cohorts(db: Database, actor: Actor, *, include_archived: bool = False) -> list[dict[str, Any]]:
    """The cohorts the actor may see, with student and counselor counts."""
    sub, params = visible_cohorts_sql(actor)
    with db.cursor() as cur:
        return rows(
            cur,
            f"""SELECT c.id, c.name, c.term_start, c.term_end, c.thank_you_window_hours, c.stalled_after_days,
                       c.follow_up_business_days, c.archived_at,
                       (SELECT count(*) FROM cohort_members m JOIN users u ON u.id = m.student_id
                         WHERE m.cohort_id = c.id AND u.active) AS students,
                       (SELECT string_agg(u.first_name || ' ' || u.last_name, ', ' ORDER BY u.last_name)
                          FROM cohort_counselors cc JOIN users u ON u.id = cc.counselor_id
                         WHERE cc.cohort_id = c.id) AS counselors
                FROM cohorts c
                WHERE c.id IN ({sub}) AND (? OR c.archived_at IS NULL)
                ORDER BY c.name""",
            [*params, include_archived],
        )


def get_cohort(db: Database, actor: Actor, cohort_id: int) -> Cohort:
    """One cohort the actor may see."""
    with db.cursor() as cur:
        require_cohort(cur, actor, cohort_id)
        return Cohort.model_validate(row(cur, "SELECT * FROM cohorts WHERE id = ?", [cohort_id]))


def cohort_of_student(db: Database, actor: Actor, student_id: int) -> Cohort | None:
    """The student's cohort, if the actor may read the student and they have one."""
    with db.cursor() as cur:
        require_read_student(cur, actor, student_id)
        found = row(cur, "SELECT c.* FROM cohorts c JOIN cohort_members m ON m.cohort_id = c.id WHERE m.student_id = ?",
                    [student_id])
    return Cohort.model_validate(found) if found else None


def add_goal(db: Database, actor: Actor, cohort_id: int, data: GoalCreate, *, now: datetime | None = None,
             idempotency_key: str | None = None) -> int:
    """Set a cohort goal (the cohort's counselors and admins); a repeated submit of one form adds it once."""
    now = now or utcnow()
    if actor.role == Role.STUDENT:
        raise AccessDenied("Students cannot set cohort goals.")

    def work(cur: Cursor) -> int:
        require_cohort(cur, actor, cohort_id, manage=True)
        goal_id = scalar(
            cur,
            """INSERT INTO cohort_goals (cohort_id, metric, target_count, due_on, created_by, created_at)
               VALUES (?, ?, ?, ?, ?, ?) RETURNING id""",
            [cohort_id, data.metric.value, data.target_count, data.due_on, actor.user_id, now],
        )
        events.record(cur, actor, "goal_set", "cohort", entity_id=cohort_id,
                      detail={"metric": data.metric.value, "target": data.target_count}, now=now)
        return goal_id

    return create_once(db, actor, idempotency_key, "cohort_goal", work, now=now)


def list_goals(db: Database, actor: Actor, cohort_id: int) -> list[dict[str, Any]]:
    """The active goals of a cohort the actor may see."""
    with db.cursor() as cur:
        require_cohort(cur, actor, cohort_id)
        return rows(cur, """SELECT id, metric, target_count, due_on, version FROM cohort_goals
                            WHERE cohort_id = ? AND retired_at IS NULL ORDER BY due_on NULLS LAST, id""",
                    [cohort_id])


def cohort_count(db: Database, actor: Actor) -> int:
    """How many cohorts exist that are not archived (admins only)."""
    require_role(actor, Role.ADMIN)
    with db.cursor() as cur:
        return int(scalar(cur, "SELECT count(*) FROM cohorts WHERE archived_at IS NULL"))


_COUNSELOR_SETTINGS = {"thank_you_window_hours", "stalled_after_days", "follow_up_business_days"}


_ADMIN_SETTINGS = {"name", "term_start", "term_end"} | _COUNSELOR_SETTINGS


def update_cohort(db: Database, actor: Actor, cohort_id: int, data: CohortUpdate, *, now: datetime | None = None,
                  expected_version: int | None = None, original: Mapping[str, Any] | None = None) -> Cohort:
    """Change a cohort: its counselors may change the timing settings; admins anything.

    The term dates can be changed but not removed. With `expected_version` (the version the form was
    opened with) a save over someone else's newer save is refused with StaleEdit naming what they
    changed (those of `original`, the values the form showed, that differ now).
    """
    now = now or utcnow()
    changes = data.model_dump(exclude_unset=True)
    if actor.role == Role.COUNSELOR and set(changes) - _COUNSELOR_SETTINGS:
        raise AccessDenied("Counselors can change the cohort's timing settings; names and terms belong to the career office.")
    for field, words in (("term_start", "starts"), ("term_end", "ends")):
        if field in changes and changes[field] is None:
            raise CohortError(f"A cohort needs the date its term {words}; pick one.")

    def work(cur: Cursor) -> Cohort:
        require_cohort(cur, actor, cohort_id, manage=True)
        current = row(cur, "SELECT * FROM cohorts WHERE id = ?", [cohort_id])
        shown = sorted(_COUNSELOR_SETTINGS if actor.role == Role.COUNSELOR else _ADMIN_SETTINGS)
        versioning.check(current, expected_version, what="cohort", fields=shown, original=original)
        if "name" in changes and scalar(cur, "SELECT count(*) FROM cohorts WHERE lower(name) = lower(?) AND id <> ?",
                                        [changes["name"], cohort_id]):
            raise CohortError(f"A cohort named {changes['name']!r} already exists.")
        start = changes.get("term_start", current["term_start"])
        end = changes.get("term_end", current["term_end"])
        if start and end and end <= start:
            raise CohortError("The term must end after it starts (it cannot end before it starts or on its first day).")
        if changes:
            assignments = ", ".join(f"{field} = ?" for field in changes)
            cur.execute(f"UPDATE cohorts SET {assignments}, updated_at = ?, version = version + 1 WHERE id = ?",
                        [*changes.values(), now, cohort_id])
            events.record(cur, actor, "updated", "cohort", entity_id=cohort_id,
                          detail={k: str(v) for k, v in changes.items()}, now=now)
            if "thank_you_window_hours" in changes:  # every owed thank-you of the cohort moves
                events.cohort_figures_touched(cur, cohort_id)
        return Cohort.model_validate(row(cur, "SELECT * FROM cohorts WHERE id = ?", [cohort_id]))

    return db.transaction(work)


def _managed_goal(cur: Cursor, actor: Actor, goal_id: int) -> dict[str, Any]:
    if actor.role == Role.STUDENT:
        raise AccessDenied("Students cannot change cohort goals.")
    goal = row(cur, "SELECT * FROM cohort_goals WHERE id = ?", [goal_id])
    if goal is None:
        raise NotFound("No such goal.")
    require_cohort(cur, actor, goal["cohort_id"], manage=True)
    return goal


def update_goal(db: Database, actor: Actor, goal_id: int, data: GoalUpdate, *, expected_version: int | None = None,
                now: datetime | None = None) -> None:
    """Change a goal's target and due date (the cohort's counselors and admins); a stale form is refused."""
    now = now or utcnow()

    def work(cur: Cursor) -> None:
        goal = _managed_goal(cur, actor, goal_id)
        versioning.check(goal, expected_version, what="goal", fields=["target_count", "due_on"])
        if (goal["target_count"], goal["due_on"]) == (data.target_count, data.due_on):
            return
        cur.execute("""UPDATE cohort_goals SET target_count = ?, due_on = ?, updated_at = ?, version = version + 1
                       WHERE id = ?""", [data.target_count, data.due_on, now, goal_id])
        events.record(cur, actor, "goal_edited", "cohort", entity_id=goal["cohort_id"],
                      detail={"goal_id": goal_id, "target": data.target_count, "due_on": str(data.due_on),
                              "before": {"target": goal["target_count"], "due_on": str(goal["due_on"])}}, now=now)

    db.transaction(work)


def retire_goal(db: Database, actor: Actor, goal_id: int, *, expected_version: int | None = None,
                now: datetime | None = None) -> None:
    """Retire a cohort goal (kept for the record; `restore_goal` brings it back)."""
    now = now or utcnow()

    def work(cur: Cursor) -> None:
        goal = _managed_goal(cur, actor, goal_id)
        if goal["retired_at"] is not None:
            return
        versioning.check(goal, expected_version, what="goal", fields=["target_count", "due_on"])
        cur.execute("UPDATE cohort_goals SET retired_at = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                    [now, now, goal_id])
        events.record(cur, actor, "goal_retired", "cohort", entity_id=goal["cohort_id"], detail={"goal_id": goal_id},
                      now=now)

    return db.transaction(work)


def restore_goal(db: Database, actor: Actor, goal_id: int, *, now: datetime | None = None) -> None:
    """Undo retiring a goal: it is tracked again as it was."""
    now = now or utcnow()

    def work(cur: Cursor) -> None:
        goal = _managed_goal(cur, actor, goal_id)
        if goal["retired_at"] is None:
            return
        cur.execute("UPDATE cohort_goals SET retired_at = NULL, updated_at = ?, version = version + 1 WHERE id = ?",
                    [now, goal_id])
        events.record(cur, actor, "goal_restored", "cohort", entity_id=goal["cohort_id"], detail={"goal_id": goal_id},
                      now=now)

    db.transaction(work)
