"""The counselor's cohort dashboard: per-student figures, flags, goal pacing and chart data, all in DuckDB.

One query yields every row of a cohort (or of every cohort the actor may read): the stage counts,
last activity, and the flags a counselor acts on:
- no_targets: no active contact on the list yet;
- stalled: no action by the student for the cohort's `stalled_after_days` (counted from joining
  when they never acted);
- overdue thank-yous: meetings held whose thank-you is past its window and not sent;
- meetings without reflection: held meetings with no reflection written (private ones count);
- off track: active cohort goals whose status is behind or missed (the pacing of core/progress.py,
  computed here in SQL for the whole cohort at once).

The same query, with a time window, feeds the cohort progress export (core/export.py).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from core.access import require_cohort, require_role, visible_students_sql
from core.clock import utcnow
from core.db import Cursor, Database, rows
from core.models import GOAL_LABELS, STAGE_LABELS, Actor, GoalMetric, Role, Stage

FLAGS = {
    "no_targets": "No targets yet",
    "stalled": "Stalled",
    "overdue_thank_you": "Overdue thank-you",
    "no_reflection": "No reflection",
    "off_track": "Off track",
}
"""Flag keys in the order the dashboard shows them, with their labels."""

FIGURES = ["targets", "researched", "outreach_sent", "interviews", "thanked", "reflections", "referrals"]
"""The per-student counts, with the same meaning as in core/progress.py."""

EARLIEST = datetime(1900, 1, 1)
LATEST = datetime(9999, 12, 31)

_GOAL_CURRENT = "CASE g.metric " + " ".join(f"WHEN '{m.value}' THEN f.{m.value}" for m in GoalMetric) + " END"

# Text order of the ? parameters: window CTE (since, until, now), then the students scope, then cohort twice.
_DASHBOARD_SQL = """
WITH w AS (SELECT CAST(? AS TIMESTAMP) AS since, CAST(? AS TIMESTAMP) AS until, CAST(? AS TIMESTAMP) AS now,
                  CAST(CAST(? AS TIMESTAMP) AS DATE) AS today),
s AS (
    SELECT u.id AS student_id, u.first_name, u.last_name, u.username, u.email, u.student_number,
           cm.cohort_id, cm.joined_at, co.name AS cohort_name, co.stalled_after_days,
           coalesce(co.term_start, CAST(co.created_at AS DATE)) AS term_start
    FROM cohort_members cm
    JOIN users u ON u.id = cm.student_id AND u.role = 'student' AND u.active
    JOIN cohorts co ON co.id = cm.cohort_id
    WHERE cm.student_id IN ({visible}) AND (CAST(? AS BIGINT) IS NULL OR cm.cohort_id = ?)
),
c AS (
    SELECT c.student_id,
           count(*) FILTER (WHERE c.archived_at IS NULL AND c.created_at >= w.since AND c.created_at < w.until) AS targets,
           count(*) FILTER (WHERE c.referred_by_contact_id IS NOT NULL
                            AND c.created_at >= w.since AND c.created_at < w.until) AS referrals
    FROM contacts c, w WHERE c.student_id IN (SELECT student_id FROM s) GROUP BY c.student_id
),
-- First research and first request per contact, as in the view contact_progress, read from the tables
-- for this cohort's students only (the view aggregates every contact before it is filtered).
rs AS (SELECT contact_id, any_value(student_id) AS student_id, min(ts) AS at FROM (
           SELECT contact_id, student_id, created_at AS ts FROM research_notes
           WHERE student_id IN (SELECT student_id FROM s)
             AND (about_person <> '' OR about_organization <> '' OR about_field <> '' OR links <> '')
           UNION ALL
           SELECT contact_id, student_id, created_at FROM planned_questions WHERE student_id IN (SELECT student_id FROM s)
       ) GROUP BY contact_id),
os AS (SELECT contact_id, any_value(student_id) AS student_id, min(sent_at) AS at FROM outreach_messages
       WHERE sent_at IS NOT NULL AND student_id IN (SELECT student_id FROM s) GROUP BY contact_id),
