"""The derived facts of a campaign, each defined once, as SQL over a scope of students.

Every path that shows a stage, a due thank-you or a per-student figure reads these definitions:
the student's Home, Targets and to-do list, the counselor's dashboard and timeline, goal pacing
and the exports. There is no second copy to drift (earlier views and page code each had their
own), and a test computes every figure through every path and finds them equal
(tests/test_one_definition.py).

How to use them: the enclosing query defines two CTEs, then appends the fragments it needs with
`ctes(...)`:
- `w (since, until, now)`: the period figures count over ([since, until)) and the present moment;
- `sc (student_id)`: the students in scope (one student, a cohort, a counselor's cohorts).
Each fragment filters every table by `sc` before it aggregates, so a query about one student
reads that student's rows only and costs the same in a portal of 100 or 100,000 students.

Fragments and the CTE each one defines (besides those below: LATEST_REPLY -> `f_latest_reply`, the
latest reply recorded per contact (contact_id, outreach_reply), which the stage badge shows beside
"Outreach sent"; CURRENT_THANK_YOUS -> `current_thank_yous`, the current thank-you per meeting and
kind: the first sent, else the latest draft, a referrer thank-you being one per contact):
- PROGRESS -> `progress`: per contact, when it reached each stage and its current stage
  (contact_id, student_id, archived_at, target_at, research_at, outreach_at, interview_at,
  thank_at, reflect_at, keep_in_touch_at, stage, stage_at). A stage is reached by a fact, not a
  button: research notes with text or a planned question; a request sent; a meeting held; an
  interview thank-you sent; a reflection written; a keep-in-touch message sent.
- THANK_STATUS -> `thank_status`: per meeting held, when its thank-you is due (held_at plus the
  window in force when the meeting was held, recorded on the meeting as it is logged held, so a later
  change of the cohort's window moves no meeting already held; a meeting without one takes the
  cohort's window, core.rules.timing's default without a cohort), when one was sent (the first interview thank-you
  naming the meeting, or naming none and written to the contact), and `overdue` (not sent,
  w.now past the due moment, and the contact not archived: an archived person leaves the
  student's to-dos and the counselor's flags alike; a note sent exactly at the due moment is on
  time).
- FIGURES (needs PROGRESS and THANK_STATUS) -> `figures`: per student in `sc`, the counts of
  facts dated in the period: targets (contacts added, archived ones left out), researched and
  outreach_sent (contacts that reached those stages), interviews (meetings held), thanked
  (interview thank-yous sent), reflections (written; private ones count, their text never
  leaves), referrals (contacts that came from another contact); and, whatever the period:
  overdue_thank_yous, meetings_without_reflection, last_activity_at (the student's latest campaign
  work as core/rules/activity.py defines it, kept per student as events are written, table
  student_activity; signing in, settings and a counselor's comment are not the student's activity).
"""

from __future__ import annotations

import threading
from typing import Any

from core.rules.timing import THANK_YOU_WINDOW_HOURS

_SCOPED = "student_id IN (SELECT student_id FROM sc)"

