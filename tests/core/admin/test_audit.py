"""The audit log: filters by user, cohort and date, and every administrative edit in it with who and when
(core/admin/audit.py)."""

from __future__ import annotations

import ast
import re
from datetime import date, timedelta
from pathlib import Path

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


# ---------------------------------------------------------------- one sentence per event, with names

CORE = Path(__file__).resolve().parents[3] / "core"


def _comment_subjects() -> set[str]:
    pattern = CommentCreate.model_json_schema()["properties"]["subject_type"]["pattern"]
    return set(pattern.strip("^$()").split("|"))


def _strings(node: ast.AST | None, where: str, scope: ast.AST | None, calls: dict[str, list[ast.Call]]) -> set[str]:
    """Every text an argument of events.record can hold: a literal, either side of `x if c else y`, what a
    local name is set to in its function, or a parameter's default and what callers pass for it."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _strings(node.body, where, scope, calls) | _strings(node.orelse, where, scope, calls)
    if isinstance(node, ast.Attribute) and node.attr == "subject_type":
        return _comment_subjects()
    if isinstance(node, ast.Name) and isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
        found: set[str] = set()
        for assign in ast.walk(scope):
            if not isinstance(assign, ast.Assign):
                continue
            for target in assign.targets:
                if isinstance(target, ast.Name) and target.id == node.id:
                    found |= _strings(assign.value, where, None, calls)
                elif isinstance(target, ast.Tuple) and isinstance(assign.value, ast.Tuple):
                    for part, value in zip(target.elts, assign.value.elts, strict=False):
                        if isinstance(part, ast.Name) and part.id == node.id:
                            found |= _strings(value, where, None, calls)
        parameters = scope.args.args + scope.args.kwonlyargs
        defaults = [None] * (len(scope.args.args) - len(scope.args.defaults)) + scope.args.defaults \
            + scope.args.kw_defaults
        for parameter, default in zip(parameters, defaults, strict=True):
            if parameter.arg == node.id:
                found |= _strings(default, where, None, calls) if default is not None else set()
                for call in calls.get(scope.name, []):
                    found |= {s for k in call.keywords if k.arg == node.id for s in _strings(k.value, where, None,
                                                                                             calls)}
        if found:
            return found
    raise AssertionError(f"{where}: cannot tell which texts this argument of events.record holds; teach the test")


def _event_kinds_in_core() -> set[tuple[str, str]]:
    """(entity_type, action) of every event core writes: each events.record call, and the set-based inserts."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in sorted(CORE.rglob("*.py"))}
    calls: dict[str, list[ast.Call]] = {}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
                calls.setdefault(name, []).append(node)
    kinds: set[tuple[str, str]] = set()
    for path, tree in trees.items():
        functions = [f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)]
        for call in ast.walk(tree):
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "record"
                    and isinstance(call.func.value, ast.Name) and call.func.value.id == "events"):
                continue
            where = f"{path.relative_to(CORE.parent)}:{call.lineno}"
            scope = min((f for f in functions if f.lineno <= call.lineno <= f.end_lineno),
                        key=lambda f: f.end_lineno - f.lineno, default=None)
            kinds |= {(entity, action) for action in _strings(call.args[2], where, scope, calls)
                      for entity in _strings(call.args[3], where, scope, calls)}
        text = path.read_text(encoding="utf-8")
        if path.name != "events.py" or path.parent.name != "store":
            for insert in re.finditer(r"INSERT INTO events\b", text):
                shape = re.search(r"'(\w+)',\s*[\w.]+,\s*'(\w+)'", text[insert.end():insert.end() + 800])
                assert shape, f"{path.relative_to(CORE.parent)}: a set-based insert into events the test cannot read"
                kinds.add((shape.group(1), shape.group(2)))
    return kinds


def _told(entity_type: str, action: str, **details) -> dict:
    return {"action": action, "entity_type": entity_type, "entity_id": 7, "actor_id": 1, "actor": "Ana Ruiz",
            "actor_role": "admin", "student_id": 3, "student": "Sam Ng", "cohort": "Fall Explorers",
            "subject": "Jordan Lee", "subject_role": "student", "contact": "Lena Park", "volunteer": "Owen Clarke",
            "item": "the question “What is a typical day?”", "details": details,
            "people": {12: "Rosa Diaz"}, "cohorts": {5: "Spring Explorers"}}


