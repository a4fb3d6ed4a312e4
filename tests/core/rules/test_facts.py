"""Kept figures written late, read settled (core/rules/facts.py mark_stale and settle): a save marks its
student instead of recomputing their figures, and every path that reads the kept figures settles
first, so each still shows every committed save. On both stores."""

from __future__ import annotations

import csv
import io
import threading
from datetime import date

import pytest

from core.rules import facts
from core.admin.cohorts import add_goal
from core.campaign.contacts import create_contact
from core.oversight.dashboard import cohort_dashboard, cohort_summary, dashboard_frame, goal_standings
from core.store.db import rows, scalar
from core.oversight.export import export_bytes
from core.models import ContactCreate, GoalCreate, GoalMetric
from core.oversight.progress import goal_progress
from tests.conftest import NOW


def _stale(db) -> list[int]:
    with db.cursor() as cur:
        return sorted(r[0] for r in cur.execute("SELECT student_id FROM figures_stale").fetchall())


def _kept_targets(db, student_id: int) -> int | None:
    with db.cursor() as cur:
        return scalar(cur, "SELECT targets FROM student_figures WHERE student_id = ?", [student_id])


def _add(db, student, name: str):
    return create_contact(db, student, ContactCreate(first_name=name, last_name="Kept", organization="Late"), now=NOW)


def test_a_save_marks_its_student_instead_of_recomputing_and_a_settle_catches_up(world):
    db, alice = world.db, world.alice
    facts.settle(db)
    before = _kept_targets(db, alice.user_id) or 0
    _add(db, alice, "Ana")
    _add(db, alice, "Ben")
    assert _stale(db) == [alice.user_id, alice.user_id]  # one row per save, the figures untouched
    assert (_kept_targets(db, alice.user_id) or 0) == before
    assert facts.settle(db) == 1  # one student recomputed, however many saves
    assert _stale(db) == []
    assert _kept_targets(db, alice.user_id) == before + 2
    assert facts.settle(db) == 0  # nothing waiting: no write at all


def _targets_through(path: str, world) -> int:
    """Alice's targets as each path that reads the kept figures shows them, with no settle of our own."""
    db, alice, counselor = world.db, world.alice, world.counselor_x
    if path == "dashboard":
        return next(r["targets"] for r in cohort_dashboard(db, counselor, cohort_id=world.cohort_x, now=NOW)
                    if r["student_id"] == alice.user_id)
    if path == "student row":
        return cohort_dashboard(db, counselor, cohort_id=world.cohort_x, student_id=alice.user_id, now=NOW)[0]["targets"]
    if path == "frame":
        frame = dashboard_frame(db, counselor, cohort_id=world.cohort_x, now=NOW)
        return int(frame.loc[frame["student_id"] == alice.user_id, "targets"].iloc[0])
    if path == "standings":
        return next(int(r["current"]) for r in goal_standings(db, counselor, world.cohort_x, now=NOW)
                    if r["student_id"] == alice.user_id)
    if path == "own goals":
        return int(goal_progress(db, alice, alice.user_id, now=NOW)[0]["current"])
    if path == "progress export":
        exported = csv.DictReader(io.StringIO(export_bytes(db, counselor, "progress", cohort_id=world.cohort_x,
                                                           now=NOW).decode("utf-8-sig")))
        return next(int(r["targets"]) for r in exported if int(r["student_id"]) == alice.user_id)
    raise AssertionError(path)


@pytest.mark.parametrize("path", ["dashboard", "student row", "frame", "standings", "own goals", "progress export"])
def test_every_reader_of_the_kept_figures_sees_the_save_just_made(world, path):
    db, alice = world.db, world.alice
    add_goal(db, world.counselor_x, world.cohort_x,
             GoalCreate(metric=GoalMetric.TARGETS, target_count=5, due_on=date(2026, 4, 30)), now=NOW)
    before = _targets_through(path, world)
    _add(db, alice, "Cy")
    assert _stale(db), "the save left its student marked"
    assert _targets_through(path, world) == before + 1
    assert alice.user_id not in _stale(db)


def test_the_career_office_summary_settles_first(world):
    db = world.db
    _add(db, world.alice, "Di")
    frame = cohort_summary(db, world.admin, now=NOW)
    assert _stale(db) == []
    with db.cursor() as cur:
        kept = scalar(cur, """SELECT sum(k.targets) FROM student_figures k JOIN cohort_members m
                              ON m.student_id = k.student_id WHERE m.cohort_id = ?""", [world.cohort_x])
    assert kept == 1
    assert int(frame.loc[frame["cohort_id"] == world.cohort_x, "students"].iloc[0]) == 2


def test_settling_one_student_leaves_the_others_waiting(world):
    db, alice, yara = world.db, world.alice, world.yara
    facts.settle(db)
    _add(db, alice, "Ed")
    _add(db, yara, "Flo")
    goal_progress(db, yara, yara.user_id, now=NOW)  # the student's own Home settles that student only
    assert _stale(db) == [alice.user_id]
    assert _kept_targets(db, yara.user_id) == 1
    assert (_kept_targets(db, alice.user_id) or 0) == 0
    assert facts.settle(db, alice.user_id) == 1 and _stale(db) == []


def test_a_save_committed_while_a_settle_runs_stays_marked_for_the_next(world, monkeypatch):
    """The settle's snapshot does not see a save that commits after it began: that save's mark is not
    deleted with the ones the settle saw, and the next settle counts it."""
    db, alice = world.db, world.alice
    facts.settle(db)
    _add(db, alice, "Gus")
    real_refresh = facts.refresh_students
    saved = threading.Event()

    def refresh_while_saving(cur, students):
        if not saved.is_set():
            worker = threading.Thread(target=lambda: (_add(db, alice, "Hal"), saved.set()))
            worker.start()
            worker.join(30)
            assert saved.is_set(), "the concurrent save did not commit"
        real_refresh(cur, students)

    monkeypatch.setattr(facts, "refresh_students", refresh_while_saving)
    assert facts.settle(db) == 1
    monkeypatch.setattr(facts, "refresh_students", real_refresh)
    assert _stale(db) == [alice.user_id], "the later save's mark survived"
    assert _kept_targets(db, alice.user_id) == 1, "the settle counted what its snapshot saw"
    assert facts.settle(db) == 1
    assert _kept_targets(db, alice.user_id) == 2 and _stale(db) == []


def test_rebuilding_every_figure_leaves_nothing_waiting(world):
    from core.store.migrate import rebuild_kept_figures

    db = world.db
    _add(db, world.alice, "Ivy")
    assert _stale(db)
    rebuild_kept_figures(db)
    assert _stale(db) == []
    with db.cursor() as cur:
        assert rows(cur, "SELECT targets FROM student_figures WHERE student_id = ?",
                    [world.alice.user_id]) == [{"targets": 1}]


def test_the_scheduled_job_settles_everyone_even_students_no_dashboard_reads(world):
    from core.messaging import jobs
    from core.config import Settings
    from core.models import Role
    from tests.conftest import make_user

    db = world.db
    loner = make_user(db, "loner", Role.STUDENT)  # in no cohort: no dashboard reads them
    facts.settle(db)
    _add(db, loner, "Jo")
    cohort_dashboard(db, world.admin, now=NOW)
    assert _stale(db) == [loner.user_id]
    run = jobs.run_job(db, "figures", runner="test", now=NOW, settings=Settings())
    assert run["status"] == "ok" and run["summary"] == "1 student's figures brought up to date"
    assert _stale(db) == [] and _kept_targets(db, loner.user_id) == 1