PROGRESS = f"""
f_research AS (
    SELECT student_id, contact_id, min(ts) AS at FROM (
        SELECT student_id, contact_id, created_at AS ts FROM research_notes
        WHERE {_SCOPED} AND (about_person <> '' OR about_organization <> '' OR about_field <> '' OR links <> '')
        UNION ALL
        SELECT student_id, contact_id, created_at FROM planned_questions WHERE {_SCOPED}
    ) AS r GROUP BY student_id, contact_id
),
f_outreach AS (SELECT student_id, contact_id, min(sent_at) AS at FROM outreach_messages
               WHERE {_SCOPED} AND sent_at IS NOT NULL GROUP BY student_id, contact_id),
f_interview AS (SELECT contact_id, min(held_at) AS at FROM meetings
                WHERE {_SCOPED} AND status = 'held' GROUP BY contact_id),
f_thank AS (SELECT contact_id, min(sent_at) AS at FROM thank_yous
            WHERE {_SCOPED} AND kind = 'interview' AND sent_at IS NOT NULL GROUP BY contact_id),
f_reflect AS (SELECT contact_id, min(created_at) AS at FROM reflections WHERE {_SCOPED} GROUP BY contact_id),
f_keep AS (SELECT contact_id, min(sent_at) AS at FROM follow_ups
           WHERE {_SCOPED} AND sent_at IS NOT NULL GROUP BY contact_id),
progress AS (
    SELECT c.id AS contact_id, c.student_id, c.archived_at, c.created_at AS target_at,
           f_research.at AS research_at, f_outreach.at AS outreach_at, f_interview.at AS interview_at,
           f_thank.at AS thank_at, f_reflect.at AS reflect_at, f_keep.at AS keep_in_touch_at,
           CASE WHEN f_keep.at IS NOT NULL THEN 'keep_in_touch'
                WHEN f_reflect.at IS NOT NULL THEN 'reflect'
                WHEN f_thank.at IS NOT NULL THEN 'thank'
                WHEN f_interview.at IS NOT NULL THEN 'interview'
                WHEN f_outreach.at IS NOT NULL THEN 'outreach'
                WHEN f_research.at IS NOT NULL THEN 'research'
                ELSE 'target' END AS stage,
           coalesce(f_keep.at, f_reflect.at, f_thank.at, f_interview.at, f_outreach.at, f_research.at,
                    c.created_at) AS stage_at
    FROM contacts c
    LEFT JOIN f_research ON f_research.contact_id = c.id
    LEFT JOIN f_outreach ON f_outreach.contact_id = c.id
    LEFT JOIN f_interview ON f_interview.contact_id = c.id
    LEFT JOIN f_thank ON f_thank.contact_id = c.id
    LEFT JOIN f_reflect ON f_reflect.contact_id = c.id
    LEFT JOIN f_keep ON f_keep.contact_id = c.id
    WHERE c.{_SCOPED}
)"""

THANK_STATUS = f"""
f_ty_sent AS (SELECT meeting_id, contact_id, sent_at FROM thank_yous
              WHERE {_SCOPED} AND kind = 'interview' AND sent_at IS NOT NULL),
f_ty_by_meeting AS (SELECT meeting_id, min(sent_at) AS sent_at FROM f_ty_sent
                    WHERE meeting_id IS NOT NULL GROUP BY meeting_id),
f_ty_by_contact AS (SELECT contact_id, min(sent_at) AS sent_at FROM f_ty_sent
                    WHERE meeting_id IS NULL GROUP BY contact_id),
f_ty AS (
    SELECT m.id AS meeting_id, m.contact_id, m.student_id, m.held_at, c.archived_at,
           m.held_at + coalesce(m.thank_you_window_hours, co.thank_you_window_hours, {THANK_YOU_WINDOW_HOURS.default})
               * INTERVAL '1 hour' AS due_at,
           CASE WHEN bm.sent_at IS NULL THEN bc.sent_at
                WHEN bc.sent_at IS NULL THEN bm.sent_at
                ELSE least(bm.sent_at, bc.sent_at) END AS sent_at
    FROM meetings m
    JOIN contacts c ON c.id = m.contact_id
    LEFT JOIN cohort_members cm ON cm.student_id = m.student_id
    LEFT JOIN cohorts co ON co.id = cm.cohort_id
    LEFT JOIN f_ty_by_meeting bm ON bm.meeting_id = m.id
    LEFT JOIN f_ty_by_contact bc ON bc.contact_id = m.contact_id
    WHERE m.{_SCOPED} AND m.status = 'held'
),
thank_status AS (
    SELECT f_ty.*, f_ty.sent_at IS NULL AND f_ty.archived_at IS NULL AND w.now > f_ty.due_at AS overdue
    FROM f_ty CROSS JOIN w
)"""

