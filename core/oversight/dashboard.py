"""The counselor's cohort dashboard: per-student figures, flags, goal pacing and chart data, all in DuckDB.

One query yields every row of a cohort (or of every cohort the actor may read): the stage counts,
last activity, and the flags a counselor acts on:
- no_targets: no active contact on the list yet;
- stalled: no action by the student for the cohort's `stalled_after_days` (counted from joining
  when they never acted);
- overdue thank-yous: meetings held whose thank-you is past its window and not sent;
- meetings without reflection: held meetings with no reflection written (private ones count);
- off track: active cohort goals whose status is behind or missed (the pacing of core/oversight/progress.py,
  computed here in SQL for the whole cohort at once).

The same query, with a time window, feeds the cohort progress export (core/oversight/export.py).
"""

from __future__ import annotations

from contextlib import nullcontext
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd

from core.clock import utcnow
from core.identity.access import active_only, require_cohort, require_role, visible_cohorts_sql, visible_students_sql
from core.models import GOAL_LABELS, STAGE_LABELS, Actor, GoalMetric, Role, Stage
from core.rules.activity import CAMPAIGN_WORK_SQL
from core.rules.facts import FIGURE_NAMES, KEPT, PROGRESS, THANK_STATUS, ctes, settle
from core.rules.facts import FIGURES as FIGURES_SQL
from core.store import dialect
from core.store.db import Cursor, Database, rows

FLAGS = {
    "no_targets": "No targets yet",
    "stalled": "Stalled",
    "overdue_thank_you": "Overdue thank-you",
    "no_reflection": "No reflection",
    "off_track": "Off track",
}
"""Flag keys in the order the dashboard shows them, with their labels."""

FIGURES = FIGURE_NAMES
"""The per-student counts, as defined in core/rules/facts.py."""

EARLIEST = datetime(1900, 1, 1)
LATEST = datetime(9999, 12, 31)

_GOAL_CURRENT = "CASE g.metric " + " ".join(f"WHEN '{m.value}' THEN f.{m.value}" for m in GoalMetric) + " END"

# Text order of the ? parameters: the window (since, until, now, today), the memberships in scope, a slice's
# memberships (if any), the group's counting window (counts_from, counts_until), then one student (if any): see
# _group_query. The figures themselves are core/rules/facts.py's, over the students of `s`.
_DASHBOARD_SQL = """
WITH w AS (SELECT CAST(? AS TIMESTAMP) AS since, CAST(? AS TIMESTAMP) AS until, CAST(? AS TIMESTAMP) AS now,
                  CAST(CAST(? AS TIMESTAMP) AS DATE) AS today),
s AS (
    SELECT u.id AS student_id, u.first_name, u.last_name, u.username, u.email, u.student_number,
           m.cohort_id, m.joined_at, m.left_at, m.counts_from, m.counts_until, co.name AS cohort_name,
           co.stalled_after_days, coalesce(co.term_start, CAST(co.created_at AS DATE)) AS term_start
    FROM ({memberships}) AS m
    JOIN users u ON u.id = m.student_id
    JOIN cohorts co ON co.id = m.cohort_id{members}
    WHERE m.counts_from = CAST(? AS TIMESTAMP) AND m.counts_until = CAST(? AS TIMESTAMP){one_student}
),
sc AS (SELECT student_id FROM s){facts},
f AS (
    SELECT s.*, figures.targets, figures.researched, figures.outreach_sent, figures.interviews, figures.thanked,
           figures.reflections, figures.referrals, {last_activity} AS last_activity_at, figures.overdue_thank_yous,
           figures.meetings_without_reflection
    FROM s JOIN figures ON figures.student_id = s.student_id
),
gp AS (
    SELECT f.student_id, g.id AS goal_id, g.metric, g.target_count, g.due_on, {goal_current} AS current,
           CASE WHEN g.due_on IS NULL THEN 0
                WHEN w.today >= g.due_on THEN g.target_count
                WHEN w.today <= f.term_start THEN 0
                WHEN g.due_on - f.term_start <= 0 THEN g.target_count
                ELSE CAST(floor(g.target_count * 1.0 * (w.today - f.term_start) / (g.due_on - f.term_start)) AS BIGINT)
           END AS expected_now
    FROM f JOIN cohort_goals g ON g.cohort_id = f.cohort_id AND g.retired_at IS NULL, w
),
gs AS (
    SELECT *, CASE WHEN current >= target_count THEN 'met'
                   WHEN due_on IS NOT NULL AND (SELECT today FROM w) > due_on THEN 'missed'
                   WHEN current >= expected_now THEN 'on_track'
                   ELSE 'behind' END AS status
    FROM gp
)
"""

