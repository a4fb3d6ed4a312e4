"""A student's progress against the cohort's goals, and a cohort's goal summary.

The figures are defined once in core/rules/facts.py (FIGURES) and the goal pacing once in
core/oversight/dashboard.py (a linear pace from the term start to the goal's due date); this module
reads them for one student or for a cohort. The figures:
- targets: contacts on the list (archived ones excluded)
- researched: contacts with research notes or planned questions
- outreach_sent: contacts with at least one request sent
- interviews: meetings held
- thanked: thank-yous sent to people met
- reflections: reflections written (private ones count, their text never leaves)
- referrals: contacts that came as a referral from another contact
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.admin.cohorts import list_goals
from core.clock import utcnow
from core.identity.access import require_read_student
from core.models import GOAL_LABELS, Actor, GoalMetric
from core.oversight.dashboard import goal_standings, standings_query
from core.rules.facts import settle
from core.store.db import Database, rows


def goal_progress(db: Database, actor: Actor, student_id: int, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """The student's progress against each active goal of their cohort.

    status: 'met' (reached), 'on_track' (at or above the linear pace from term start to due date),
    'behind' (below pace, still before the due date), 'missed' (due date passed, not reached).
    The same query as the counselor's dashboard, narrowed to this student.
    """
    now = now or utcnow()
    with db.cursor() as cur:
        require_read_student(cur, actor, student_id)
    settle(db, student_id)
    with db.cursor() as cur:
        found = rows(cur, *standings_query(cur, actor, student_id=student_id, now=now))
    return [{"goal_id": g["goal_id"], "metric": g["metric"], "label": GOAL_LABELS[GoalMetric(g["metric"])],
             "target": g["target"], "current": int(g["current"]), "expected_now": int(g["expected_now"]),
             "due_on": g["due_on"], "status": g["status"]} for g in found]


def cohort_goal_summary(db: Database, actor: Actor, cohort_id: int, *,
                        now: datetime | None = None) -> list[dict[str, Any]]:
    """Per active goal of a cohort: how many students have met it, are on track, behind, or missed it.

    Rows: goal_id, metric, label, target, due_on, expected_now (the pace today), students, met,
    on_track, behind, missed. Computed from core.oversight.dashboard.goal_standings (one query for the cohort).
    """
    goals = list_goals(db, actor, cohort_id)
    standings = goal_standings(db, actor, cohort_id, now=now)
    out = []
    for g in goals:
        mine = [s for s in standings if s["goal_id"] == g["id"]]
        counts = {status: sum(1 for s in mine if s["status"] == status)
                  for status in ("met", "on_track", "behind", "missed")}
        out.append({"goal_id": g["id"], "metric": g["metric"], "label": GOAL_LABELS[GoalMetric(g["metric"])],
                    "target": g["target_count"], "due_on": g["due_on"],
                    "expected_now": mine[0]["expected_now"] if mine else None, "students": len(mine), **counts})
    return out
