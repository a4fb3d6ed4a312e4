"""Cohorts: creating and changing them, their counselors, students and goals, term dates, archive, invite codes.

Counselors change their cohorts' timing settings and goals; the career office (admins) creates,
renames, archives and dates cohorts, assigns counselors and opens self-registration with invite codes.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from core.clock import utcnow
from core.errors import AccessDenied, CohortError, NotFound, check_id
from core.identity.access import active_only, require_cohort, require_role, visible_cohorts_sql
from core.identity.registration import normalize_code
from core.models import Actor, Cohort, CohortCreate, CohortUpdate, GoalCreate, GoalUpdate, Role, text_problem
from core.store import events, versioning
from core.store.db import Cursor, Database, row, rows, scalar
from core.store.idempotency import create_once


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


def assign_counselor(db: Database, actor: Actor, cohort_id: int, counselor_id: int, *,
                     now: datetime | None = None) -> None:
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
        if move_student(cur, student_id, cohort_id, now):
            events.record(cur, actor, "joined_cohort", "cohort", entity_id=cohort_id, student_id=student_id, now=now)

    db.transaction(work)


def move_student(cur: Cursor, student_id: int, cohort_id: int, now: datetime) -> bool:
    """Make `cohort_id` the student's current cohort from `now`, in the caller's transaction; False if it already is.

    The cohort the student leaves keeps the membership with its dates (cohort_past_members), so its
    exports and figures for a period go on counting the work the student did while a member there,
    and the new cohort counts the work done from `now` on (core/oversight/dashboard.py memberships_in_scope).
    """
    current = row(cur, "SELECT cohort_id, joined_at FROM cohort_members WHERE student_id = ?", [student_id])
    if current is not None and current["cohort_id"] == cohort_id:
        return False
    if current is not None:
        cur.execute("INSERT INTO cohort_past_members (student_id, cohort_id, joined_at, left_at) VALUES (?, ?, ?, ?)",
                    [student_id, current["cohort_id"], current["joined_at"], now])
        cur.execute("DELETE FROM cohort_members WHERE student_id = ?", [student_id])
    cur.execute("INSERT INTO cohort_members (student_id, cohort_id, joined_at) VALUES (?, ?, ?)",
                [student_id, cohort_id, now])
    return True


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


@active_only
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
        raise AccessDenied("Counselors can change the cohort's timing settings; "
                           "names and terms belong to the career office.")
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
            if "thank_you_window_hours" in changes:  # held meetings keep theirs; figures are read afresh anyway
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


# Letters and digits that cannot be misread for one another when read aloud or off a slide.
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _cohort_row(cur: Cursor, cohort_id: int) -> dict[str, Any]:
    cohort_id = check_id(cohort_id, "cohort")
    found = row(cur, "SELECT * FROM cohorts WHERE id = ?", [cohort_id])
    if found is None:
        raise NotFound("No such cohort.")
    return found


def set_archived(db: Database, actor: Actor, cohort_id: int, archived: bool, *, now: datetime | None = None,
                 expected_version: int | None = None) -> Cohort:
    """Archive a cohort (hidden from lists, closed to self-registration, data kept) or bring it back (the Undo)."""
    require_role(actor, Role.ADMIN)
    now = now or utcnow()

    def work(cur: Cursor) -> Cohort:
        found = _cohort_row(cur, cohort_id)
        if (found["archived_at"] is not None) != archived:
            versioning.check(found, expected_version, what="cohort", fields=["name", "archived_at"])
            # An archived cohort stops taking registrations; reopening it is a separate, deliberate step.
            cur.execute(
                """UPDATE cohorts SET archived_at = ?, updated_at = ?, version = version + 1,
                          self_registration = CASE WHEN ? THEN false ELSE self_registration END WHERE id = ?""",
                [now if archived else None, now, archived, cohort_id],
            )
            events.record(cur, actor, "archived" if archived else "unarchived", "cohort", entity_id=cohort_id,
                          detail={"name": found["name"]}, now=now)
        return Cohort.model_validate(row(cur, "SELECT * FROM cohorts WHERE id = ?", [cohort_id]))

    return db.transaction(work)


def unassign_counselor(db: Database, actor: Actor, cohort_id: int, counselor_id: int, *,
                       now: datetime | None = None) -> bool:
    """Take a counselor off a cohort (admins only); returns whether they were assigned."""
    require_role(actor, Role.ADMIN)
    now = now or utcnow()

    def work(cur: Cursor) -> bool:
        _cohort_row(cur, cohort_id)
        if not scalar(cur, "SELECT count(*) FROM cohort_counselors WHERE cohort_id = ? AND counselor_id = ?",
                      [cohort_id, counselor_id]):
            return False
        cur.execute("DELETE FROM cohort_counselors WHERE cohort_id = ? AND counselor_id = ?", [cohort_id, counselor_id])
        events.record(cur, actor, "unassigned", "cohort", entity_id=cohort_id,
                      detail={"counselor_id": counselor_id}, now=now)
        return True

    return db.transaction(work)


@active_only
def cohort_counselors(db: Database, actor: Actor, cohort_id: int) -> list[dict[str, Any]]:
    """The counselors assigned to a cohort, with when (admins only)."""
    require_role(actor, Role.ADMIN)
    with db.cursor() as cur:
        _cohort_row(cur, cohort_id)
        return rows(cur, """SELECT u.id, u.username, u.first_name, u.last_name, u.active, cc.assigned_at
                            FROM cohort_counselors cc JOIN users u ON u.id = cc.counselor_id
                            WHERE cc.cohort_id = ? ORDER BY u.last_name, u.first_name""", [cohort_id])


@active_only
def counselors(db: Database, actor: Actor) -> list[dict[str, Any]]:
    """Every active counselor account, for assignment pickers (admins only)."""
    require_role(actor, Role.ADMIN)
    with db.cursor() as cur:
        return rows(cur, """SELECT id, username, first_name, last_name FROM users
                            WHERE role = 'counselor' AND active ORDER BY last_name, first_name""")


@active_only
def all_cohorts(db: Database, actor: Actor) -> list[dict[str, Any]]:
    """Every cohort, archived ones too, with registration settings and head counts (admins only)."""
    require_role(actor, Role.ADMIN)
    with db.cursor() as cur:
        return rows(
            cur,
            """SELECT c.*,
                      (SELECT count(*) FROM cohort_members m JOIN users u ON u.id = m.student_id
                        WHERE m.cohort_id = c.id AND u.active) AS students,
                      (SELECT count(*) FROM cohort_counselors cc WHERE cc.cohort_id = c.id) AS counselor_count
               FROM cohorts c ORDER BY c.archived_at IS NOT NULL, c.name""",
        )


def new_invite_code(length: int = 8) -> str:
    """A random invite code such as K7QM-2XPA (about 40 bits; the portal also checks email domains)."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(length))
    return f"{raw[:4]}-{raw[4:]}"