_ROWS_SQL = """
SELECT f.student_id, f.first_name, f.last_name, f.first_name || ' ' || f.last_name AS name, f.username, f.email,
       f.student_number, f.cohort_id, f.cohort_name, f.joined_at, f.left_at, f.stalled_after_days,
       f.targets, f.researched, f.outreach_sent, f.interviews, f.thanked, f.reflections, f.referrals,
       f.last_activity_at,
       CAST(w.now AS DATE) - CAST(coalesce(f.last_activity_at, f.joined_at) AS DATE) AS days_inactive,
       f.overdue_thank_yous, f.meetings_without_reflection,
       coalesce(g.goals_total, 0) AS goals_total, coalesce(g.goals_met, 0) AS goals_met,
       coalesce(g.goals_off_track, 0) AS goals_off_track, g.off_track_goals,
       f.targets = 0 AS no_targets,
       coalesce(f.last_activity_at, f.joined_at) <= w.now - f.stalled_after_days * INTERVAL '1 day' AS stalled
FROM f CROSS JOIN w
LEFT JOIN (
    SELECT student_id, count(*) AS goals_total, count(*) FILTER (WHERE status = 'met') AS goals_met,
           count(*) FILTER (WHERE status IN ('behind', 'missed')) AS goals_off_track,
           array_agg(metric ORDER BY due_on NULLS LAST, goal_id) FILTER (WHERE status IN ('behind', 'missed'))
               AS off_track_goals
    FROM gs GROUP BY student_id
) g USING (student_id)
"""

_ROWS_ORDER = " ORDER BY cohort_name, last_name, first_name, student_id, joined_at"

# A former member's latest campaign work while a member (the kept student_activity holds only the latest of all);
# the same rule as core/rules/activity.py.
_LAST_ACTIVITY_WHILE_MEMBER = f"""(SELECT max(e.occurred_at) FROM events e
    WHERE e.student_id = s.student_id AND e.actor_id = s.student_id AND {CAMPAIGN_WORK_SQL}
      AND e.occurred_at >= s.counts_from AND e.occurred_at < s.counts_until)"""


def period_bounds(since: date | datetime | None, until: date | datetime | None) -> tuple[datetime, datetime]:
    """A period as [start, end) timestamps; a date `until` is inclusive (the whole day), None is unbounded."""
    start = EARLIEST if since is None else (since if isinstance(since, datetime)
                                            else datetime(since.year, since.month, since.day))
    if until is None:
        end = LATEST
    elif isinstance(until, datetime):
        end = until
    elif until >= LATEST.date():
        end = LATEST  # the last day there is: one day more would not be a date
    else:
        end = datetime(until.year, until.month, until.day) + timedelta(days=1)
    return start, end


def dashboard_query(cur: Cursor, actor: Actor, *, cohort_id: int | None, since: date | datetime | None = None,
                    until: date | datetime | None = None, now: datetime, student_id: int | None = None,
                    members: list[tuple[int, int]] | None = None, former: bool = False) -> tuple[str, list[Any]]:
    """The dashboard SQL and its parameters (one row per membership), for the page, the progress export
    (in slices of memberships, `members`: (student_id, cohort_id) pairs) and one student's goal pacing
    (student_id).

    The rows are the current members of the cohorts in scope and, with `former`, the memberships students
    have left (memberships_in_scope). Each row counts the facts dated within its membership: a student
    who moved counts for the cohort left until the move and for the new cohort from it on. A former
    member's row is the cohort's record of them as they left: the present moment it is read at (overdue
    thank-yous, days inactive, stalled, goal pacing) is the moment they left. The memberships are grouped
    by their counting window (read with `cur`), one query each, so students who never moved are read as
    they always were."""
    return _grouped(cur, actor, _ROWS_SQL, _ROWS_ORDER, cohort_id=cohort_id, since=since, until=until, now=now,
                    student_id=student_id, members=members, former=former)


