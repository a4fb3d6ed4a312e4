"""The audit log: filters by user, cohort and date, and every administrative edit in it with who and when
(core/admin/audit.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.admin import audit, cohorts, library, roster
from core.admin.cohorts import add_goal, retire_goal, update_cohort, update_goal
from core.admin.library import LibraryItemInput
from core.errors import AccessDenied
from core.models import CohortUpdate, CommentCreate, CommentEdit, GoalCreate, GoalMetric, GoalUpdate
from core.oversight.comments import add_comment, edit_comment, restore_comment, withdraw_comment
from tests.conftest import NOW

# ---------------------------------------------------------------- audit and health


def test_audit_filters_by_user_cohort_and_date(world):
    db, admin = world.db, world.admin
    cohorts.set_archived(db, admin, world.cohort_y, True, now=NOW + timedelta(days=2))
    from core.identity.accounts import set_active

    set_active(db, admin, world.bob.user_id, False, now=NOW + timedelta(days=3))
    bob = audit.list_events(db, admin, user_id=world.bob.user_id)
    assert [(e["action"], e["actor"]) for e in bob] == [
        ("deactivated", "Admin Tester"), ("joined_cohort", "Admin Tester"), ("created", "system")]
    y = audit.list_events(db, admin, cohort_id=world.cohort_y)
    assert [e["action"] for e in y] == ["archived", "joined_cohort", "assigned", "created"]
    day = audit.list_events(db, admin, since=(NOW + timedelta(days=2)).date(), until=(NOW + timedelta(days=2)).date())
    assert [(e["action"], e["cohort"]) for e in day] == [("archived", "Cohort Y")]
    assert audit.list_events(db, admin, action="deactivated")[0]["student"] == "Bob Tester"
    with pytest.raises(AccessDenied):
        audit.list_events(db, world.counselor_x)


def _logged(world, since):
    return {(e["entity_type"], e["action"], e["actor_id"], e["occurred_at"])
            for e in audit.list_events(world.db, world.admin, since=since.date())}


def test_edits_of_cohorts_comments_library_and_roster_are_logged_with_who_and_when(world):
    db, admin, counselor, alice = world.db, world.admin, world.counselor_x, world.alice
    t = [NOW + timedelta(minutes=i) for i in range(12)]
    update_cohort(db, admin, world.cohort_x, CohortUpdate(term_start=date(2026, 9, 1), term_end=date(2026, 12, 18)),
                  expected_version=1, now=t[0])
    cohorts.set_archived(db, admin, world.cohort_y, True, now=t[1])
    cohorts.set_archived(db, admin, world.cohort_y, False, now=t[2])
    goal = add_goal(db, counselor, world.cohort_x, GoalCreate(metric=GoalMetric.TARGETS, target_count=5), now=t[3])
    update_goal(db, counselor, goal, GoalUpdate(target_count=6), expected_version=1, now=t[4])
    retire_goal(db, counselor, goal, now=t[5])
    note = add_comment(db, counselor, alice.user_id, CommentCreate(subject_type="student", subject_id=alice.user_id,
                                                                   body="Draft"), now=t[6])
    edit_comment(db, counselor, note, CommentEdit(body="Final"), expected_version=1, now=t[7])
    withdraw_comment(db, counselor, note, now=t[8])
    restore_comment(db, counselor, note, now=t[9])
    item = library.list_items(db, admin, "question")[0]
    library.edit_item(db, admin, item["id"], LibraryItemInput(kind="question", category=item["category"],
                                                                   body="New wording"), expected_version=1, now=t[10])
    plan = roster.preview(db, admin, "first_name,last_name,email,cohort\nAna,Lopez,ana.lopez@example.edu,Cohort X\n")
    roster.apply(db, admin, plan, rounds=4, now=t[11])

    logged = _logged(world, NOW)
    expected = {
        ("cohort", "updated", admin.user_id, t[0]), ("cohort", "archived", admin.user_id, t[1]),
        ("cohort", "unarchived", admin.user_id, t[2]), ("cohort", "goal_set", counselor.user_id, t[3]),
        ("cohort", "goal_edited", counselor.user_id, t[4]), ("cohort", "goal_retired", counselor.user_id, t[5]),
        ("comment", "edited", counselor.user_id, t[7]), ("comment", "withdrawn", counselor.user_id, t[8]),
        ("comment", "restored", counselor.user_id, t[9]), ("library_item", "edited", admin.user_id, t[10]),
        ("cohort", "roster_imported", admin.user_id, t[11]),
    }
    assert expected <= logged, expected - logged
