"""One definition per rule (core/rules/facts.py): every figure of every demo student, computed through each
path that shows it, is the same: the student's Home and to-do list, the counselor's dashboard, goal
pacing, the per-student metrics and the three exports."""

from __future__ import annotations

import csv
import io
from collections import Counter

import pytest

from core.campaign.contacts import list_contacts, stage_counts
from core.campaign.thanks import thank_you_status
from core.campaign.todo import todo_list
from core.clock import utcnow
from core.identity.accounts import load_actor, user_id_for_username
from core.oversight.dashboard import cohort_dashboard, goal_standings
from core.oversight.export import export_bytes
from core.oversight.progress import goal_progress
from core.rules.facts import FIGURE_NAMES
from core.store.db import Database, rows
from tests.figures import metrics_for_student, student_metrics


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
    """student_activity is kept on write; it must say what the event log says by the one definition of
    activity (core/rules/activity.py), after the demo's thousands of writes, after a sign-in, and after a
    LinkedIn import (which writes its events in bulk)."""
    from core.campaign.linkedin_import import import_connections, parse_connections
    from core.identity.accounts import record_login_attempt
    from core.rules.activity import LATEST_CAMPAIGN_WORK

    def both():
        with demo.cursor() as cur:
            kept = dict(cur.execute("SELECT student_id, last_activity_at FROM student_activity").fetchall())
            logged = dict(cur.execute(LATEST_CAMPAIGN_WORK).fetchall())
        return kept, logged

    kept, logged = both()
    assert kept == logged and len(kept) >= 20
    student = load_actor(demo, user_id_for_username(demo, "student01"))
    record_login_attempt(demo, username="student12", address=None, succeeded=True)
    assert both()[0] == kept
    later = utcnow()
    csv_text = ("First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
                "Ana,Lee,https://www.linkedin.com/in/ana-lee-bulk,,County Health,Epidemiologist,12 Mar 2024\n")
    import_connections(demo, student, parse_connections(csv_text.encode()), now=later)
    kept, logged = both()
    assert kept == logged and kept[student.user_id] == later


def _kept(db: Database) -> tuple[list[dict], list[dict]]:
    from core.rules.facts import settle

    settle(db)  # what every reader of the kept figures does first
    with db.cursor() as cur:
        return (rows(cur, "SELECT * FROM student_figures ORDER BY student_id"),
                rows(cur, "SELECT * FROM thank_yous_owed ORDER BY meeting_id"))


def _rebuilt(db: Database) -> tuple[list[dict], list[dict]]:
    from core.rules.facts import refresh_everyone

    def work(cur):
        cur.execute("DELETE FROM student_figures")
        cur.execute("DELETE FROM thank_yous_owed")
        refresh_everyone(cur)

    db.transaction(work)
    return _kept(db)


def test_the_figures_kept_on_write_are_the_records_figures_after_every_kind_of_change(demo):
    """Whatever wrote last (a student's pipeline step, an undo, an archive, a cohort's thank-you
    window, a move to another cohort), the kept figures equal figures recomputed from the records,
    and the dashboard for all time reads them."""
    from datetime import timedelta

    from core.admin.cohorts import add_student, list_cohorts, update_cohort
    from core.campaign.contacts import create_contact, set_archived
    from core.campaign.meetings import log_meeting, schedule_meeting
    from core.campaign.reflections import save_reflection
    from core.campaign.thanks import save_thank_you
    from core.models import CohortUpdate, ContactCreate, MeetingCreate, MeetingLog, ReflectionCreate, ThankYouCreate

    now = utcnow()
    admin = load_actor(demo, user_id_for_username(demo, "admin"))
    assert _kept(demo) == _rebuilt(demo)
    student = load_actor(demo, user_id_for_username(demo, "student07"))
    with demo.cursor() as cur:
        owed_before = rows(cur, """SELECT t.contact_id, t.due_at < ? AS overdue FROM thank_you_status t
                                   JOIN contacts c ON c.id = t.contact_id
                                   WHERE t.student_id = ? AND t.sent_at IS NULL AND c.archived_at IS NULL""",
                           [now, student.user_id])

    # A whole new conversation: added, met, not yet thanked (owed), then thanked and reflected on.
    contact = create_contact(demo, student, ContactCreate(first_name="Kept", last_name="Figures", organization="Test"))
    meeting = schedule_meeting(demo, student, contact.id, MeetingCreate(
        starts_at_local=(now - timedelta(days=3)).replace(tzinfo=None), timezone="UTC", mode="video"))
    log_meeting(demo, student, meeting, MeetingLog(insights="Learned a lot"), held_at=now - timedelta(days=3))
    assert _kept(demo) == _rebuilt(demo)
    row = cohort_dashboard(demo, admin, student_id=student.user_id, now=now)[0]
    assert row["overdue_thank_yous"] == sum(1 for r in owed_before if r["overdue"]) + 1
    save_thank_you(demo, student, contact.id, ThankYouCreate(body="Thank you"), meeting_id=meeting, send=True)
    save_reflection(demo, student, meeting, ReflectionCreate(feelings="Energised"))
    assert _kept(demo) == _rebuilt(demo)

    # Archiving a person takes their owed thank-yous off; restoring puts them back.
    owed = next((r for r in owed_before), None)
    if owed is not None:
        set_archived(demo, student, owed["contact_id"], True)
        assert _kept(demo) == _rebuilt(demo)
        set_archived(demo, student, owed["contact_id"], False)
    assert _kept(demo) == _rebuilt(demo)

    # A cohort's thank-you window moves every owed thank-you of its members; a move to another
    # cohort moves the student's.
    cohorts = list_cohorts(demo, admin)
    mine = next(c for c in cohorts if c["id"] == row["cohort_id"])
    update_cohort(demo, admin, mine["id"], CohortUpdate(thank_you_window_hours=240))
    assert _kept(demo) == _rebuilt(demo)
    other = next((c for c in cohorts if c["id"] != mine["id"]), None)
    if other is not None:
        add_student(demo, admin, other["id"], student.user_id)
        assert _kept(demo) == _rebuilt(demo)

    # The dashboard for all time (kept) and for an explicit all-time period (counted) agree.
    from datetime import date

    from core.oversight.dashboard import dashboard_query

    kept = {r["student_id"]: r for r in cohort_dashboard(demo, admin, now=now)}
    with demo.cursor() as cur:
        sql, params = dashboard_query(cur, admin, cohort_id=None, since=date(1900, 1, 1), until=date(9999, 12, 31),
                                      now=now)
        counted = {r["student_id"]: r for r in rows(cur, sql, params)}
    names = [*FIGURE_NAMES, "overdue_thank_yous", "meetings_without_reflection", "last_activity_at"]
    assert {i: [r[n] for n in names] for i, r in kept.items()} == \
        {i: [r[n] for n in names] for i, r in counted.items()}


def test_one_student_queries_write_the_scope_as_the_students_integer_id_only():
    from core.rules.facts import ONE_STUDENT, PROGRESS, ctes, for_one_student

    sql = for_one_student(f"WITH {ONE_STUDENT}{ctes(PROGRESS)} SELECT * FROM progress", 42)
    assert "IN (SELECT student_id FROM sc)" not in sql and "student_id = 42" in sql
    with pytest.raises(ValueError):
        for_one_student(sql, "42 OR true")
