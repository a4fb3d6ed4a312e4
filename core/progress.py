"""Per-student progress figures and cohort goals: computed in DuckDB, shared by every view.

The figures (one definition for the home page, the dashboard, goals and exports):
- targets: contacts on the list (archived ones excluded)
- researched: contacts with research notes or planned questions
- outreach_sent: contacts with at least one request sent
- interviews: meetings held
- thanked: thank-yous sent to people met
- reflections: reflections written (private ones count, their text never leaves)
- referrals: contacts that came as a referral from another contact
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from core.access import require_read_student, visible_students_sql
from core.clock import utcnow
from core.cohorts import list_goals
from core.dashboard import goal_standings
from core.db import Cursor, Database, row, rows
from core.models import GOAL_LABELS, Actor, GoalMetric

METRICS = [m.value for m in GoalMetric]

_METRICS_SQL = """
WITH s AS ({students}),
c AS (SELECT student_id, count(*) FILTER (WHERE archived_at IS NULL) AS targets,
             count(*) FILTER (WHERE referred_by_contact_id IS NOT NULL) AS referrals
      FROM contacts WHERE student_id IN (SELECT student_id FROM s) GROUP BY student_id),
p AS (SELECT student_id, count(research_at) AS researched, count(outreach_at) AS outreach_sent
      FROM contact_progress WHERE student_id IN (SELECT student_id FROM s) GROUP BY student_id),
m AS (SELECT student_id, count(*) AS interviews FROM meetings
      WHERE status = 'held' AND student_id IN (SELECT student_id FROM s) GROUP BY student_id),
t AS (SELECT student_id, count(*) AS thanked FROM thank_yous
      WHERE kind = 'interview' AND sent_at IS NOT NULL AND student_id IN (SELECT student_id FROM s) GROUP BY student_id),
r AS (SELECT student_id, count(*) AS reflections FROM reflections
      WHERE student_id IN (SELECT student_id FROM s) GROUP BY student_id)
SELECT s.student_id,
       coalesce(c.targets, 0) AS targets, coalesce(p.researched, 0) AS researched,
       coalesce(p.outreach_sent, 0) AS outreach_sent, coalesce(m.interviews, 0) AS interviews,
       coalesce(t.thanked, 0) AS thanked, coalesce(r.reflections, 0) AS reflections,
       coalesce(c.referrals, 0) AS referrals
FROM s
LEFT JOIN c USING (student_id) LEFT JOIN p USING (student_id) LEFT JOIN m USING (student_id)
LEFT JOIN t USING (student_id) LEFT JOIN r USING (student_id)
"""


def metrics_sql(students_subquery: str) -> str:
    """The per-student figures query over any subquery yielding student_id (for dashboards and exports)."""
    return _METRICS_SQL.format(students=students_subquery)


def student_metrics(db: Database, actor: Actor, *, cohort_id: int | None = None) -> dict[int, dict[str, int]]:
    """Figures for every student the actor may read (optionally one cohort), keyed by student id."""
    sub, params = visible_students_sql(actor)
    students = f"SELECT v.student_id FROM ({sub}) v"
    if cohort_id is not None:
        students += " JOIN cohort_members cm ON cm.student_id = v.student_id WHERE cm.cohort_id = ?"
        params = [*params, cohort_id]
    with db.cursor() as cur:
        found = rows(cur, metrics_sql(students), params)
    return {f.pop("student_id"): f for f in found}


def metrics_for_student(cur: Cursor, student_id: int) -> dict[str, int]:
    """One student's figures inside an existing unit of work (caller has checked access)."""
    found = row(cur, metrics_sql("SELECT CAST(? AS BIGINT) AS student_id"), [student_id]) or {}
    found.pop("student_id", None)
    return {m: int(found.get(m, 0)) for m in METRICS}


def expected_by(target: int, start: date | None, due: date | None, today: date) -> int:
    """How many of target a student on pace should have by today (linear from start to due)."""
    if due is None or start is None or today >= due:
        return target if (due is not None and today >= due) else 0
    if today <= start:
        return 0
    total = (due - start).days
    return int(target * (today - start).days / total) if total > 0 else target


def goal_progress(db: Database, actor: Actor, student_id: int, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """The student's progress against each active goal of their cohort.

    status: 'met' (reached), 'on_track' (at or above the linear pace from term start to due date),
    'behind' (below pace, still before the due date), 'missed' (due date passed, not reached).
    """
    today = (now or utcnow()).date()
    with db.cursor() as cur:
        require_read_student(cur, actor, student_id)
        cohort = row(cur, """SELECT c.id, c.term_start, c.created_at FROM cohorts c
                             JOIN cohort_members m ON m.cohort_id = c.id WHERE m.student_id = ?""", [student_id])
        if cohort is None:
            return []
        goals = rows(cur, """SELECT id, metric, target_count, due_on FROM cohort_goals
                             WHERE cohort_id = ? AND retired_at IS NULL ORDER BY due_on NULLS LAST, id""", [cohort["id"]])
        figures = metrics_for_student(cur, student_id)
    start = cohort["term_start"] or cohort["created_at"].date()
    out = []
    for g in goals:
        current = figures.get(g["metric"], 0)
        expected = expected_by(g["target_count"], start, g["due_on"], today)
        if current >= g["target_count"]:
            status = "met"
        elif g["due_on"] is not None and today > g["due_on"]:
            status = "missed"
        elif current >= expected:
            status = "on_track"
        else:
            status = "behind"
        out.append({"goal_id": g["id"], "metric": g["metric"], "label": GOAL_LABELS[GoalMetric(g["metric"])],
                    "target": g["target_count"], "current": current, "expected_now": expected,
                    "due_on": g["due_on"], "status": status})
    return out


def cohort_goal_summary(db: Database, actor: Actor, cohort_id: int, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """Per active goal of a cohort: how many students have met it, are on track, behind, or missed it.

    Rows: goal_id, metric, label, target, due_on, expected_now (the pace today), students, met,
    on_track, behind, missed. Computed from core.dashboard.goal_standings (one query for the cohort).
    """
    goals = list_goals(db, actor, cohort_id)
    standings = goal_standings(db, actor, cohort_id, now=now)
    out = []
    for g in goals:
        mine = [s for s in standings if s["goal_id"] == g["id"]]
        counts = {status: sum(1 for s in mine if s["status"] == status) for status in ("met", "on_track", "behind", "missed")}
        out.append({"goal_id": g["id"], "metric": g["metric"], "label": GOAL_LABELS[GoalMetric(g["metric"])],
                    "target": g["target_count"], "due_on": g["due_on"],
                    "expected_now": mine[0]["expected_now"] if mine else None, "students": len(mine), **counts})
    return out
