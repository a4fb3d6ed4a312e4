"""Cohort administration: rename, term dates, archive, counselors and goals, versioned with stale edits
refused; a cohort always has its term; only admins administer (core/admin/cohorts.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.admin import cohorts
from core.admin.cohorts import list_cohorts
from core.errors import AccessDenied, CohortError, NotFound
from core.models import CohortUpdate
from core.store.db import scalar
from tests.conftest import NOW


def _cohort_events(db, cohort_id):
    with db.cursor() as cur:
        return [r for r in cur.execute("SELECT action, actor_id FROM events WHERE entity_type = 'cohort' "
                                       "AND entity_id = ? ORDER BY id", [cohort_id]).fetchall()]


def scalar_count(db, sql: str) -> int:
    with db.cursor() as cur:
        return scalar(cur, sql)


# ---------------------------------------------------------------- cohorts


def test_rename_term_archive_and_unassign(world):
    db, admin = world.db, world.admin
    cohorts.update_cohort(db, admin, world.cohort_x, CohortUpdate(name="Cohort X, Spring"), now=NOW)
    with pytest.raises(CohortError, match="already exists"):
        cohorts.update_cohort(db, admin, world.cohort_y, CohortUpdate(name="cohort x, spring"), now=NOW)
    cohort = cohorts.update_cohort(db, admin, world.cohort_x,
                                   CohortUpdate(term_start=date(2026, 1, 12), term_end=date(2026, 5, 1)), now=NOW)
    assert (cohort.name, cohort.term_start, cohort.term_end) == ("Cohort X, Spring", date(2026, 1, 12),
                                                                 date(2026, 5, 1))
    with pytest.raises(CohortError, match="end before it starts"):
        cohorts.update_cohort(db, admin, world.cohort_x,
                              CohortUpdate(term_start=date(2026, 6, 1), term_end=date(2026, 5, 1)), now=NOW)

    assert cohorts.unassign_counselor(db, admin, world.cohort_x, world.counselor_x.user_id, now=NOW) is True
    assert cohorts.unassign_counselor(db, admin, world.cohort_x, world.counselor_x.user_id, now=NOW) is False
    assert list_cohorts(db, world.counselor_x) == []  # the counselor no longer sees the cohort

    cohorts.set_archived(db, admin, world.cohort_y, True, now=NOW)
    assert [c["name"] for c in list_cohorts(db, admin)] == ["Cohort X, Spring"]
    assert [c["name"] for c in cohorts.all_cohorts(db, admin)] == ["Cohort X, Spring", "Cohort Y"]
    cohorts.set_archived(db, admin, world.cohort_y, False, now=NOW)
    assert len(list_cohorts(db, admin)) == 2
    with db.cursor() as cur:
        assert scalar(cur, "SELECT string_agg(action, ',' ORDER BY id) FROM events WHERE entity_type = 'cohort' "
                           "AND entity_id = ? AND occurred_at = ? AND action <> 'roster_imported'",
                      [world.cohort_y, NOW]).endswith("archived,unarchived")


def test_cohort_settings_are_versioned_and_a_stale_edit_shows_the_other_change(world):
    from core.admin.cohorts import get_cohort, update_cohort
    from core.errors import StaleEdit
    from core.models import CohortUpdate

    db, admin = world.db, world.admin
    opened = get_cohort(db, admin, world.cohort_x)
    assert opened.version == 1
    update_cohort(db, world.counselor_x, world.cohort_x, CohortUpdate(stalled_after_days=21), expected_version=1,
                  now=NOW)
    with pytest.raises(StaleEdit) as refused:
        update_cohort(db, admin, world.cohort_x, CohortUpdate(name="Cohort X renamed"), expected_version=1,
                      original=opened.model_dump(), now=NOW)
    assert refused.value.changed == ["stalled_after_days"]
    assert refused.value.current["stalled_after_days"] == 21
    assert get_cohort(db, admin, world.cohort_x).name == "Cohort X"
    saved = update_cohort(db, admin, world.cohort_x, CohortUpdate(name="Cohort X renamed"), expected_version=2, now=NOW)
    assert (saved.name, saved.version, saved.stalled_after_days) == ("Cohort X renamed", 3, 21)
    assert _cohort_events(db, world.cohort_x)[-2:] == [("updated", world.counselor_x.user_id),
                                                        ("updated", admin.user_id)]


def test_a_cohort_term_can_change_but_not_be_removed(world):
    from pydantic import ValidationError

    from core.admin.cohorts import update_cohort
    from core.models import CohortCreate, CohortUpdate

    db, admin = world.db, world.admin
    cohorts.update_cohort(db, admin, world.cohort_x,
                          CohortUpdate(term_start=date(2026, 1, 12), term_end=date(2026, 5, 1)), now=NOW)
    with pytest.raises(CohortError, match="needs the date its term ends"):
        update_cohort(db, admin, world.cohort_x, CohortUpdate(term_end=None), now=NOW)
    with pytest.raises(ValidationError):
        CohortCreate(name="Cohort Z", term_start=None, term_end=date(2026, 5, 1))


def test_archiving_is_versioned_and_undone(world):
    from core.admin.cohorts import update_cohort
    from core.errors import StaleEdit
    from core.models import CohortUpdate

    db, admin = world.db, world.admin
    update_cohort(db, admin, world.cohort_y, CohortUpdate(stalled_after_days=10), now=NOW)  # version 2
    with pytest.raises(StaleEdit):
        cohorts.set_archived(db, admin, world.cohort_y, True, expected_version=1, now=NOW)
    archived = cohorts.set_archived(db, admin, world.cohort_y, True, expected_version=2, now=NOW)
    assert archived.archived_at == NOW and archived.version == 3
    back = cohorts.set_archived(db, admin, world.cohort_y, False, now=NOW)  # the Undo
    assert back.archived_at is None
    assert [a for a, _ in _cohort_events(db, world.cohort_y)][-2:] == ["archived", "unarchived"]


def test_goals_are_edited_versioned_retired_and_restored(world):
    from core.admin.cohorts import add_goal, list_goals, restore_goal, retire_goal, update_goal
    from core.errors import StaleEdit
    from core.models import GoalCreate, GoalMetric, GoalUpdate

    db, counselor = world.db, world.counselor_x
    goal = GoalCreate(metric=GoalMetric.TARGETS, target_count=8, due_on=date(2026, 10, 1))
    goal_id = add_goal(db, counselor, world.cohort_x, goal, now=NOW, idempotency_key="goal-form-1")
    assert add_goal(db, counselor, world.cohort_x, goal, now=NOW, idempotency_key="goal-form-1") == goal_id  # twice
    assert len(list_goals(db, counselor, world.cohort_x)) == 1
    update_goal(db, counselor, goal_id, GoalUpdate(target_count=10, due_on=date(2026, 10, 15)), expected_version=1,
                now=NOW)
    with pytest.raises(StaleEdit) as refused:
        update_goal(db, world.admin, goal_id, GoalUpdate(target_count=6, due_on=None), expected_version=1, now=NOW)
    assert refused.value.current == {"target_count": 10, "due_on": date(2026, 10, 15)}
    assert [(g["target_count"], g["version"]) for g in list_goals(db, counselor, world.cohort_x)] == [(10, 2)]
    with pytest.raises(NotFound):  # another cohort's counselor
        update_goal(db, world.counselor_y, goal_id, GoalUpdate(target_count=1), now=NOW)
    with pytest.raises(StaleEdit):
        retire_goal(db, counselor, goal_id, expected_version=1, now=NOW)
    retire_goal(db, counselor, goal_id, expected_version=2, now=NOW)
    assert list_goals(db, counselor, world.cohort_x) == []
    restore_goal(db, counselor, goal_id, now=NOW)
    assert [g["target_count"] for g in list_goals(db, counselor, world.cohort_x)] == [10]
    assert [a for a, _ in _cohort_events(db, world.cohort_x)][-4:] == ["goal_set", "goal_edited", "goal_retired",
                                                                       "goal_restored"]


@pytest.mark.parametrize("who", ["counselor_x", "alice"])
def test_cohort_administration_is_refused_to_non_admins(world, who):
    actor = getattr(world, who)
    for call in (lambda: cohorts.update_cohort(world.db, actor, world.cohort_x, CohortUpdate(name="Mine"), now=NOW),
                 lambda: cohorts.set_archived(world.db, actor, world.cohort_x, True, now=NOW),
                 lambda: cohorts.unassign_counselor(world.db, actor, world.cohort_x, world.counselor_x.user_id),
                 lambda: cohorts.set_registration(world.db, actor, world.cohort_x, open_=True),
                 lambda: cohorts.all_cohorts(world.db, actor)):
        with pytest.raises(AccessDenied):
            call()


@pytest.mark.parametrize("term, message", [
    ({}, "Term start is required"),
    ({"term_start": date(2027, 1, 11)}, "Term end is required"),
    ({"term_start": None, "term_end": None}, "Term start is required: pick the first day of the term"),
    ({"term_start": "", "term_end": date(2027, 5, 7)}, "Term start is required"),
    ({"term_start": date(2027, 5, 7), "term_end": date(2027, 1, 11)}, "Term end must be after the term start"),
    ({"term_start": date(2027, 1, 11), "term_end": date(2027, 1, 11)}, "Term end must be after the term start"),
])
def test_a_cohort_is_never_created_without_a_term(world, term, message):
    """Every path (page, roster script, demo seed) builds a CohortCreate, so the model refuses a missing term."""
    from pydantic import ValidationError

    from core.models import CohortCreate, describe

    with pytest.raises(ValidationError) as caught:
        CohortCreate(name="Cohort Z", **term)
    assert message in describe(caught.value)


def test_create_cohort_itself_refuses_a_cohort_without_a_term(world):
    """A model built without validation (model_construct) still cannot store a cohort showing "? to ?"."""
    from core.admin.cohorts import create_cohort
    from core.models import CohortCreate

    db, admin = world.db, world.admin
    before = scalar_count(db, "SELECT count(*) FROM cohorts")
    events_before = scalar_count(db, "SELECT count(*) FROM events")
    for term in ({"term_start": None, "term_end": None}, {"term_start": date(2027, 1, 11), "term_end": None},
                 {"term_start": date(2027, 5, 7), "term_end": date(2027, 1, 11)}):
        data = CohortCreate.model_construct(name="Cohort Z", thank_you_window_hours=48, stalled_after_days=14,
                                            follow_up_business_days=3, **term)
        with pytest.raises(CohortError, match="term"):
            create_cohort(db, admin, data, now=NOW)
    assert scalar_count(db, "SELECT count(*) FROM cohorts") == before
    assert scalar_count(db, "SELECT count(*) FROM events") == events_before


def test_no_cohort_in_the_demo_lacks_its_term(demo_file):
    from core.store.db import Database

    db = Database(demo_file)
    try:
        assert scalar_count(db, "SELECT count(*) FROM cohorts WHERE term_start IS NULL OR term_end IS NULL "
                                "OR term_end <= term_start") == 0
    finally:
        db.close()


# ---------------------------------------------------------------- a move keeps the past where it happened


def _export(db, actor, kind, cohort_id, **options):
    import io

    import pandas as pd

    from core.oversight.export import export_bytes

    data = export_bytes(db, actor, kind, cohort_id=cohort_id, now=NOW + timedelta(days=3), **options)
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)


def test_a_moved_students_work_stays_counted_for_the_cohort_she_left_and_later_work_for_the_new_one(world):
    """Alice adds a target and holds a meeting in Cohort X, moves to Cohort Y (by the roster), then adds a target."""
    from core.admin import roster
    from core.campaign import contacts
    from core.models import ContactCreate, GoalCreate, GoalMetric
    from core.oversight.dashboard import cohort_dashboard, cohort_funnel, weekly_activity
    from tests.campaign_helpers import _contact, _held_meeting

    db, alice, moved_at = world.db, world.alice, NOW + timedelta(hours=1)
    cohorts.add_goal(db, world.counselor_x, world.cohort_x,
                     GoalCreate(metric=GoalMetric.TARGETS, target_count=1, due_on=date(2026, 5, 1)), now=NOW)
    first = _contact(world)
    _held_meeting(world, first)
    plan = roster.preview(db, world.admin, b"first_name,last_name,email,cohort\nAlice,Tester,alice@example.edu,"
                                           b"Cohort Y\n")
    assert [x.change_words for x in plan.lines] == [
        "moves to Cohort Y from Cohort X (has campaign work: 1 target, 1 meeting held)"]
    roster.apply(db, world.admin, plan, now=moved_at, rounds=4)
    later = contacts.create_contact(db, alice, ContactCreate(first_name="Lu", last_name="Ng"),
                                    now=NOW + timedelta(days=2)).id

    with db.cursor() as cur:
        assert cur.execute("""SELECT cohort_id, joined_at, left_at FROM cohort_memberships WHERE student_id = ?
                              ORDER BY joined_at""", [alice.user_id]).fetchall() == [
            (world.cohort_x, NOW, moved_at), (world.cohort_y, moved_at, None)]

    figures = ["first_name", "targets", "interviews", "goals_total", "goals_met", "left_at"]
    for counselor, cohort_id in ((world.counselor_x, world.cohort_x), (world.admin, world.cohort_x)):
        old = _export(db, counselor, "progress", cohort_id)
        assert old[figures].values.tolist() == [["Alice", "1", "1", "1", "1", moved_at.isoformat()],
                                                ["Bob", "0", "0", "1", "0", ""]]
    new = _export(db, world.counselor_y, "progress", world.cohort_y)
    assert new[figures].values.tolist() == [["Alice", "1", "0", "0", "0", ""], ["Yara", "0", "0", "0", "0", ""]]
    # A period before the move counts nothing for the new cohort, everything for the old one.
    before_move = {"since": date(2026, 2, 1), "until": date(2026, 3, 9)}
    assert _export(db, world.admin, "progress", world.cohort_y, **before_move)["targets"].tolist() == ["0", "0"]
    assert _export(db, world.admin, "progress", world.cohort_x, **before_move)["targets"].tolist() == ["1", "0"]

    old_pipeline = _export(db, world.counselor_x, "pipeline", world.cohort_x)
    assert old_pipeline[["contact_id", "stage"]].values.tolist() == [[str(first), "interview"]]
    new_pipeline = _export(db, world.counselor_y, "pipeline", world.cohort_y)
    assert new_pipeline[["contact_id", "stage", "target_at"]].values.tolist() == [
        [str(later), "target", (NOW + timedelta(days=2)).isoformat()]]

    old_log = _export(db, world.counselor_x, "activity", world.cohort_x)
    new_log = _export(db, world.counselor_y, "activity", world.cohort_y)
    alice_id = str(alice.user_id)
    assert {(r.action, r.entity_type) for r in old_log.itertuples() if r.student_id == alice_id} >= {
        ("created", "contact"), ("scheduled", "meeting"), ("logged", "meeting")}
    assert all(r.occurred_at < moved_at.isoformat() for r in old_log.itertuples() if r.student_id == alice_id)
    assert [(r.action, r.entity_type, r.cohort) for r in new_log.itertuples() if r.student_id == alice_id][-1] == \
        ("created", "contact", "Cohort Y")
    assert all(r.occurred_at >= moved_at.isoformat() for r in new_log.itertuples() if r.student_id == alice_id)

    # The cohort dashboard's charts count the stages and actions where they happened.
    funnel = {cohort_id: {f["stage"]: f["contacts"] for f in cohort_funnel(db, world.admin, cohort_id=cohort_id)}
              for cohort_id in (world.cohort_x, world.cohort_y)}
    assert [funnel[world.cohort_x][s] for s in ("target", "interview")] == [1, 1]
    assert [funnel[world.cohort_y][s] for s in ("target", "interview")] == [1, 0]
    weekly = {cohort_id: sum(w["events"] for w in weekly_activity(db, world.admin, cohort_id=cohort_id,
                                                                   now=NOW + timedelta(days=3)))
              for cohort_id in (world.cohort_x, world.cohort_y)}
    assert weekly == {world.cohort_x: sum(1 for r in old_log.itertuples() if r.actor_id == alice_id),
                      world.cohort_y: 1}

    # The dashboards are of current members: Cohort Y's counts Alice's work from her joining on.
    by_name = {r["first_name"]: r for r in cohort_dashboard(db, world.admin, cohort_id=world.cohort_y,
                                                             now=NOW + timedelta(days=3))}
    assert (by_name["Alice"]["targets"], by_name["Alice"]["interviews"]) == (1, 0)
    assert [r["first_name"] for r in cohort_dashboard(db, world.admin, cohort_id=world.cohort_x)] == ["Bob"]


def test_putting_a_student_in_the_cohort_she_is_in_changes_nothing(world):
    with world.db.cursor() as cur:
        joined = scalar(cur, "SELECT joined_at FROM cohort_members WHERE student_id = ?", [world.alice.user_id])
    cohorts.add_student(world.db, world.admin, world.cohort_x, world.alice.user_id, now=NOW + timedelta(days=5))
    with world.db.cursor() as cur:
        assert scalar(cur, "SELECT joined_at FROM cohort_members WHERE student_id = ?", [world.alice.user_id]) == joined
        assert scalar(cur, "SELECT count(*) FROM cohort_past_members") == 0