def _grouped(cur: Cursor, actor: Actor, tail: str, order: str, *, cohort_id: int | None,
             since: date | datetime | None = None, until: date | datetime | None = None, now: datetime,
             student_id: int | None = None, members: list[tuple[int, int]] | None = None,
             former: bool = False) -> tuple[str, list[Any]]:
    """`tail` (a SELECT over the dashboard's CTEs) for each counting window of the memberships in scope, as one
    query in `order`."""
    start, end = period_bounds(since, until)
    scope, sparams = memberships_in_scope(actor, cohort_id, former=former)
    one = "" if student_id is None else " WHERE m.student_id = ?"
    windows = cur.execute(f"SELECT DISTINCT counts_from, counts_until FROM ({scope}) AS m{one} ORDER BY 1, 2",
                          [*sparams, *([] if student_id is None else [int(student_id)])]).fetchall() \
        or [(EARLIEST, LATEST)]
    parts, params = [], []
    for counts_from, counts_until in windows:
        sql, group_params = _group_query(scope, sparams, start, end, now, counts_from, counts_until, tail,
                                         whole_time=since is None and until is None,
                                         student_id=student_id, members=members)
        parts.append(f"SELECT * FROM ({sql}) AS g{len(parts)}")
        params += group_params
    return " UNION ALL ".join(parts) + order, params


def _group_query(scope: str, sparams: list[Any], start: datetime, end: datetime, now: datetime,
                 counts_from: datetime, counts_until: datetime, tail: str, *, whole_time: bool,
                 student_id: int | None,
                 members: list[tuple[int, int]] | None) -> tuple[str, list[Any]]:
    """`tail` over the dashboard's CTEs for the memberships counting over one window, the period narrowed to it."""
    # For the whole of time the figures are read as kept (one row per student; callers settle first); a period
    # counts the records dated in it. Both are the definitions of core/rules/facts.py.
    unbounded = counts_from == EARLIEST and counts_until == LATEST
    facts = ctes(KEPT) if whole_time and unbounded else ctes(PROGRESS, THANK_STATUS, FIGURES_SQL)
    one = member_join = ""
    extra: list[Any] = []
    if members is not None:
        member_join = """
    JOIN (SELECT unnest(CAST(? AS BIGINT[])) AS student_id, unnest(CAST(? AS BIGINT[])) AS cohort_id) AS sl
      ON sl.student_id = m.student_id AND sl.cohort_id = m.cohort_id"""
    if student_id is not None:
        one = " AND m.student_id = ?"
        extra.append(int(student_id))
    sql = _DASHBOARD_SQL.format(memberships=scope, members=member_join, one_student=one, goal_current=_GOAL_CURRENT,
                                facts=facts,
                                last_activity="figures.last_activity_at" if counts_until == LATEST
                                else _LAST_ACTIVITY_WHILE_MEMBER) + tail
    at = min(now, counts_until)
    pairs = [] if members is None else [[int(s) for s, _ in members], [int(c) for _, c in members]]
    return sql, [max(start, counts_from), min(end, counts_until), at, at, *sparams, *pairs, counts_from,
                 counts_until, *extra]


def _check_scope(cur: Cursor, actor: Actor, cohort_id: int | None) -> None:
    require_role(actor, Role.COUNSELOR, Role.ADMIN)
    if cohort_id is not None:
        require_cohort(cur, actor, cohort_id)


def _settled_scope(db: Database, actor: Actor, cohort_id: int | None, student_id: int | None = None) -> None:
    """Check the actor may read the scope, then settle its students' kept figures (core.rules.facts.settle;
    with student_id, that student's only), as every reader of the whole-time dashboard does first."""
    with db.cursor() as cur:
        _check_scope(cur, actor, cohort_id)
    settle(db, student_id if student_id is not None else students_in_scope(actor, cohort_id))


def _with_flags(found: dict[str, Any]) -> dict[str, Any]:
    found["off_track_goals"] = [GOAL_LABELS[GoalMetric(m)] for m in (found["off_track_goals"] or [])]
    found["overdue_thank_you"] = found["overdue_thank_yous"] > 0
    found["no_reflection"] = found["meetings_without_reflection"] > 0
    found["off_track"] = found["goals_off_track"] > 0
    found["flags"] = [key for key in FLAGS if found[key]]
    return found