p AS (
    SELECT student_id, sum(researched) AS researched, sum(outreach_sent) AS outreach_sent FROM (
        SELECT rs.student_id, count(*) FILTER (WHERE rs.at >= w.since AND rs.at < w.until) AS researched,
               0 AS outreach_sent FROM rs, w GROUP BY rs.student_id
        UNION ALL
        SELECT os.student_id, 0, count(*) FILTER (WHERE os.at >= w.since AND os.at < w.until) FROM os, w
        GROUP BY os.student_id
    ) GROUP BY student_id
),
m AS (
    SELECT m.student_id,
           count(*) FILTER (WHERE m.held_at >= w.since AND m.held_at < w.until) AS interviews,
           count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM reflections r WHERE r.meeting_id = m.id))
               AS meetings_without_reflection
    FROM meetings m, w WHERE m.status = 'held' AND m.student_id IN (SELECT student_id FROM s) GROUP BY m.student_id
),
t AS (
    SELECT t.student_id, count(*) AS thanked FROM thank_yous t, w
    WHERE t.kind = 'interview' AND t.sent_at IS NOT NULL AND t.sent_at >= w.since AND t.sent_at < w.until
      AND t.student_id IN (SELECT student_id FROM s) GROUP BY t.student_id
),
r AS (
    SELECT r.student_id, count(*) AS reflections FROM reflections r, w
    WHERE r.created_at >= w.since AND r.created_at < w.until AND r.student_id IN (SELECT student_id FROM s)
    GROUP BY r.student_id
),
-- Overdue thank-yous: the rule of the view thank_you_status (due = held + the cohort's window; sent = the
-- first interview thank-you tied to the meeting, or to the contact when tied to no meeting), decorrelated
-- here because the view's per-meeting subquery takes seconds at institution size. A test keeps them equal.
tm AS (SELECT meeting_id, min(sent_at) AS sent_at FROM thank_yous
       WHERE kind = 'interview' AND sent_at IS NOT NULL AND meeting_id IS NOT NULL
         AND student_id IN (SELECT student_id FROM s) GROUP BY meeting_id),
tc AS (SELECT contact_id, min(sent_at) AS sent_at FROM thank_yous
       WHERE kind = 'interview' AND sent_at IS NOT NULL AND meeting_id IS NULL
         AND student_id IN (SELECT student_id FROM s) GROUP BY contact_id),
