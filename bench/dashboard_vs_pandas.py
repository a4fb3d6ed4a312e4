"""The dashboard's figures in DuckDB beside the cached-pandas way of computing them.

A portal built on `st.cache_data` would hold whole tables as pandas frames and compute every
student's figures from them on each view. This benchmark does exactly that over frames already in
memory (loading them is not timed), checks that pandas and the portal's SQL give the same figures
for every student, and prints the times side by side:
- the figures by SQL: the portal's figures of every student (core/rules/facts.py KEPT: kept on write,
  read as one row per student), to an Arrow-backed frame; goal: at least 2× faster than pandas;
- the dashboard's whole table (core.oversight.dashboard.dashboard_frame: the figures plus names, cohorts,
  goal pacing, flags and their order), which pandas here does not even compute;
- the old way, the dashboard's rows as Python dictionaries (core.oversight.dashboard.cohort_dashboard);
- what keeping the figures costs: recomputing one student's figures, and 50 students' at once,
  as the first read after their saves does (core/rules/facts.py settle; a save itself only marks its
  student).

    .venv/bin/python -m bench.dashboard_vs_pandas                 # 10,000 students
    BENCH_SIZES=10000,100000 .venv/bin/python -m bench.dashboard_vs_pandas
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from bench import median_time
from bench.dataset import BENCH_ADMIN, NOW, build
from core.identity.accounts import load_actor, user_id_for_username
from core.oversight.dashboard import cohort_dashboard, dashboard_frame, students_in_scope
from core.rules.activity import CAMPAIGN_WORK, TALK
from core.rules.facts import KEPT, ctes, refresh_students
from core.rules.facts import NOW as NOW_CTE
from core.rules.timing import THANK_YOU_WINDOW_HOURS
from core.store.db import get_database

COMPARED = ["targets", "researched", "outreach_sent", "interviews", "thanked", "reflections", "referrals",
            "overdue_thank_yous", "meetings_without_reflection", "last_activity_at"]


def load_frames(db) -> dict[str, pd.DataFrame]:
    """Whole tables as pandas frames, as a cached-pandas portal keeps them."""
    columns = {
        "users": "id, role, active",
        "cohort_members": "student_id, cohort_id",
        "cohorts": "id, thank_you_window_hours",
        "contacts": "id, student_id, archived_at, referred_by_contact_id",
        "research_notes": "contact_id, student_id, about_person, about_organization, about_field, links",
        "planned_questions": "contact_id, student_id",
        "outreach_messages": "contact_id, student_id, sent_at",
        "meetings": "id, contact_id, student_id, status, held_at, thank_you_window_hours",
        "thank_yous": "contact_id, student_id, meeting_id, kind, sent_at",
        "reflections": "meeting_id, student_id",
        "events": "student_id, actor_id, occurred_at, entity_type, action",
    }
    with db.cursor() as cur:
        return {t: cur.execute(f"SELECT {c} FROM {t}").df() for t, c in columns.items()}


def pandas_figures(f: dict[str, pd.DataFrame], now) -> pd.DataFrame:
    """Every active student's figures, computed the cached-pandas way."""
    users = f["users"]
    students = f["cohort_members"].merge(users[(users.role == "student") & users.active][["id"]],
                                         left_on="student_id", right_on="id")[["student_id", "cohort_id"]]
    out = students.set_index("student_id")
    c = f["contacts"]
    out["targets"] = c[c.archived_at.isna()].groupby("student_id").size()
    out["referrals"] = c[c.referred_by_contact_id.notna()].groupby("student_id").size()
    rn = f["research_notes"]
    written = rn[(rn.about_person != "") | (rn.about_organization != "") | (rn.about_field != "") | (rn.links != "")]
    researched = pd.concat([written[["student_id", "contact_id"]],
                            f["planned_questions"][["student_id", "contact_id"]]])
    out["researched"] = researched.drop_duplicates().groupby("student_id").size()
    om = f["outreach_messages"]
    out["outreach_sent"] = (om[om.sent_at.notna()][["student_id", "contact_id"]].drop_duplicates()
                            .groupby("student_id").size())
    m = f["meetings"]
    held = m[m.status == "held"]
    out["interviews"] = held.groupby("student_id").size()
    reflected = set(f["reflections"].meeting_id)
    out["meetings_without_reflection"] = held[~held.id.isin(reflected)].groupby("student_id").size()
    t = f["thank_yous"]
    sent = t[(t.kind == "interview") & t.sent_at.notna()]
    out["thanked"] = sent.groupby("student_id").size()
    out["reflections"] = f["reflections"].groupby("student_id").size()
    by_meeting = sent[sent.meeting_id.notna()].groupby("meeting_id").sent_at.min()
    by_contact = sent[sent.meeting_id.isna()].groupby("contact_id").sent_at.min()
    window = held.merge(f["cohort_members"], on="student_id", how="left").merge(
        f["cohorts"], left_on="cohort_id", right_on="id", how="left", suffixes=("", "_cohort"))
    # The window in force when the meeting was held, else the cohort's, else the default.
    hours = window.thank_you_window_hours.fillna(window.thank_you_window_hours_cohort).fillna(THANK_YOU_WINDOW_HOURS)
    due = window.held_at + pd.to_timedelta(hours, unit="h")
    thanked = window.id.isin(by_meeting.index) | window.contact_id.isin(by_contact.index)
    archived = window.contact_id.isin(c[c.archived_at.notna()].id)
    overdue = window[~thanked & ~archived & (pd.Timestamp(now) > due)]
    out["overdue_thank_yous"] = overdue.groupby("student_id").size()
    e = f["events"]
    work = e.entity_type.isin(list(CAMPAIGN_WORK)) & ~e.action.isin(list(TALK))  # core/rules/activity.py
    own = e[(e.actor_id == e.student_id) & work & (e.occurred_at <= pd.Timestamp(now))]
    out["last_activity_at"] = own.groupby("student_id").occurred_at.max()
    counts = [name for name in COMPARED if name != "last_activity_at"]
    out[counts] = out[counts].fillna(0).astype("int64")
    return out.drop(columns="cohort_id").sort_index()


