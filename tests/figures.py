"""Each student's figures read straight from their one definition (core/rules/facts.py FIGURES), over a
scope of many students or one: the reference the tests hold every path of the portal to."""

from __future__ import annotations

from datetime import datetime

from core.clock import utcnow
from core.identity.access import visible_students_sql
from core.models import Actor
from core.oversight.dashboard import EARLIEST, LATEST
from core.rules.facts import FIGURE_NAMES, FIGURES, ONE_STUDENT, PROGRESS, THANK_STATUS, WINDOW, ctes, for_one_student
from core.store.db import Cursor, Database, row, rows


def student_metrics(db: Database, actor: Actor, *, cohort_id: int | None = None,
                    now: datetime | None = None) -> dict[int, dict[str, int]]:
    """Figures for every student the actor may read (optionally one cohort), keyed by student id."""
    sub, params = visible_students_sql(actor)
    students = f"SELECT v.student_id FROM ({sub}) v"
    if cohort_id is not None:
        students += " JOIN cohort_members cm ON cm.student_id = v.student_id WHERE cm.cohort_id = ?"
        params = [*params, cohort_id]
    sql = f"WITH {WINDOW}, sc AS ({students}){ctes(PROGRESS, THANK_STATUS, FIGURES)} SELECT * FROM figures"
    with db.cursor() as cur:
        found = rows(cur, sql, [EARLIEST, LATEST, now or utcnow(), *params])
    return {f["student_id"]: {m: int(f[m]) for m in FIGURE_NAMES} for f in found}


def metrics_for_student(cur: Cursor, student_id: int, *, now: datetime | None = None) -> dict[str, int]:
    """One student's figures, the definition scoped to that student alone."""
    found = row(cur, for_one_student(
        f"WITH {WINDOW}, {ONE_STUDENT}{ctes(PROGRESS, THANK_STATUS, FIGURES)} SELECT * FROM figures", student_id),
                [EARLIEST, LATEST, now or utcnow(), student_id]) or {}
    return {m: int(found.get(m, 0)) for m in FIGURE_NAMES}