FIGURES = f"""
f_contacts AS (
    SELECT student_id,
           count(*) FILTER (WHERE archived_at IS NULL AND created_at >= w.since AND created_at < w.until) AS targets,
           count(*) FILTER (WHERE referred_by_contact_id IS NOT NULL
                            AND created_at >= w.since AND created_at < w.until) AS referrals
    FROM contacts CROSS JOIN w WHERE {_SCOPED} GROUP BY student_id
),
-- Contacts that reached research and outreach in the period: the `at` of PROGRESS's own CTEs, counted
-- per student without joining every contact to all six stages.
f_stages AS (
    SELECT student_id, sum(researched) AS researched, sum(outreach_sent) AS outreach_sent FROM (
        SELECT student_id, count(*) AS researched, 0 AS outreach_sent FROM f_research CROSS JOIN w
        WHERE f_research.at >= w.since AND f_research.at < w.until GROUP BY student_id
        UNION ALL
        SELECT student_id, 0, count(*) FROM f_outreach CROSS JOIN w
        WHERE f_outreach.at >= w.since AND f_outreach.at < w.until GROUP BY student_id
    ) AS st GROUP BY student_id
),
f_reflected AS (SELECT DISTINCT meeting_id FROM reflections WHERE {_SCOPED}),
f_meetings AS (
    SELECT m.student_id,
           count(*) FILTER (WHERE m.held_at >= w.since AND m.held_at < w.until) AS interviews,
           count(*) FILTER (WHERE f_reflected.meeting_id IS NULL) AS meetings_without_reflection
    FROM meetings m LEFT JOIN f_reflected ON f_reflected.meeting_id = m.id CROSS JOIN w
    WHERE m.{_SCOPED} AND m.status = 'held' GROUP BY m.student_id
),
f_thanked AS (
    SELECT student_id, count(*) AS thanked FROM thank_yous CROSS JOIN w
    WHERE {_SCOPED} AND kind = 'interview' AND sent_at IS NOT NULL AND sent_at >= w.since AND sent_at < w.until
    GROUP BY student_id
),
f_reflections AS (
    SELECT student_id, count(*) AS reflections FROM reflections CROSS JOIN w
    WHERE {_SCOPED} AND created_at >= w.since AND created_at < w.until GROUP BY student_id
),
f_overdue AS (SELECT student_id, count(*) FILTER (WHERE overdue) AS overdue_thank_yous
              FROM thank_status GROUP BY student_id),
f_activity AS (SELECT student_id, last_activity_at FROM student_activity WHERE {_SCOPED}),
figures AS (
    SELECT sc.student_id,
           coalesce(f_contacts.targets, 0) AS targets, coalesce(f_stages.researched, 0) AS researched,
           coalesce(f_stages.outreach_sent, 0) AS outreach_sent, coalesce(f_meetings.interviews, 0) AS interviews,
           coalesce(f_thanked.thanked, 0) AS thanked, coalesce(f_reflections.reflections, 0) AS reflections,
           coalesce(f_contacts.referrals, 0) AS referrals,
           coalesce(f_overdue.overdue_thank_yous, 0) AS overdue_thank_yous,
           coalesce(f_meetings.meetings_without_reflection, 0) AS meetings_without_reflection,
           f_activity.last_activity_at
    FROM sc
    LEFT JOIN f_contacts ON f_contacts.student_id = sc.student_id
    LEFT JOIN f_stages ON f_stages.student_id = sc.student_id
    LEFT JOIN f_meetings ON f_meetings.student_id = sc.student_id
    LEFT JOIN f_thanked ON f_thanked.student_id = sc.student_id
    LEFT JOIN f_reflections ON f_reflections.student_id = sc.student_id
    LEFT JOIN f_overdue ON f_overdue.student_id = sc.student_id
    LEFT JOIN f_activity ON f_activity.student_id = sc.student_id
)"""

LATEST_REPLY = f"""
f_latest_reply AS (
    SELECT contact_id, reply AS outreach_reply FROM (
        SELECT contact_id, reply,
               row_number() OVER (PARTITION BY contact_id
                                  ORDER BY coalesce(replied_at, sent_at) DESC NULLS LAST, id DESC) AS n
        FROM outreach_messages WHERE {_SCOPED} AND reply IS NOT NULL
    ) AS r WHERE n = 1
)"""

