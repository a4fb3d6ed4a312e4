"""One definition per rule (core/facts.py): every figure of every demo student, computed through each
path that shows it, is the same: the student's Home and to-do list, the counselor's dashboard, goal
pacing, the per-student metrics and the three exports."""

from __future__ import annotations

import csv
import io
from collections import Counter

import pytest

from core.accounts import load_actor, user_id_for_username
from core.clock import utcnow
from core.contacts import list_contacts, stage_counts
from core.dashboard import cohort_dashboard, goal_standings
from core.db import Database, rows
from core.export import export_bytes
from core.facts import FIGURE_NAMES
from core.progress import goal_progress, metrics_for_student, student_metrics
from core.thanks import thank_you_status
from core.todo import todo_list


@pytest.fixture
def demo(demo_copy):
    db = Database(demo_copy)
    yield db
    db.close()


def _csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_every_figure_of_every_demo_student_is_the_same_through_every_path(demo):
    now = utcnow()
    admin = load_actor(demo, user_id_for_username(demo, "admin"))
    board = {r["student_id"]: r for r in cohort_dashboard(demo, admin, now=now)}
    metrics = student_metrics(demo, admin, now=now)
    exported = {int(r["student_id"]): r for r in _csv(export_bytes(demo, admin, "progress", now=now))}
    pipeline = _csv(export_bytes(demo, admin, "pipeline", now=now))
    assert len(board) == 24 and set(board) == set(metrics) == set(exported)

    checked = Counter()
    for student_id, row in board.items():
        student = load_actor(demo, student_id)
        own = metrics_for_student_as(demo, student_id, now)
        for name in FIGURE_NAMES:
            assert row[name] == metrics[student_id][name] == own[name] == int(exported[student_id][name]), \
                (student_id, name)
            checked["figures"] += 1
        assert int(exported[student_id]["overdue_thank_yous"]) == row["overdue_thank_yous"]
        # The counselor's student page reads the same row for that student alone.
        assert cohort_dashboard(demo, admin, student_id=student_id, now=now) == [row]

        # The student's Home: stage counts of active contacts, the to-do list's late thank-yous, goals.
        counts = stage_counts(demo, student)
        assert sum(counts.values()) == row["targets"]
        contacts = list_contacts(demo, student)
        assert Counter(c["stage"] for c in contacts) == Counter({k: v for k, v in counts.items() if v})
        late = [t for t in todo_list(demo, student, now=now) if t.kind == "thank_you" and t.urgency == "overdue"]
        assert len(late) == row["overdue_thank_yous"], student_id
        statuses = [s for c in contacts for s in thank_you_status(demo, student, c["id"], now=now)]
        assert sum(s["overdue"] for s in statuses) == row["overdue_thank_yous"]
        checked["students"] += 1

        mine = {g["goal_id"]: (g["current"], g["expected_now"], g["status"])
                for g in goal_progress(demo, student, student_id, now=now)}
        cohort = {g["goal_id"]: (g["current"], g["expected_now"], g["status"])
                  for g in goal_standings(demo, admin, row["cohort_id"], now=now) if g["student_id"] == student_id}
        assert mine == cohort and len(mine) == row["goals_total"]
        assert sum(1 for v in mine.values() if v[2] == "met") == row["goals_met"]

        # The pipeline export: one row per contact, the same stage and late thank-you as the student sees.
        theirs = {int(r["contact_id"]): r for r in pipeline if int(r["student_id"]) == student_id}
        every = list_contacts(demo, student, include_archived=True)
        assert set(theirs) == {c["id"] for c in every}
        for c in every:
            assert theirs[c["id"]]["stage"] == c["stage"]
            overdue = any(s["overdue"] for s in thank_you_status(demo, student, c["id"], now=now))
            assert theirs[c["id"]]["thank_you_overdue"] == ("true" if overdue else "false")
    assert checked["students"] == 24 and checked["figures"] == 24 * len(FIGURE_NAMES)
    # The demo is built to show each flag: the comparison above is not over zeros only.
    assert sum(r["overdue_thank_yous"] for r in board.values()) >= 2
    assert sum(r["interviews"] for r in board.values()) >= 5


def metrics_for_student_as(db: Database, student_id: int, now) -> dict[str, int]:
    with db.cursor() as cur:
        return metrics_for_student(cur, student_id, now=now)


def test_the_views_for_ad_hoc_sql_hold_the_same_stages_as_the_portal(demo):
    with demo.cursor() as cur:
        view = {r["contact_id"]: r["stage"] for r in rows(cur, "SELECT contact_id, stage FROM contact_progress")}
    admin = load_actor(demo, user_id_for_username(demo, "admin"))
    for row in cohort_dashboard(demo, admin):
        for c in list_contacts(demo, load_actor(demo, row["student_id"]), include_archived=True):
            assert view[c["id"]] == c["stage"]


def test_the_latest_action_kept_per_student_is_the_event_logs(demo):
    """student_activity is kept on write; it must say what the event log says, after the demo's
    thousands of writes and after a LinkedIn import (which writes its events in bulk)."""
    from core.linkedin_import import import_connections, parse_connections

    def both():
        with demo.cursor() as cur:
            kept = dict(cur.execute("SELECT student_id, last_activity_at FROM student_activity").fetchall())
            logged = dict(cur.execute("""SELECT student_id, max(occurred_at) FROM events
                                         WHERE actor_id = student_id GROUP BY student_id""").fetchall())
        return kept, logged

    kept, logged = both()
    assert kept == logged and len(kept) >= 20
    student = load_actor(demo, user_id_for_username(demo, "student01"))
    later = utcnow()
    csv_text = ("First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
                "Ana,Lee,https://www.linkedin.com/in/ana-lee-bulk,,County Health,Epidemiologist,12 Mar 2024\n")
    import_connections(demo, student, parse_connections(csv_text.encode()), now=later)
    kept, logged = both()
    assert kept == logged and kept[student.user_id] == later