def test_the_kinds_of_event_are_read_from_core():
    kinds = _event_kinds_in_core()
    # the reader sees literals, both sides of a choice, local names, parameters, comment subjects, set-based inserts
    assert {("cohort", "assigned"), ("user", "deactivated"), ("user", "reactivated"), ("meeting", "log_edited"),
            ("research", "saved"), ("contact", "referred"), ("outreach", "commented"), ("contact", "imported"),
            ("user", "created"), ("reflection", "written")} <= kinds
    assert len(kinds) > 70


def test_every_kind_of_event_core_writes_reads_as_one_plain_sentence():
    for entity_type, action in sorted(_event_kinds_in_core()):
        assert audit.describes(action, entity_type), f"no sentence of its own for {entity_type} {action}"
        for details in ({}, {"counselor_id": 12, "cohort_id": 5, "kind": "referrer", "channel": "email",
                             "fields": ["about_person"], "target": 6, "metric": "targets", "cap": 4,
                             "starts_at": "2026-03-12T18:30:00", "mode": "video", "domain": "example.edu"}):
            said = audit.describe(_told(entity_type, action, **details), zone="America/New_York")
            assert said != audit.generic_sentence(_told(entity_type, action)), (entity_type, action)
            assert said[0].isupper() and said.endswith("."), said
            assert not any(mark in said for mark in ("{", "}", "[", "]", '":', "None", "_")), said
            assert not re.search(r"[.;]\s+[A-Z]", said), said  # one sentence


def test_a_sentence_names_the_people_and_places_of_the_event():
    assert audit.describe(_told("cohort", "assigned", counselor_id=12)) == \
        "Ana Ruiz assigned Rosa Diaz to Fall Explorers."
    assert audit.describe(_told("user", "deactivated", username="jlee")) == \
        "Ana Ruiz deactivated the account of Jordan Lee."
    assert audit.describe(_told("meeting", "scheduled", starts_at="2026-03-12T18:30:00", mode="video"),
                          zone="America/New_York") == \
        "Ana Ruiz scheduled a meeting with Lena Park for 12 Mar 2026, 14:30 (video)."
    assert audit.describe({**_told("user", "signed_in"), "actor_id": None}) == "The portal signed in."


def test_an_unknown_kind_of_event_falls_back_to_a_readable_sentence():
    event = _told("activity_log", "exported_slice", rows=12)
    assert not audit.describes("exported_slice", "activity_log")
    assert audit.describe(event) == "Ana Ruiz: exported slice, activity log, for Sam Ng."
    broken = {**_told("cohort", "goal_edited"), "details": {}, "detail": "not json {"}
    assert audit.describe(broken) == "Ana Ruiz changed a goal of Fall Explorers."


def test_the_log_tells_each_event_with_names_not_ids(world):
    db, admin = world.db, world.admin
    from core.identity.accounts import set_active

    set_active(db, admin, world.bob.user_id, False, now=NOW + timedelta(days=3))
    told = [e["sentence"] for e in audit.list_events(db, admin, since=NOW.date())]
    assert told[0] == "Admin Tester deactivated the account of Bob Tester."
    assert "Admin Tester assigned Counselor Tester to Cohort X." in told
    assert "Admin Tester added Alice Tester to Cohort X." in told
    assert not [s for s in told if "{" in s or str(world.bob.user_id) in s]


def test_the_person_filter_finds_a_counselor_assigned_to_a_cohort(world):
    db, admin = world.db, world.admin
    cohorts.unassign_counselor(db, admin, world.cohort_y, world.counselor_y.user_id, now=NOW + timedelta(hours=1))
    theirs = audit.list_events(db, admin, user_id=world.counselor_y.user_id)
    assert [(e["action"], e["cohort"]) for e in theirs] == [("unassigned", "Cohort Y"), ("assigned", "Cohort Y"),
                                                            ("created", None)]
    assert theirs[0]["sentence"] == "Admin Tester took Counselor Tester off Cohort Y."
    # the other counselor's assignment is not theirs
    assert "assigned" not in [e["action"] for e in audit.list_events(db, admin, user_id=world.alice.user_id)]
