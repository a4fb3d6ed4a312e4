"""Kept figures written late, read settled (core/rules/facts.py mark_stale and settle): a save marks its
student instead of recomputing their figures, and every path that reads the kept figures settles
first, so each still shows every committed save. On both stores."""

from __future__ import annotations

import csv
import io
import threading
from datetime import date, timedelta

import pytest

from core.admin.cohorts import add_goal
from core.campaign import contacts, keep_in_touch, meetings, outreach, reflections, research, thanks
from core.campaign.contacts import create_contact
from core.errors import MeetingError
from core.models import (
    Channel,
    ContactCreate,
    FollowUpCreate,
    FollowUpKind,
    GoalCreate,
    GoalMetric,
    MeetingCreate,
    MeetingLog,
    MeetingMode,
    OutreachCreate,
    PlannedQuestionCreate,
    ReflectionCreate,
    Reply,
    ResearchUpdate,
    Stage,
    ThankYouCreate,
)
from core.oversight.dashboard import cohort_dashboard, dashboard_frame, goal_standings
from core.oversight.export import export_bytes
from core.oversight.progress import goal_progress
from core.rules import facts
from core.store.db import rows, scalar
from tests.campaign_helpers import _contact
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
        return cohort_dashboard(db, counselor, cohort_id=world.cohort_x, student_id=alice.user_id,
                                now=NOW)[0]["targets"]
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
    from core.config import Settings
    from core.messaging import jobs
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


def _stage(world, cid):
    c = contacts.get_contact(world.db, world.alice, cid)
    return c.stage, c.stage_at


def test_stage_follows_each_stored_fact_with_its_timestamp(world):
    a, db = world.alice, world.db
    cid = _contact(world)
    t = NOW - timedelta(days=10)
    assert _stage(world, cid) == (Stage.TARGET, t)
    # Empty research notes are not research.
    research.save_research(db, a, cid, ResearchUpdate(), now=NOW - timedelta(days=9))
    assert _stage(world, cid)[0] == Stage.TARGET
    research.add_planned_question(db, a, cid, PlannedQuestionCreate(text="How did you start?"),
                                  now=NOW - timedelta(days=8))
    assert _stage(world, cid) == (Stage.RESEARCH, NOW - timedelta(days=8))
    # A draft is not outreach; sending it is.
    msg = outreach.create_draft(db, a, cid, OutreachCreate(channel=Channel.EMAIL, body="Hi"),
                                now=NOW - timedelta(days=7))
    assert _stage(world, cid)[0] == Stage.RESEARCH
    outreach.mark_sent(db, a, msg, channel=Channel.EMAIL, sent_at=NOW - timedelta(days=6), now=NOW)
    assert _stage(world, cid) == (Stage.OUTREACH, NOW - timedelta(days=6))
    # A scheduled meeting is not an interview; a held one is.
    mid = meetings.schedule_meeting(db, a, cid, MeetingCreate(starts_at_local=NOW - timedelta(days=3), timezone="UTC",
                                                            mode=MeetingMode.VIDEO), now=NOW - timedelta(days=5))
    assert _stage(world, cid)[0] == Stage.OUTREACH
    meetings.log_meeting(db, a, mid, MeetingLog(), held_at=NOW - timedelta(days=3), now=NOW)
    assert _stage(world, cid) == (Stage.INTERVIEW, NOW - timedelta(days=3))
    ty = thanks.create_thank_you(db, a, cid, ThankYouCreate(body="Thank you"), meeting_id=mid, now=NOW)
    assert _stage(world, cid)[0] == Stage.INTERVIEW
    thanks.mark_thank_you_sent(db, a, ty, sent_at=NOW - timedelta(days=2), now=NOW)
    assert _stage(world, cid) == (Stage.THANK, NOW - timedelta(days=2))
    reflections.save_reflection(db, a, mid, ReflectionCreate(feelings="Glad"), now=NOW - timedelta(days=1))
    assert _stage(world, cid) == (Stage.REFLECT, NOW - timedelta(days=1))
    keep_in_touch.add_follow_up(db, a, cid, FollowUpCreate(kind=FollowUpKind.NEWS, body="News"), sent_at=NOW, now=NOW)
    assert _stage(world, cid) == (Stage.KEEP_IN_TOUCH, NOW)


def stage_of(db, actor, contact_id):
    c = contacts.get_contact(db, actor, contact_id)
    return c.stage, c.stage_at


def test_each_step_moves_the_stage_and_records_when(world):
    db, alice = world.db, world.alice
    t = lambda h: NOW + timedelta(hours=h)  # noqa: E731
    c = contacts.create_contact(db, alice, ContactCreate(first_name="Rita", organization="Acme"), now=t(0))
    assert stage_of(db, alice, c.id) == (Stage.TARGET, t(0))

    research.save_research(db, alice, c.id, ResearchUpdate(), now=t(1))
    assert stage_of(db, alice, c.id)[0] == Stage.TARGET, "empty notes are not research"
    research.add_planned_question(db, alice, c.id, PlannedQuestionCreate(text="How did you start?"), now=t(2))
    assert stage_of(db, alice, c.id) == (Stage.RESEARCH, t(2))

    msg = outreach.create_draft(db, alice, c.id, OutreachCreate(channel=Channel.EMAIL, body="Hello"), now=t(3))
    assert stage_of(db, alice, c.id)[0] == Stage.RESEARCH, "a draft is not outreach"
    outreach.mark_sent(db, alice, msg, channel=Channel.EMAIL, sent_at=t(4), now=t(4))
    assert stage_of(db, alice, c.id) == (Stage.OUTREACH, t(4))
    outreach.record_reply(db, alice, msg, Reply.ACCEPTED, now=t(5))

    m = meetings.schedule_meeting(db, alice, c.id, MeetingCreate(
        starts_at_local=t(30), timezone="UTC", mode=MeetingMode.VIDEO), now=t(6))
    assert stage_of(db, alice, c.id)[0] == Stage.OUTREACH, "a scheduled meeting is not an interview yet"
    with pytest.raises(MeetingError):
        meetings.log_meeting(db, alice, m, MeetingLog(), held_at=t(30), now=t(7))
    meetings.log_meeting(db, alice, m, MeetingLog(insights="People first"), now=t(31))
    assert stage_of(db, alice, c.id) == (Stage.INTERVIEW, t(30))

    ty = thanks.create_thank_you(db, alice, c.id, ThankYouCreate(body="Thank you"), meeting_id=m, now=t(32))
    assert stage_of(db, alice, c.id)[0] == Stage.INTERVIEW, "an unsent thank-you does not count"
    thanks.mark_thank_you_sent(db, alice, ty, now=t(33))
    assert stage_of(db, alice, c.id) == (Stage.THANK, t(33))

    reflections.save_reflection(db, alice, m, ReflectionCreate(feelings="Good", fit_rating=4), now=t(34))
    assert stage_of(db, alice, c.id) == (Stage.REFLECT, t(34))

    keep_in_touch.add_follow_up(db, alice, c.id, FollowUpCreate(kind=FollowUpKind.NEWS, body="News"),
                                sent_at=t(200), now=t(200))
    assert stage_of(db, alice, c.id) == (Stage.KEEP_IN_TOUCH, t(200))

    with db.cursor() as cur:
        progress = rows(cur, "SELECT * FROM contact_progress WHERE contact_id = ?", [c.id])[0]
    assert [progress[k] for k in ("target_at", "research_at", "outreach_at", "interview_at", "thank_at",
                                  "reflect_at", "keep_in_touch_at")] == [t(0), t(2), t(4), t(30), t(33), t(34), t(200)]