def cohort_dashboard(db: Database, actor: Actor, *, cohort_id: int | None = None, student_id: int | None = None,
                     now: datetime | None = None) -> list[dict[str, Any]]:
    """One row per student of the cohort (or of every cohort the actor may read) with figures and flags.

    Counselors and admins only; a counselor asking for a cohort not assigned to them gets NotFound.
    Each row holds the FIGURES, last_activity_at, days_inactive, overdue_thank_yous,
    meetings_without_reflection, goal counts, off_track_goals (labels) and a boolean per FLAGS key,
    plus `flags`, the list of raised flag keys. With student_id, that student's row only (reading
    only that student's records).
    """
    now = now or utcnow()
    _settled_scope(db, actor, cohort_id, student_id)
    with db.cursor() as cur:
        sql, params = dashboard_query(cur, actor, cohort_id=cohort_id, now=now, student_id=student_id)
        # One student's row is point reads, planned well as they are.
        with nullcontext() if student_id is not None else dialect.many_students(cur):
            return [_with_flags(r) for r in rows(cur, sql, params)]


_FLAG_SQL = {
    "no_targets": "no_targets",
    "stalled": "stalled",
    "overdue_thank_you": "overdue_thank_yous > 0",
    "no_reflection": "meetings_without_reflection > 0",
    "off_track": "goals_off_track > 0",
}


def _frame_sql(sql: str) -> str:
    """The dashboard rows with a boolean column per flag and their labels as one text (`flag_labels`)."""
    flags = ", ".join(f"coalesce({expr}, false) AS {key}" for key, expr in _FLAG_SQL.items() if key != expr)
    labels = ", ".join(f"CASE WHEN {expr} THEN '{FLAGS[key]}' END" for key, expr in _FLAG_SQL.items())
    return f"SELECT d.*, {flags}, concat_ws(' · ', {labels}) AS flag_labels FROM ({sql}) AS d"


def _arrow_frame(db: Database, sql: str, params: list[Any]) -> pd.DataFrame:
    """A query's result as a pandas frame over Arrow columns (core.store.dialect.frame). (A cursor of its
    own: DuckDB's relational API refuses a cursor holding another statement's result.)"""
    with db.cursor() as cur, dialect.many_students(cur):
        return dialect.frame(cur, sql, params)


def dashboard_frame(db: Database, actor: Actor, *, cohort_id: int | None = None,
                    now: datetime | None = None) -> pd.DataFrame:
    """The rows of cohort_dashboard as a frame for the page's table, built from DuckDB's Arrow result
    without turning each row into Python objects: the FIGURES, days_inactive, goal counts, a boolean
    column per FLAGS key and `flag_labels` (the raised flags' labels, in FLAGS order, as one text).
    The same access rules as cohort_dashboard."""
    now = now or utcnow()
    _settled_scope(db, actor, cohort_id)
    with db.cursor() as cur:
        sql, params = dashboard_query(cur, actor, cohort_id=cohort_id, now=now)
    return _arrow_frame(db, _frame_sql(sql), params)