o AS (
    SELECT mt.student_id, count(*) AS overdue_thank_yous
    FROM meetings mt JOIN s USING (student_id) JOIN cohorts co ON co.id = s.cohort_id
    LEFT JOIN tm ON tm.meeting_id = mt.id LEFT JOIN tc ON tc.contact_id = mt.contact_id, w
    WHERE mt.status = 'held' AND least(tm.sent_at, tc.sent_at) IS NULL
      AND w.now > mt.held_at + to_hours(co.thank_you_window_hours)
    GROUP BY mt.student_id
),
a AS (
    -- Only the student's own actions count as activity: a counselor's comment does not un-stall anyone.
    SELECT e.student_id, max(e.occurred_at) AS last_activity_at FROM events e, w
    WHERE e.actor_id = e.student_id AND e.occurred_at <= w.now AND e.student_id IN (SELECT student_id FROM s)
    GROUP BY e.student_id
),
f AS (
    SELECT s.*, coalesce(c.targets, 0) AS targets, coalesce(p.researched, 0) AS researched,
           coalesce(p.outreach_sent, 0) AS outreach_sent, coalesce(m.interviews, 0) AS interviews,
           coalesce(t.thanked, 0) AS thanked, coalesce(r.reflections, 0) AS reflections,
           coalesce(c.referrals, 0) AS referrals, a.last_activity_at,
           coalesce(o.overdue_thank_yous, 0) AS overdue_thank_yous,
           coalesce(m.meetings_without_reflection, 0) AS meetings_without_reflection
    FROM s LEFT JOIN c USING (student_id) LEFT JOIN p USING (student_id) LEFT JOIN m USING (student_id)
    LEFT JOIN t USING (student_id) LEFT JOIN r USING (student_id) LEFT JOIN o USING (student_id)
    LEFT JOIN a USING (student_id)
),
gp AS (
    SELECT f.student_id, g.id AS goal_id, g.metric, g.target_count, g.due_on, {goal_current} AS current,
           CASE WHEN g.due_on IS NULL THEN 0
                WHEN w.today >= g.due_on THEN g.target_count
                WHEN w.today <= f.term_start THEN 0
                WHEN date_diff('day', f.term_start, g.due_on) <= 0 THEN g.target_count
                ELSE (g.target_count * date_diff('day', f.term_start, w.today)) // date_diff('day', f.term_start, g.due_on)
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
       f.student_number, f.cohort_id, f.cohort_name, f.joined_at, f.stalled_after_days,
       f.targets, f.researched, f.outreach_sent, f.interviews, f.thanked, f.reflections, f.referrals,
       f.last_activity_at,
       date_diff('day', coalesce(f.last_activity_at, f.joined_at), w.now) AS days_inactive,
       f.overdue_thank_yous, f.meetings_without_reflection,
       coalesce(g.goals_total, 0) AS goals_total, coalesce(g.goals_met, 0) AS goals_met,
       coalesce(g.goals_off_track, 0) AS goals_off_track, g.off_track_goals,
       f.targets = 0 AS no_targets,
       coalesce(f.last_activity_at, f.joined_at) <= w.now - to_days(f.stalled_after_days) AS stalled
FROM f CROSS JOIN w
LEFT JOIN (
    SELECT student_id, count(*) AS goals_total, count(*) FILTER (WHERE status = 'met') AS goals_met,
           count(*) FILTER (WHERE status IN ('behind', 'missed')) AS goals_off_track,
           list(metric ORDER BY due_on NULLS LAST, goal_id) FILTER (WHERE status IN ('behind', 'missed'))
               AS off_track_goals
    FROM gs GROUP BY student_id
) g USING (student_id)
ORDER BY f.cohort_name, f.last_name, f.first_name, f.student_id
"""


def period_bounds(since: date | datetime | None, until: date | datetime | None) -> tuple[datetime, datetime]:
    """A period as [start, end) timestamps; a date `until` is inclusive (the whole day), None is unbounded."""
    start = EARLIEST if since is None else (since if isinstance(since, datetime) else datetime(since.year, since.month, since.day))
    if until is None:
        end = LATEST
    elif isinstance(until, datetime):
        end = until
    elif until >= LATEST.date():
        end = LATEST  # the last day there is: one day more would not be a date
    else:
        end = datetime(until.year, until.month, until.day) + timedelta(days=1)
    return start, end


def dashboard_query(actor: Actor, *, cohort_id: int | None, since: date | datetime | None = None,
                    until: date | datetime | None = None, now: datetime) -> tuple[str, list[Any]]:
    """The dashboard SQL and its parameters (one row per student), for the page and the progress export."""
    visible, vparams = visible_students_sql(actor)
    start, end = period_bounds(since, until)
    sql = _DASHBOARD_SQL.format(visible=visible, goal_current=_GOAL_CURRENT) + _ROWS_SQL
    return sql, [start, end, now, now, *vparams, cohort_id, cohort_id]


def _check_scope(cur: Cursor, actor: Actor, cohort_id: int | None) -> None:
    require_role(actor, Role.COUNSELOR, Role.ADMIN)
    if cohort_id is not None:
        require_cohort(cur, actor, cohort_id)


def _with_flags(found: dict[str, Any]) -> dict[str, Any]:
    found["off_track_goals"] = [GOAL_LABELS[GoalMetric(m)] for m in (found["off_track_goals"] or [])]
    found["overdue_thank_you"] = found["overdue_thank_yous"] > 0
    found["no_reflection"] = found["meetings_without_reflection"] > 0
    found["off_track"] = found["goals_off_track"] > 0
    found["flags"] = [key for key in FLAGS if found[key]]
    return found


def cohort_dashboard(db: Database, actor: Actor, *, cohort_id: int | None = None,
                     now: datetime | None = None) -> list[dict[str, Any]]:
    """One row per student of the cohort (or of every cohort the actor may read) with figures and flags.

    Counselors and admins only; a counselor asking for a cohort not assigned to them gets NotFound.
    Each row holds the FIGURES, last_activity_at, days_inactive, overdue_thank_yous,
    meetings_without_reflection, goal counts, off_track_goals (labels) and a boolean per FLAGS key,
    plus `flags`, the list of raised flag keys.
    """
    now = now or utcnow()
    with db.cursor() as cur:
        _check_scope(cur, actor, cohort_id)
        sql, params = dashboard_query(actor, cohort_id=cohort_id, now=now)
        return [_with_flags(r) for r in rows(cur, sql, params)]


def goal_standings(db: Database, actor: Actor, cohort_id: int, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """Every student's status against every active goal of a cohort: who is on track.

    Rows: student_id, name, goal_id, metric, label, target, current, expected_now, due_on, status
    ('met', 'on_track', 'behind', 'missed'), with the pacing of core.progress.goal_progress.
    """
    now = now or utcnow()
    with db.cursor() as cur:
        _check_scope(cur, actor, cohort_id)
        sql, params = dashboard_query(actor, cohort_id=cohort_id, now=now)
        sql = sql[: sql.index(_ROWS_SQL)] + """
            SELECT gs.student_id, f.first_name || ' ' || f.last_name AS name, gs.goal_id, gs.metric,
                   gs.target_count AS target, gs.current, gs.expected_now, gs.due_on, gs.status
            FROM gs JOIN f USING (student_id)
            ORDER BY gs.due_on NULLS LAST, gs.goal_id, f.last_name, f.first_name, gs.student_id"""
        found = rows(cur, sql, params)
    for f in found:
        f["label"] = GOAL_LABELS[GoalMetric(f["metric"])]
    return found


def _students_in_scope(actor: Actor, cohort_id: int | None) -> tuple[str, list[Any]]:
    visible, params = visible_students_sql(actor)
    sql = f"""SELECT cm.student_id, cm.cohort_id FROM cohort_members cm JOIN users u ON u.id = cm.student_id
              WHERE u.role = 'student' AND u.active AND cm.student_id IN ({visible})
                AND (CAST(? AS BIGINT) IS NULL OR cm.cohort_id = ?)"""
    return sql, [*params, cohort_id, cohort_id]


def cohort_funnel(db: Database, actor: Actor, *, cohort_id: int | None = None) -> list[dict[str, Any]]:
    """How many active contacts of the cohort reached each stage, in stage order.

    A contact counts for every stage it has reached (a thanked contact counts as targeted,
    researched, contacted and interviewed too), so the counts never grow down the funnel
    except where a student skipped a step.
    """
    scope, params = _students_in_scope(actor, cohort_id)
    columns = {Stage.TARGET: "target_at", Stage.RESEARCH: "research_at", Stage.OUTREACH: "outreach_at",
               Stage.INTERVIEW: "interview_at", Stage.THANK: "thank_at", Stage.REFLECT: "reflect_at",
               Stage.KEEP_IN_TOUCH: "keep_in_touch_at"}
    counts = ", ".join(f"count({col}) AS {stage.value}" for stage, col in columns.items())
    with db.cursor() as cur:
        _check_scope(cur, actor, cohort_id)
        found = rows(cur, f"""SELECT {counts} FROM contact_progress
                              WHERE archived_at IS NULL AND student_id IN (SELECT student_id FROM ({scope}))""",
                     params)[0]
    return [{"stage": s.value, "label": STAGE_LABELS[s], "order": s.order, "contacts": int(found[s.value])}
            for s in columns]


def stage_heatmap(db: Database, actor: Actor, *, cohort_id: int | None = None) -> list[dict[str, Any]]:
    """Active contacts per student per current stage (zeros included), for the stage-by-student heatmap."""
    scope, params = _students_in_scope(actor, cohort_id)
    stages = ", ".join(f"('{s.value}', {s.order})" for s in Stage)
    with db.cursor() as cur:
        _check_scope(cur, actor, cohort_id)
        found = rows(cur, f"""
            WITH st AS (SELECT * FROM (VALUES {stages}) v(stage, stage_order)),
                 sc AS (SELECT student_id FROM ({scope})),
                 n AS (SELECT student_id, stage, count(*) AS contacts FROM contact_progress
                       WHERE archived_at IS NULL AND student_id IN (SELECT student_id FROM sc)
                       GROUP BY student_id, stage)
            SELECT sc.student_id, u.first_name || ' ' || u.last_name AS name, st.stage, st.stage_order,
                   coalesce(n.contacts, 0) AS contacts
            FROM sc JOIN users u ON u.id = sc.student_id CROSS JOIN st
            LEFT JOIN n ON n.student_id = sc.student_id AND n.stage = st.stage
            ORDER BY u.last_name, u.first_name, sc.student_id, st.stage_order""", params)
    for f in found:
        f["label"] = STAGE_LABELS[Stage(f["stage"])]
    return found


def weekly_activity(db: Database, actor: Actor, *, cohort_id: int | None = None, weeks: int = 16,
                    now: datetime | None = None) -> list[dict[str, Any]]:
    """Events by the cohort's students per week (Monday start) for the last `weeks` weeks, empty weeks included.

    Rows: week (date of the Monday), events (actions by the students themselves), active_students
    (how many of them did anything that week), comments (by counselors and admins on their campaigns).
    """
    now = now or utcnow()
    scope, params = _students_in_scope(actor, cohort_id)
    first_week = (now - timedelta(days=now.weekday() + 7 * (weeks - 1))).date()
    with db.cursor() as cur:
        _check_scope(cur, actor, cohort_id)
        return rows(cur, f"""
            WITH wk AS (SELECT CAST(unnest(generate_series(CAST(? AS DATE), CAST(? AS DATE), INTERVAL 7 DAY)) AS DATE) AS week),
                 e AS (SELECT CAST(date_trunc('week', occurred_at) AS DATE) AS week, student_id,
                              actor_id = student_id AS by_student, action
                       FROM events WHERE occurred_at >= CAST(? AS DATE) AND occurred_at <= ?
                         AND student_id IN (SELECT student_id FROM ({scope})))
            SELECT wk.week, count(e.week) FILTER (WHERE e.by_student) AS events,
                   count(DISTINCT e.student_id) FILTER (WHERE e.by_student) AS active_students,
                   count(e.week) FILTER (WHERE NOT e.by_student AND e.action = 'commented') AS comments
            FROM wk LEFT JOIN e ON e.week = wk.week
            GROUP BY wk.week ORDER BY wk.week""",
            [first_week, now.date(), first_week, now, *params])