CURRENT_THANK_YOUS = f"""
current_thank_yous AS (
    SELECT id, contact_id, student_id, meeting_id, recipient_contact_id, kind, channel, body, sent_at,
           created_at, updated_at, version FROM (
        SELECT t.*, row_number() OVER (
            PARTITION BY t.contact_id, t.kind, CASE WHEN t.kind = 'interview' THEN t.meeting_id END
            ORDER BY t.sent_at IS NULL, t.sent_at, t.updated_at DESC, t.id DESC) AS n
        FROM thank_yous t WHERE t.{_SCOPED}
    ) AS ranked WHERE n = 1
)"""

KEPT = """
f_owed AS (SELECT student_id, count(*) AS overdue_thank_yous FROM thank_yous_owed CROSS JOIN w
           WHERE {scoped} AND w.now > thank_yous_owed.due_at GROUP BY student_id),
figures AS (
    SELECT sc.student_id,
           coalesce(k.targets, 0) AS targets, coalesce(k.researched, 0) AS researched,
           coalesce(k.outreach_sent, 0) AS outreach_sent, coalesce(k.interviews, 0) AS interviews,
           coalesce(k.thanked, 0) AS thanked, coalesce(k.reflections, 0) AS reflections,
           coalesce(k.referrals, 0) AS referrals, coalesce(f_owed.overdue_thank_yous, 0) AS overdue_thank_yous,
           coalesce(k.meetings_without_reflection, 0) AS meetings_without_reflection, a.last_activity_at
    FROM sc
    LEFT JOIN student_figures k ON k.student_id = sc.student_id
    LEFT JOIN f_owed ON f_owed.student_id = sc.student_id
    LEFT JOIN student_activity a ON a.student_id = sc.student_id
)""".format(scoped=_SCOPED)
"""FIGURES for the whole of time (w.since and w.until unused), read from the kept tables
student_figures and thank_yous_owed instead of aggregating every record: the same columns, the
same values (tests/test_one_definition.py), one row per student of `sc`. Only `w.now` is read:
a thank-yous owed is overdue once the present passes its due moment. Settle the students of `sc`
first (settle): the kept tables trail the saves until someone reads them."""

_KEPT_COLUMNS = ["targets", "researched", "outreach_sent", "interviews", "thanked", "reflections", "referrals",
                 "meetings_without_reflection"]


# Requests sent and how they were answered, per contact of the students in `sc` (one definition,
# read by the to-do list and by the reminders, with core.rules.timing.follow_up_step): the latest request and follow-up
# sent, whether a reply (accepted or declined) was recorded, and the meetings planned or held with the contact.
WAITING = """
waiting AS (
    SELECT o.student_id, o.contact_id, max(o.sent_at) FILTER (WHERE o.purpose = 'request') AS request_at,
           max(o.sent_at) FILTER (WHERE o.purpose = 'follow_up') AS follow_up_at,
           coalesce(bool_or(o.reply IN ('accepted', 'declined')), false) AS answered,
           (SELECT count(*) FROM meetings m WHERE m.contact_id = o.contact_id AND m.status <> 'cancelled') AS meetings
    FROM outreach_messages o
    WHERE o.student_id IN (SELECT student_id FROM sc) AND o.sent_at IS NOT NULL
    GROUP BY o.student_id, o.contact_id
)"""


