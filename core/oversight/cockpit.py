"""The counselor's cockpit: who needs me this week and why, unread replies, a nudge to many students at
once, and the career office's comparison of cohorts.

Every figure comes from the dashboard's rows (core/oversight/dashboard.py) and the definitions of
core/rules/facts.py; nothing here counts a stage or a due thank-you a second way.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from core.campaign.merge_fields import fill
from core.clock import utcnow
from core.errors import NudgeError
from core.identity.access import require_read_student, require_role, visible_students_sql
from core.models import GOAL_LABELS, Actor, CommentCreate, GoalMetric, Role
from core.oversight.dashboard import (
    EARLIEST,
    LATEST,
    dashboard_frame,
    goal_standings,
    standings_query,
    students_in_scope,
)
from core.rules.facts import PROGRESS, THANK_STATUS, WINDOW, ctes, settle
from core.store import events
from core.store.db import Cursor, Database, rows
from core.store.idempotency import create_once

NEWLY = timedelta(days=7)
"""How recent a change is 'this week': a student who became stalled within it is newly stalled (no campaign
work, core/rules/activity.py, for the cohort's stalled days: signing in or reading does not end a stall)."""

REASONS = {
    "overdue_thank_you": "Overdue thank-you",
    "unread_reply": "Replied to you",
    "newly_stalled": "Newly stalled",
    "off_track": "Off track",
    "no_reflection": "No reflection",
}
"""What can bring a student to the top of the cockpit, most urgent first (a thank-you's moment passes;
a reply waits for an answer; a stall is best caught in its first week)."""

NUDGE_MAX = 500
"""The most students one nudge reaches (a whole filtered cohort, not the institution by mistake)."""

NUDGE_FIELDS = {
    "first_name": "the student's first name",
    "goals_behind": "the cohort goals the student is behind on, counted and named",
    "overdue_thank_yous": "the thank-yous past their window, counted, and who each is owed to",
}
"""The merge fields of a nudge, filled for each student it reaches."""

NUDGE_TEMPLATES = {
    "everyone": "Hi {first_name}, a quick check-in from me: what is your next step this week? Reply here if "
                "something is in the way, or bring it to our next meeting.",
    "stalled": "Checking in, {first_name}: it has been a while since your last step. Pick one person from your list "
               "and send the request this week; reply here if something is in the way.",
    "no_targets": "Hi {first_name}, a first step for this week: add two or three people in a field you are curious "
                  "about to your Targets list. Ask me if you would like ideas on where to find them.",
    "overdue_thank_you": "Hi {first_name}, you still owe {overdue_thank_yous}. A few sincere lines today are worth "
                         "more than a perfect note next week.",
    "no_reflection": "Hi {first_name}, you held a conversation without writing down what you took from it yet. Ten "
                     "minutes on the reflection now will help you decide where to look next.",
    "off_track": "Hi {first_name}, you are behind on {goals_behind}. Let's look at what would help: reply here or "
                 "bring it to our next meeting.",
}
"""A nudge's starting text for the students with each dashboard flag (core.oversight.dashboard.FLAGS), and for
everyone shown; the counselor edits it before sending."""

# Why a field has nothing to say to a student, for the message that refuses to send it to them.
_NOTHING_TO_SAY = {
    "first_name": "no first name is on file for them",
    "goals_behind": "they are behind on no goal",
    "overdue_thank_yous": "they owe no thank-you past its window",
}
_NUMBER_WORDS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
_BRACED = re.compile(r"\{([a-z_]+)\}")


# ---------------------------------------------------------------- unread replies

def mark_read(db: Database, actor: Actor, student_id: int, *, now: datetime | None = None) -> None:
    """Record that the actor has just read the comment threads of this student's campaign."""
    now = now or utcnow()

    def work(cur: Cursor) -> None:
        require_read_student(cur, actor, student_id)
        cur.execute("""INSERT INTO comment_reads (user_id, student_id, read_at) VALUES (?, ?, ?)
                       ON CONFLICT (user_id, student_id) DO UPDATE
                       SET read_at = greatest(comment_reads.read_at, excluded.read_at)""",
                    [actor.user_id, student_id, now])

    db.transaction(work)


def last_read(db: Database, actor: Actor, student_id: int) -> datetime | None:
    """When the actor last read this student's comment threads (None: never)."""
    with db.cursor() as cur:
        require_read_student(cur, actor, student_id)
        found = cur.execute("SELECT read_at FROM comment_reads WHERE user_id = ? AND student_id = ?",
                            [actor.user_id, student_id]).fetchone()
    return found[0] if found else None


def _unread_sql(actor: Actor) -> tuple[str, list[Any]]:
    """Per student the actor may read: replies by the student, on a thread the actor wrote in, newer than
    the actor's last reading of that student's threads (student_id, unread, first_unread_at)."""
    visible, params = visible_students_sql(actor)
    return f"""
        SELECT c.student_id, count(*) AS unread, min(c.created_at) AS first_unread_at
        FROM comments c
        LEFT JOIN comment_reads r ON r.user_id = ? AND r.student_id = c.student_id
        WHERE c.student_id IN ({visible}) AND c.author_id = c.student_id AND c.deleted_at IS NULL
          AND (r.read_at IS NULL OR c.created_at > r.read_at)
          AND EXISTS (SELECT 1 FROM comments mine WHERE mine.author_id = ? AND mine.student_id = c.student_id
                      AND mine.subject_type = c.subject_type AND mine.subject_id = c.subject_id
                      AND mine.deleted_at IS NULL AND mine.created_at < c.created_at)
        GROUP BY c.student_id""", [actor.user_id, *params, actor.user_id]


def unread_replies(db: Database, actor: Actor) -> dict[int, int]:
    """student_id -> how many of the student's replies to the actor's comments the actor has not read."""
    sql, params = _unread_sql(actor)
    with db.cursor() as cur:
        return {r["student_id"]: int(r["unread"]) for r in rows(cur, sql, params)}


# ---------------------------------------------------------------- who needs me

def needs_me(db: Database, actor: Actor, *, cohort_id: int | None = None, now: datetime | None = None,
             board: pd.DataFrame | None = None) -> pd.DataFrame:
    """The students who need the actor this week, most urgent first: one row per student with the
    reasons (keys of REASONS, most urgent first), a one-line `why` and the `first` reason's key.

    Urgency: the most urgent reason first, then how long it has waited (the oldest overdue thank-you,
    the earliest unread reply, the longest stall). `board` is the cohort's dashboard_frame when the
    caller already has it.
    """
    require_role(actor, Role.COUNSELOR, Role.ADMIN)
    now = now or utcnow()
    board = dashboard_frame(db, actor, cohort_id=cohort_id, now=now) if board is None else board
    columns = ["student_id", "name", "cohort_name", "reasons", "first", "why", "unread"]
    if board.empty:
        return pd.DataFrame(columns=columns)
    unread = unread_replies(db, actor)
    found = []
    for student in board.itertuples(index=False):  # one pass over the rows shown, no query per student
        waiting_for = int(student.days_inactive) - int(student.stalled_after_days)
        reasons, why = [], []
        if student.overdue_thank_yous:
            reasons.append("overdue_thank_you")
            why.append(f"{student.overdue_thank_yous} thank-you{'s' if student.overdue_thank_yous > 1 else ''} overdue")
        if unread.get(student.student_id):
            reasons.append("unread_reply")
            n = unread[student.student_id]
            why.append(f"{n} unread repl{'ies' if n > 1 else 'y'} to your comments")
        if student.stalled and student.targets and waiting_for < NEWLY.days:
            reasons.append("newly_stalled")
            why.append(f"no campaign work for {student.days_inactive} days")
        if student.off_track:
            reasons.append("off_track")
            goals = list(student.off_track_goals) if student.off_track_goals is not None else []
            why.append(f"behind on {len(goals)} goal{'s' if len(goals) != 1 else ''}")
        if student.no_reflection:
            reasons.append("no_reflection")
            n = int(student.meetings_without_reflection)
            why.append(f"{n} meeting{'s' if n > 1 else ''} without a reflection")
        if reasons:
            found.append({"student_id": int(student.student_id), "name": student.name,
                          "cohort_name": student.cohort_name, "reasons": reasons, "first": reasons[0],
                          "why": _sentence("; ".join(why)), "unread": unread.get(student.student_id, 0),
                          "_rank": list(REASONS).index(reasons[0]), "_waited": -int(student.days_inactive)})
    if not found:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(found).sort_values(["_rank", "_waited", "name"], kind="stable")
    return frame[columns].reset_index(drop=True)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


# ---------------------------------------------------------------- a nudge to many

def _number(n: int) -> str:
    return _NUMBER_WORDS[n] if n < len(_NUMBER_WORDS) else str(n)


def _names(names: list[str], most: int = 3) -> str:
    names = list(dict.fromkeys(names))
    if len(names) > most:
        names = names[:most] + [f"{len(names) - most} more"]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _goal_words(goal: dict[str, Any]) -> str:
    label = GOAL_LABELS[GoalMetric(goal["metric"])]
    if goal["target"] == 1:  # "interviews held" -> "interview held"
        first, _, rest = label.partition(" ")
        label = " ".join(w for w in (first.removesuffix("s"), rest) if w)
    due = f" by {goal['due_on'].day} {goal['due_on']:%B}" if goal["due_on"] else ""
    return f"{goal['target']} {label}{due} (you have {goal['current']})"


def _goals_behind(db: Database, actor: Actor, ids: list[int], now: datetime) -> dict[int, list[dict[str, Any]]]:
    """Per student, the goals behind or missed in the order the goals table shows them (the pacing of
    core.oversight.dashboard: one student's rows alone for a preview, each cohort's at once for a send)."""
    if len(ids) == 1:
        settle(db, ids[0])
        with db.cursor() as cur:
            standings = rows(cur, *standings_query(cur, actor, student_id=ids[0], now=now))
    else:
        with db.cursor() as cur:
            cohorts = [r["cohort_id"] for r in rows(cur, """
                SELECT DISTINCT cohort_id FROM cohort_members
                WHERE student_id IN (SELECT unnest(CAST(? AS BIGINT[]))) ORDER BY cohort_id""", [ids])]
        standings = [g for c in cohorts for g in goal_standings(db, actor, c, now=now)]
    behind: dict[int, list[dict[str, Any]]] = {}
    for goal in standings:
        if goal["status"] in ("behind", "missed") and goal["student_id"] in ids:
            behind.setdefault(goal["student_id"], []).append(goal)
    return behind


def nudge_values(db: Database, actor: Actor, student_ids: list[int], *,
                 now: datetime | None = None) -> dict[int, dict[str, str]]:
    """Per student, the value of each of NUDGE_FIELDS ('' where there is nothing to say: no goal behind,
    no thank-you overdue). The goals are the dashboard's pacing and the thank-yous core/rules/facts.py's
    THANK_STATUS, so the nudge counts what the dashboard's Off track and Overdue thank-yous count."""
    require_role(actor, Role.COUNSELOR, Role.ADMIN)
    now = now or utcnow()
    ids = list(dict.fromkeys(int(i) for i in student_ids))
    if not ids:
        return {}
    with db.cursor() as cur:
        for student_id in ids:
            require_read_student(cur, actor, student_id)
        people = rows(cur, "SELECT id, first_name FROM users WHERE id IN (SELECT unnest(CAST(? AS BIGINT[])))", [ids])
        owed = rows(cur, f"""WITH {WINDOW}, sc AS (SELECT id AS student_id FROM users
                                                 WHERE id IN (SELECT unnest(CAST(? AS BIGINT[])))){ctes(THANK_STATUS)}
                             SELECT t.student_id, c.first_name || ' ' || c.last_name AS name
                             FROM thank_status t JOIN contacts c ON c.id = t.contact_id
                             WHERE t.overdue ORDER BY t.due_at, t.meeting_id""", [EARLIEST, LATEST, now, ids])
    behind = _goals_behind(db, actor, ids, now)
    values = {p["id"]: {"first_name": (p["first_name"] or "").strip(), "goals_behind": "", "overdue_thank_yous": ""}
              for p in people}
    for student_id, goals in behind.items():
        values[student_id]["goals_behind"] = (f"{_number(len(goals))} of the cohort's goals: "
                                              + _names([_goal_words(g) for g in goals], most=len(goals)))
    for student_id in values:
        names = [o["name"].strip() for o in owed if o["student_id"] == student_id]
        if names:
            values[student_id]["overdue_thank_yous"] = (
                ("a thank-you to " if len(names) == 1 else f"{_number(len(names))} thank-yous: to ") + _names(names))
    return values


def fill_nudge(db: Database, actor: Actor, student_ids: list[int], body: str, *,
               now: datetime | None = None) -> dict[int, str]:
    """The nudge's text as each student will read it, its merge fields filled. Refused, naming who and
    why, when a field has nothing to say to one of them (a goal field for a student behind on none) or
    the text names a field that does not exist, so no student reads braces."""
    unknown = [name for name in dict.fromkeys(_BRACED.findall(body or "")) if name not in NUDGE_FIELDS]
    if unknown:
        known = ", ".join("{" + name + "}" for name in NUDGE_FIELDS)
        raise NudgeError(f"{{{unknown[0]}}} is not a merge field of a nudge. The fields are {known}.")
    values = nudge_values(db, actor, student_ids, now=now)
    used = [name for name in NUDGE_FIELDS if "{" + name + "}" in (body or "")]
    for name in used:
        empty = [student_id for student_id, v in values.items() if not v[name]]
        if empty:
            with db.cursor() as cur:
                who = [r["name"] for r in rows(
                    cur, """SELECT first_name || ' ' || last_name AS name FROM users
                            WHERE id IN (SELECT unnest(CAST(? AS BIGINT[]))) ORDER BY last_name, first_name""",
                    [empty])]
            raise NudgeError(f"{{{name}}} has nothing to say to {_names(who)}: {_NOTHING_TO_SAY[name]}. "
                             f"Send it to the students it fits, or take {{{name}}} out of the message.")
    return {student_id: fill(body, v) for student_id, v in values.items()}


def nudge(db: Database, actor: Actor, student_ids: list[int], body: str, *, now: datetime | None = None,
          idempotency_key: str | None = None) -> int:
    """Post a comment on the campaign of each student, its merge fields (NUDGE_FIELDS) filled for each,
    in one transaction (all or none); returns how many were nudged. Each student sees it on their Home
    as any comment, and each gets their own event. A repeated submit of one form render posts nothing twice."""
    require_role(actor, Role.COUNSELOR, Role.ADMIN)
    now = now or utcnow()
    ids = list(dict.fromkeys(int(i) for i in student_ids))
    if not ids:
        raise NudgeError("Choose at least one student to nudge.")
    if len(ids) > NUDGE_MAX:
        raise NudgeError(f"A nudge reaches at most {NUDGE_MAX} students at once; filter the table first.")
    CommentCreate(subject_type="student", subject_id=ids[0], body=body)  # the text as written, checked once
    texts = {student_id: CommentCreate(subject_type="student", subject_id=student_id, body=text).body
             for student_id, text in fill_nudge(db, actor, ids, body, now=now).items()}

    def work(cur: Cursor) -> int:
        for student_id in ids:
            require_read_student(cur, actor, student_id)
        first = None
        for student_id in ids:
            new_id = cur.execute(
                """INSERT INTO comments (student_id, author_id, subject_type, subject_id, body, created_at)
                   VALUES (?, ?, 'student', ?, ?, ?) RETURNING id""",
                [student_id, actor.user_id, student_id, texts[student_id], now]).fetchone()[0]
            first = first or new_id
            events.record(cur, actor, "commented", "student", entity_id=student_id, student_id=student_id,
                          detail={"comment_id": new_id, "nudge": len(ids)}, now=now)
        return first

    create_once(db, actor, idempotency_key, "nudge", work, now=now)
    return len(ids)


# ---------------------------------------------------------------- cohorts side by side

COMPARISON_COLUMNS = [
    ("cohort_name", "Cohort"), ("students", "Students"), ("first_meeting_pct", "First meeting held %"),
    ("thank_you_on_time_pct", "Thank-yous on time %"), ("median_days_to_interview", "Median days target to interview"),
    ("stalled_pct", "Stalled %"),
]
"""The comparison's columns and their headings, in the order the page and its CSV show them."""


def cohort_comparison(db: Database, actor: Actor, *, now: datetime | None = None,
                      board: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per cohort the actor may read: students, the share who have held a first meeting, the
    share of thank-yous due so far that went out on time, the median days from adding a person to
    meeting them, and the share of students stalled now (active students, as on the dashboard).

    A thank-you counts once its moment has passed or it was sent: on time when sent by its due
    moment (core/rules/facts.py THANK_STATUS), archived people left out as everywhere. `board` is the
    actor's dashboard_frame for every cohort when the caller already has it."""
    require_role(actor, Role.COUNSELOR, Role.ADMIN)
    now = now or utcnow()
    scope, params = students_in_scope(actor, None)
    board = dashboard_frame(db, actor, now=now) if board is None else board
    sql = f"""
        WITH w AS (SELECT CAST(? AS TIMESTAMP) AS since, CAST(? AS TIMESTAMP) AS until, CAST(? AS TIMESTAMP) AS now),
             members AS ({scope}),
             sc AS (SELECT student_id FROM members){ctes(PROGRESS, THANK_STATUS)},
             due AS (SELECT m.cohort_id,
                            count(*) FILTER (WHERE t.sent_at IS NOT NULL OR t.overdue) AS due,
                            count(*) FILTER (WHERE t.sent_at IS NOT NULL AND t.sent_at <= t.due_at) AS on_time
                     FROM thank_status t JOIN members m USING (student_id)
                     WHERE t.archived_at IS NULL GROUP BY m.cohort_id),
             reach AS (SELECT m.cohort_id,
                              percentile_cont(0.5) WITHIN GROUP (ORDER BY CAST(p.interview_at AS DATE)
                                                                          - CAST(p.target_at AS DATE))
                                  AS median_days_to_interview
                       FROM progress p JOIN members m USING (student_id)
                       WHERE p.interview_at IS NOT NULL AND p.archived_at IS NULL GROUP BY m.cohort_id)
        SELECT members.cohort_id, due.due, due.on_time, reach.median_days_to_interview
        FROM (SELECT DISTINCT cohort_id FROM members) AS members
        LEFT JOIN due USING (cohort_id) LEFT JOIN reach USING (cohort_id)"""
    with db.cursor() as cur:
        extra = pd.DataFrame(rows(cur, sql, [EARLIEST, LATEST, now, *params]),
                             columns=["cohort_id", "due", "on_time", "median_days_to_interview"])
    if board.empty:
        return pd.DataFrame(columns=["cohort_id"] + [c for c, _ in COMPARISON_COLUMNS])
    per = board.groupby(["cohort_id", "cohort_name"], as_index=False).agg(
        students=("student_id", "size"), first_meeting=("interviews", lambda s: int((s > 0).sum())),
        stalled=("stalled", lambda s: int(s.sum())))
    per["cohort_id"] = per["cohort_id"].astype("int64")
    extra["cohort_id"] = extra["cohort_id"].astype("int64")
    out = per.merge(extra, on="cohort_id", how="left")
    out["first_meeting_pct"] = (100 * out["first_meeting"] / out["students"]).round(0).astype("int64")
    out["stalled_pct"] = (100 * out["stalled"] / out["students"]).round(0).astype("int64")
    due = pd.to_numeric(out["due"]).astype("float64")
    out["thank_you_on_time_pct"] = (100 * pd.to_numeric(out["on_time"]).astype("float64") / due).round(0)
    out.loc[due.isna() | (due == 0), "thank_you_on_time_pct"] = float("nan")
    out["median_days_to_interview"] = pd.to_numeric(out["median_days_to_interview"]).astype("float64").round(1)
    return out[["cohort_id"] + [c for c, _ in COMPARISON_COLUMNS]].sort_values("cohort_name").reset_index(drop=True)