def normalize_domains(text: str | None) -> list[str]:
    """Allowed email domains from a comma- or space-separated entry: lower case, no '@', no repeats."""
    seen: list[str] = []
    for part in (text or "").replace(";", ",").replace(" ", ",").split(","):
        domain = part.strip().lower().lstrip("@")
        if not domain:
            continue
        if "." not in domain or any(ch in domain for ch in "/\\:@ ") or domain.startswith(".") or domain.endswith(".") \
                or text_problem(domain, one_line=True):
            raise CohortError(f"{part.strip()!r} is not an email domain (expected something like example.edu).")
        if domain not in seen:
            seen.append(domain)
    return seen


def set_registration(
    db: Database, actor: Actor, cohort_id: int, *, open_: bool, invite_code: str | None = None,
    allowed_domains: str | None = None, now: datetime | None = None,
) -> Cohort:
    """Open or close self-registration for a cohort, with its invite code and allowed email domains.

    Opening needs a code: the one given, the cohort's current one, or a new random one. Codes are
    unique across cohorts, since the code alone tells the portal which cohort a student joins.
    """
    require_role(actor, Role.ADMIN)
    now = now or utcnow()
    domains = normalize_domains(allowed_domains)
    code = normalize_code(invite_code) if invite_code and invite_code.strip() else None
    if code is not None and not (6 <= len(code) <= 40 and all(ch.isalnum() or ch == "-" for ch in code)):
        raise CohortError("An invite code needs 6 to 40 letters, digits or dashes.")

    def work(cur: Cursor) -> Cohort:
        found = _cohort_row(cur, cohort_id)
        if open_ and found["archived_at"] is not None:
            raise CohortError("This cohort is archived; bring it back before opening registration.")
        chosen = code or found["invite_code"] or (new_invite_code() if open_ else None)
        if chosen and scalar(cur, "SELECT count(*) FROM cohorts WHERE invite_code = ? AND id <> ?",
                             [chosen, cohort_id]):
            raise CohortError("Another cohort already uses that invite code.")
        cur.execute(
            """UPDATE cohorts SET self_registration = ?, invite_code = ?, allowed_email_domains = ?, updated_at = ?
               WHERE id = ?""",
            [open_, chosen, ",".join(domains) or None, now, cohort_id],
        )
        events.record(cur, actor, "registration_opened" if open_ else "registration_closed", "cohort",
                      entity_id=cohort_id, detail={"domains": domains, "code_changed": chosen != found["invite_code"]},
                      now=now)
        return Cohort.model_validate(row(cur, "SELECT * FROM cohorts WHERE id = ?", [cohort_id]))

    return db.transaction(work)


def regenerate_invite_code(db: Database, actor: Actor, cohort_id: int, *, now: datetime | None = None) -> str:
    """Replace a cohort's invite code with a new random one (the old one stops working at once)."""
    require_role(actor, Role.ADMIN)
    now = now or utcnow()

    def work(cur: Cursor) -> str:
        _cohort_row(cur, cohort_id)
        code = new_invite_code()
        while scalar(cur, "SELECT count(*) FROM cohorts WHERE invite_code = ?", [code]):
            code = new_invite_code()
        cur.execute("UPDATE cohorts SET invite_code = ?, updated_at = ? WHERE id = ?", [code, now, cohort_id])
        events.record(cur, actor, "invite_code_changed", "cohort", entity_id=cohort_id, now=now)
        return code

    return db.transaction(work)