def refresh_kept(cur: Any, scope_sql: str, params: list[Any], *, one_student: int | None = None) -> None:
    """Recompute the kept figures (student_figures, thank_yous_owed) of the students `scope_sql`
    selects (one column, student_id) from the definitions above, in the caller's transaction.

    With `one_student` (the scope is that one student), each fragment tests its scope against the
    student's id itself (for_one_student), so the refresh reads that student's rows only."""
    scope = f"sc AS ({scope_sql})"
    unbounded = ("w AS (SELECT TIMESTAMP '1900-01-01' AS since, TIMESTAMP '9999-12-31' AS until, "
                 "CAST(NULL AS TIMESTAMP) AS now)")

    def scoped(sql: str) -> str:
        return sql if one_student is None else for_one_student(sql, one_student)

    if one_student is None:
        cur.execute(f"DELETE FROM thank_yous_owed WHERE student_id IN ({scope_sql})", params)
    else:
        cur.execute("DELETE FROM thank_yous_owed WHERE student_id = ?", [int(one_student)])
    cur.execute(scoped(f"""INSERT INTO thank_yous_owed (meeting_id, student_id, due_at)
                    WITH {unbounded}, {scope}{ctes(THANK_STATUS)}
                    SELECT meeting_id, student_id, due_at FROM thank_status
                    WHERE sent_at IS NULL AND archived_at IS NULL"""), params)
    columns = ", ".join(_KEPT_COLUMNS)
    cur.execute(scoped(f"""INSERT INTO student_figures (student_id, {columns})
                    WITH {unbounded}, {scope}{ctes(PROGRESS, THANK_STATUS, FIGURES)}
                    SELECT student_id, {columns} FROM figures
                    ON CONFLICT (student_id) DO UPDATE SET
                    {", ".join(f"{c} = excluded.{c}" for c in _KEPT_COLUMNS)}"""), params)


def refresh_students(cur: Any, student_ids: list[int] | set[int]) -> None:
    """Recompute the kept figures of these students now, in the caller's transaction (settle does it
    for the students saves have marked stale)."""
    ids = sorted({int(i) for i in student_ids})
    if len(ids) == 1:  # the usual case: a save by or about one student reads that student's rows only
        refresh_kept(cur, "SELECT CAST(? AS BIGINT) AS student_id", ids, one_student=ids[0])
    elif ids:
        refresh_kept(cur, "SELECT unnest(CAST(? AS BIGINT[])) AS student_id", [ids])


def refresh_everyone(cur: Any) -> None:
    """Recompute the kept figures of every student (after a migration, a bulk load, or to check);
    nothing is left waiting to be settled."""
    refresh_kept(cur, "SELECT id AS student_id FROM users WHERE role = 'student'", [])
    cur.execute("DELETE FROM figures_stale")


# ---------------------------------------------------------------- kept figures: written late, read settled
#
# A save does not recompute its student's kept figures itself: planning the figure query costs a
# DuckDB save two thirds of its time (10 of its 15 ms are the binder and optimizer, and DuckDB
# replans a prepared statement on every execution), which put 50 students saving at once in a
# queue. The save appends its student to figures_stale instead (mark_stale, core.store.events), and
# whoever is about to read the kept figures settles them first: one refresh for every student
# waiting, planned once however many there are. Every read therefore sees every committed save.


def mark_stale(cur: Any, student_ids: list[int] | set[int]) -> None:
    """Note, in the caller's write transaction, that these students' kept figures must be recomputed
    before they are next read (core.store.events calls it just before a write commits)."""
    ids = sorted({int(i) for i in student_ids})
    if len(ids) == 1:
        cur.execute("INSERT INTO figures_stale (student_id) VALUES (?)", ids)
    elif ids:
        cur.execute("INSERT INTO figures_stale (student_id) SELECT unnest(CAST(? AS BIGINT[]))", [ids])


_settling = threading.Lock()