def _normal(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame.index = frame.index.astype("int64")
    for name in COMPARED:
        frame[name] = frame[name].astype("datetime64[ns]" if name == "last_activity_at" else "int64")
    return frame


def main() -> None:
    """For each size: the figures by SQL and by pandas, checked equal, timed side by side."""
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "10000").split(",")]
    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as tmp:
        for n in sizes:
            path = Path(tmp) / f"institution-{n}.duckdb"
            build(path, students=n, cohorts=max(1, n // 250))
            db = get_database(path)
            admin = load_actor(db, user_id_for_username(db, BENCH_ADMIN))
            frames = load_frames(db)
            scope, scope_params = students_in_scope(admin, None)
            sql = f"WITH {NOW_CTE}, sc AS (SELECT student_id FROM ({scope}) AS v){ctes(KEPT)} SELECT * FROM figures"
            params = [NOW, *scope_params]

            def sql_frame() -> pd.DataFrame:
                with db.cursor() as cur:
                    return cur.sql(sql, params=params).to_arrow_table().to_pandas()

            by_sql = sql_frame().set_index("student_id").sort_index()[COMPARED]
            by_pandas = pandas_figures(frames, NOW)[COMPARED]
            pd.testing.assert_frame_equal(_normal(by_sql), _normal(by_pandas), check_names=False)
            board = dashboard_frame(db, admin, now=NOW).set_index("student_id").sort_index()[COMPARED]
            pd.testing.assert_frame_equal(_normal(board), _normal(by_pandas), check_names=False)
            student = int(by_sql.index[len(by_sql) // 2])

            many = [int(i) for i in by_sql.index[:: max(1, len(by_sql) // 50)][:50]]

            def refresh(students: list[int]) -> None:
                with db.cursor() as cur:
                    cur.execute("BEGIN TRANSACTION")
                    refresh_students(cur, students)
                    cur.execute("ROLLBACK")

            runs = 7 if n <= 10_000 else 3
            t_sql = median_time(sql_frame, runs)
            t_frame = median_time(lambda: dashboard_frame(db, admin, now=NOW), runs)
            t_rows = median_time(lambda: cohort_dashboard(db, admin, now=NOW), runs)
            t_pandas = median_time(lambda: pandas_figures(frames, NOW), runs)
            t_refresh = median_time(lambda: refresh([student]), runs)
            t_refresh_many = median_time(lambda: refresh(many), runs)
            print(f"{n:,} students, every cohort (the career office's scope); same figures for all "
                  f"{len(by_sql):,} students by SQL, by the dashboard's table and by pandas")
            print(f"  pandas, frames cached           {t_pandas:7.3f} s")
            print(f"  figures by SQL, to a frame      {t_sql:7.3f} s   "
                  f"pandas / SQL: {t_pandas / t_sql:5.1f}× (goal >= 2)")
            print(f"  dashboard table (Arrow frame)   {t_frame:7.3f} s   pandas / table: {t_pandas / t_frame:5.1f}×"
                  "  (adds names, goals, flags, order)")
            print(f"  dashboard rows as dictionaries  {t_rows:7.3f} s")
            print(f"  settling one student's kept figures: {t_refresh * 1000:6.1f} ms; "
                  f"{len(many)} students' at once: {t_refresh_many * 1000:6.1f} ms")
            db.close()


if __name__ == "__main__":
    main()