def goal_standings(db: Database, actor: Actor, cohort_id: int, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """Every student's status against every active goal of a cohort: who is on track.

    Rows: student_id, name, goal_id, metric, label, target, current, expected_now, due_on, status
    ('met', 'on_track', 'behind', 'missed'), with the pacing of core.oversight.progress.goal_progress.
    """
    now = now or utcnow()
    _settled_scope(db, actor, cohort_id)
    with db.cursor() as cur:
        found = rows(cur, *standings_query(cur, actor, cohort_id=cohort_id, now=now))
    for f in found:
        f["label"] = GOAL_LABELS[GoalMetric(f["metric"])]
    return found


_STANDINGS_SQL = """
SELECT gs.student_id, f.first_name || ' ' || f.last_name AS name, f.last_name, f.first_name, gs.goal_id, gs.metric,
       gs.target_count AS target, gs.current, gs.expected_now, gs.due_on, gs.status
FROM gs JOIN f USING (student_id)
"""

_STANDINGS_ORDER = " ORDER BY due_on NULLS LAST, goal_id, last_name, first_name, student_id"


def standings_query(cur: Cursor, actor: Actor, *, cohort_id: int | None = None, student_id: int | None = None,
                    now: datetime) -> tuple[str, list[Any]]:
    """The goal standings SQL (one row per student and active goal) and its parameters: the one
    definition of goal pacing, for a cohort's table and for one student's Home alike."""
    return _grouped(cur, actor, _STANDINGS_SQL, _STANDINGS_ORDER, cohort_id=cohort_id, now=now, student_id=student_id)


def students_in_scope(actor: Actor, cohort_id: int | None) -> tuple[str, list[Any]]:
    """The students every figure and export covers (student_id, cohort_id): members of the cohorts the
    actor may read (or of one cohort), with an active account. A deactivated student is left out of
    every count and export until reactivated; nothing of theirs is deleted (docs/exports.md)."""
    visible, params = visible_students_sql(actor)
    sql = f"""SELECT cm.student_id, cm.cohort_id FROM cohort_members cm JOIN users u ON u.id = cm.student_id
              WHERE u.role = 'student' AND u.active AND cm.student_id IN ({visible})
                AND (CAST(? AS BIGINT) IS NULL OR cm.cohort_id = ?)"""
    return sql, [*params, cohort_id, cohort_id]


def memberships_in_scope(actor: Actor, cohort_id: int | None, *, former: bool = True) -> tuple[str, list[Any]]:
    """The memberships the cohort's exports and figures for a period cover, one row each: student_id,
    cohort_id, joined_at, left_at (empty for the current one) and the window the membership counts the
    student's facts over, [counts_from, counts_until).

    Current members are those of students_in_scope. With `former`, the memberships students have left
    (cohort_past_members) of the cohorts the actor may read come too (never for a student: a student reads
    their own current cohort only). A membership counts until the student left; it counts from joining
    when the student came from another cohort, and from the start of their campaign in their first cohort
    (a student added to their first cohort after starting keeps that work with it). A deactivated student is
    left out, as everywhere."""
    visible, vparams = visible_students_sql(actor)
    parts = [f"""SELECT cm.student_id, cm.cohort_id, cm.joined_at, CAST(NULL AS TIMESTAMP) AS left_at
                 FROM cohort_members cm WHERE cm.student_id IN ({visible})"""]
    params: list[Any] = [*vparams]
    if former and actor.role != Role.STUDENT:
        cohorts, cparams = visible_cohorts_sql(actor)
        parts.append(f"""SELECT p.student_id, p.cohort_id, p.joined_at, p.left_at
                         FROM cohort_past_members p WHERE p.cohort_id IN ({cohorts})""")
        params += cparams
    sql = f"""SELECT m.student_id, m.cohort_id, m.joined_at, m.left_at,
                     CASE WHEN EXISTS (SELECT 1 FROM cohort_past_members e
                                       WHERE e.student_id = m.student_id AND e.left_at <= m.joined_at)
                          THEN m.joined_at ELSE CAST(? AS TIMESTAMP) END AS counts_from,
                     coalesce(m.left_at, CAST(? AS TIMESTAMP)) AS counts_until
              FROM ({" UNION ALL ".join(parts)}) AS m JOIN users u ON u.id = m.student_id
              WHERE u.role = 'student' AND u.active AND (CAST(? AS BIGINT) IS NULL OR m.cohort_id = ?)"""
    return sql, [EARLIEST, LATEST, *params, cohort_id, cohort_id]


@active_only
def cohort_funnel(db: Database, actor: Actor, *, cohort_id: int | None = None) -> list[dict[str, Any]]:
    """How many active contacts of the cohort reached each stage, in stage order.

    A contact counts for every stage it has reached (a thanked contact counts as targeted,
    researched, contacted and interviewed too), so the counts never grow down the funnel
    except where a student skipped a step. A stage counts for the cohort the student was a member of
    when the contact reached it (memberships_in_scope: former members' contacts as they stood when
    the student left).
    """
    scope, params = memberships_in_scope(actor, cohort_id)
    columns = {Stage.TARGET: "target_at", Stage.RESEARCH: "research_at", Stage.OUTREACH: "outreach_at",
               Stage.INTERVIEW: "interview_at", Stage.THANK: "thank_at", Stage.REFLECT: "reflect_at",
               Stage.KEEP_IN_TOUCH: "keep_in_touch_at"}
    counts = ", ".join(f"count(CASE WHEN p.{col} >= mb.counts_from AND p.{col} < mb.counts_until THEN 1 END) "
                       f"AS {stage.value}" for stage, col in columns.items())
    with db.cursor() as cur:
        _check_scope(cur, actor, cohort_id)
        found = rows(cur, f"""WITH mb AS ({scope}), sc AS (SELECT DISTINCT student_id FROM mb){ctes(PROGRESS)}
                              SELECT {counts} FROM progress p JOIN mb ON mb.student_id = p.student_id
                              WHERE p.archived_at IS NULL""", params)[0]
    return [{"stage": s.value, "label": STAGE_LABELS[s], "order": s.order, "contacts": int(found[s.value])}
            for s in columns]


def stage_heatmap(db: Database, actor: Actor, *, cohort_id: int | None = None) -> list[dict[str, Any]]:
    """Active contacts per student per current stage (zeros included), for the stage-by-student heatmap."""
    scope, params = students_in_scope(actor, cohort_id)
    stages = ", ".join(f"('{s.value}', {s.order})" for s in Stage)
    with db.cursor() as cur:
        _check_scope(cur, actor, cohort_id)
        found = rows(cur, f"""
            WITH st AS (SELECT * FROM (VALUES {stages}) v(stage, stage_order)),
                 sc AS (SELECT student_id FROM ({scope}) AS v){ctes(PROGRESS)},
                 n AS (SELECT student_id, stage, count(*) AS contacts FROM progress
                       WHERE archived_at IS NULL GROUP BY student_id, stage)
            SELECT sc.student_id, u.first_name || ' ' || u.last_name AS name, st.stage, st.stage_order,
                   coalesce(n.contacts, 0) AS contacts
            FROM sc JOIN users u ON u.id = sc.student_id CROSS JOIN st
            LEFT JOIN n ON n.student_id = sc.student_id AND n.stage = st.stage
            ORDER BY u.last_name, u.first_name, sc.student_id, st.stage_order""", params)
    for f in found:
        f["label"] = STAGE_LABELS[Stage(f["stage"])]
    return found


@active_only
def weekly_activity(db: Database, actor: Actor, *, cohort_id: int | None = None, weeks: int = 16,
                    now: datetime | None = None) -> list[dict[str, Any]]:
    """Events by the cohort's students per week (Monday start) for the last `weeks` weeks, empty weeks included.

    Rows: week (date of the Monday), events (actions by the students themselves), active_students
    (how many of them did anything that week), comments (by counselors and admins on their campaigns).
    An event counts for the cohort the student was a member of when it happened (memberships_in_scope).
    """
    now = now or utcnow()
    scope, params = memberships_in_scope(actor, cohort_id)
    first_week = (now - timedelta(days=now.weekday() + 7 * (weeks - 1))).date()
    with db.cursor() as cur:
        _check_scope(cur, actor, cohort_id)
        return rows(cur, f"""
            WITH wk AS (SELECT CAST(CAST(? AS DATE) + n * INTERVAL '7 days' AS DATE) AS week
                        FROM generate_series(0, ?) AS g(n)),
                 e AS (SELECT CAST(date_trunc('week', ev.occurred_at) AS DATE) AS week, ev.student_id,
                              ev.actor_id = ev.student_id AS by_student, ev.action
                       FROM events ev JOIN ({scope}) AS mb ON mb.student_id = ev.student_id
                        AND ev.occurred_at >= mb.counts_from AND ev.occurred_at < mb.counts_until
                       WHERE ev.occurred_at >= CAST(? AS DATE) AND ev.occurred_at <= ?)
            SELECT wk.week, count(e.week) FILTER (WHERE e.by_student) AS events,
                   count(DISTINCT e.student_id) FILTER (WHERE e.by_student) AS active_students,
                   count(e.week) FILTER (WHERE NOT e.by_student AND e.action = 'commented') AS comments
            FROM wk LEFT JOIN e ON e.week = wk.week
            GROUP BY wk.week ORDER BY wk.week""",
            [first_week, weeks - 1, *params, first_week, now])