def settle(db: Any, scope: tuple[str, list[Any]] | int | None = None) -> int:
    """Bring the kept figures up to date with every committed save before reading them: recompute
    the figures of the students figures_stale lists and delete the rows seen, in one transaction.
    Returns how many students were recomputed.

    `scope` narrows it to the students about to be read: one student's id, or SQL selecting a
    `student_id` column with its parameters (core.oversight.dashboard.students_in_scope); None settles every
    student waiting. A save that commits while this runs is not seen by its snapshot, so its row
    stays for the next settle: the rows deleted are those seen (`id <= ` the highest seen, in the
    same snapshot). Two settles at once in one process take turns; across processes the second
    conflicts and is retried by the store, finding the rows gone."""
    if scope is None:
        where, params = "", []
    elif isinstance(scope, int):
        where, params = " WHERE student_id = ?", [int(scope)]
    else:
        where, params = f" WHERE student_id IN (SELECT student_id FROM ({scope[0]}) AS settled)", list(scope[1])
    with db.cursor() as cur:
        if cur.execute(f"SELECT 1 FROM figures_stale{where} LIMIT 1", params).fetchone() is None:
            return 0

    def work(cur: Any) -> int:
        found = cur.execute(f"SELECT id, student_id FROM figures_stale{where}", params).fetchall()
        if not found:
            return 0
        students = sorted({s for _, s in found})
        refresh_students(cur, students)
        cur.execute("DELETE FROM figures_stale WHERE id <= ? AND student_id IN (SELECT unnest(CAST(? AS BIGINT[])))",
                    [max(i for i, _ in found), students])
        return len(students)

    with _settling:
        return db.transaction(work)


FIGURE_NAMES = ["targets", "researched", "outreach_sent", "interviews", "thanked", "reflections", "referrals"]
"""The per-student counts of FIGURES, in the order pages and exports show them."""


def ctes(*fragments: str) -> str:
    """The fragments joined as further CTEs, to follow `WITH w AS (...), sc AS (...)`."""
    return "".join("," + f for f in fragments)


WINDOW = """w AS (SELECT CAST(? AS TIMESTAMP) AS since, CAST(? AS TIMESTAMP) AS until, CAST(? AS TIMESTAMP) AS now)"""
"""A `w` CTE taking since, until and now as parameters, in that order."""

ONE_STUDENT = "sc AS (SELECT CAST(? AS BIGINT) AS student_id)"
"""An `sc` CTE of one student, taking the student's id as its parameter."""


def for_one_student(sql: str, student_id: int) -> str:
    """A query over the ONE_STUDENT scope with every fragment's scope test written as that student's id.

    `student_id IN (SELECT student_id FROM sc)` is a join to the scope, which DuckDB plans as a scan of
    the whole table (39 ms for a 7-contact student's contact list at 10,000 students); the same test
    against the id itself reads the student's rows only (13 ms). The id is an integer, never text,
    so writing it into the SQL cannot change what the query says. The `sc` CTE and its parameter
    stay for the fragments that join it.
    """
    return sql.replace(_SCOPED, f"student_id = {int(student_id)}")

def contact_owner(cur: Any, contact_id: int) -> int:
    """The student whose contact this is (a point read), for a query about one contact to run over
    that student's rows alone (for_one_student); 0 when there is no such contact: no student has
    that id, so such a query finds nothing."""
    found = cur.execute("SELECT student_id FROM contacts WHERE id = ?", [contact_id]).fetchone()
    return 0 if found is None else int(found[0])


NOW = "w AS (SELECT CAST(? AS TIMESTAMP) AS now)"
"""A `w` CTE holding only the present moment (for THANK_STATUS), taking it as its parameter."""

_EVERY_STUDENT = "sc AS (SELECT id AS student_id FROM users WHERE role = 'student')"

VIEWS = [
    f"""CREATE OR REPLACE VIEW contact_progress AS
        WITH {_EVERY_STUDENT}{ctes(PROGRESS)} SELECT * FROM progress""",
    f"""CREATE OR REPLACE VIEW thank_you_status AS
        WITH w AS (SELECT CAST(NULL AS TIMESTAMP) AS now), {_EVERY_STUDENT}{ctes(THANK_STATUS)}
        SELECT meeting_id, contact_id, student_id, held_at, due_at, sent_at FROM thank_status""",
]
"""The views of the same definitions over every student, for ad-hoc SQL by the career office and for
tests. The portal's own queries use the fragments with a scope, which reads far fewer rows. The
migration command recreates these views on every run, so they always match this module."""
