"""Cohort administration, self-registration, library editing, audit and health (core, in memory)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.errors import AccessDenied, CohortError, NotFound, RegistrationError
from core.admin import audit, cohorts, health, library
from core.identity import registration
from core.identity.accounts import authenticator_credentials, check_password
from core.admin.cohorts import list_cohorts
from core.store.db import scalar
from core.admin.library import LibraryItemInput
from tests.conftest import NOW

# ---------------------------------------------------------------- cohorts


def test_rename_term_archive_and_unassign(world):
    db, admin = world.db, world.admin
    cohorts.rename_cohort(db, admin, world.cohort_x, "Cohort X, Spring", now=NOW)
    with pytest.raises(CohortError, match="already exists"):
        cohorts.rename_cohort(db, admin, world.cohort_y, "cohort x, spring", now=NOW)
    cohort = cohorts.set_term(db, admin, world.cohort_x, term_start=date(2026, 1, 12),
                                   term_end=date(2026, 5, 1), now=NOW)
    assert (cohort.name, cohort.term_start, cohort.term_end) == ("Cohort X, Spring", date(2026, 1, 12), date(2026, 5, 1))
    with pytest.raises(CohortError, match="end before it starts"):
        cohorts.set_term(db, admin, world.cohort_x, term_start=date(2026, 6, 1), term_end=date(2026, 5, 1), now=NOW)

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


def _cohort_events(db, cohort_id):
    with db.cursor() as cur:
        return [r for r in cur.execute("SELECT action, actor_id FROM events WHERE entity_type = 'cohort' AND entity_id = ? "
                                       "ORDER BY id", [cohort_id]).fetchall()]


def test_cohort_settings_are_versioned_and_a_stale_edit_shows_the_other_change(world):
    from core.admin.cohorts import get_cohort, update_cohort
    from core.errors import StaleEdit
    from core.models import CohortUpdate

    db, admin = world.db, world.admin
    opened = get_cohort(db, admin, world.cohort_x)
    assert opened.version == 1
    update_cohort(db, world.counselor_x, world.cohort_x, CohortUpdate(stalled_after_days=21), expected_version=1, now=NOW)
    with pytest.raises(StaleEdit) as refused:
        update_cohort(db, admin, world.cohort_x, CohortUpdate(name="Cohort X renamed"), expected_version=1,
                      original=opened.model_dump(), now=NOW)
    assert refused.value.changed == ["stalled_after_days"]
    assert refused.value.current["stalled_after_days"] == 21
    assert get_cohort(db, admin, world.cohort_x).name == "Cohort X"
    saved = update_cohort(db, admin, world.cohort_x, CohortUpdate(name="Cohort X renamed"), expected_version=2, now=NOW)
    assert (saved.name, saved.version, saved.stalled_after_days) == ("Cohort X renamed", 3, 21)
    assert _cohort_events(db, world.cohort_x)[-2:] == [("updated", world.counselor_x.user_id), ("updated", admin.user_id)]


def test_a_cohort_term_can_change_but_not_be_removed(world):
    from core.admin.cohorts import update_cohort
    from core.models import CohortCreate, CohortUpdate
    from pydantic import ValidationError

    db, admin = world.db, world.admin
    cohorts.set_term(db, admin, world.cohort_x, term_start=date(2026, 1, 12), term_end=date(2026, 5, 1), now=NOW)
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
    for call in (lambda: cohorts.rename_cohort(world.db, actor, world.cohort_x, "Mine", now=NOW),
                 lambda: cohorts.set_archived(world.db, actor, world.cohort_x, True, now=NOW),
                 lambda: cohorts.unassign_counselor(world.db, actor, world.cohort_x, world.counselor_x.user_id),
                 lambda: cohorts.set_registration(world.db, actor, world.cohort_x, open_=True),
                 lambda: cohorts.all_cohorts(world.db, actor)):
        with pytest.raises(AccessDenied):
            call()


# ---------------------------------------------------------------- self-registration


def _register(db, code, username="newbie", email="newbie@school.edu", **extra):
    return registration.register_student(db, invite_code=code, username=username, email=email, first_name="New",
                                         last_name="Student", password=extra.pop("password", "Fresh-start-1!"),
                                         now=NOW, rounds=4, **extra)


def test_registration_is_off_by_default(world):
    assert registration.registration_open_anywhere(world.db) is False
    with pytest.raises(RegistrationError, match="not valid"):
        _register(world.db, "ANYTHING")


def test_registration_with_code_and_allowed_domain(world):
    db = world.db
    cohorts.set_registration(db, world.admin, world.cohort_y, open_=True, invite_code="yfall-2026",
                                  allowed_domains="@School.edu, alumni.school.edu", now=NOW)
    assert registration.registration_open_anywhere(db) is True
    found = registration.cohort_for_code(db, " yfall-2026 ")
    assert (found.id, found.allowed_domains) == (world.cohort_y, ("school.edu", "alumni.school.edu"))
    with pytest.raises(RegistrationError, match="@school.edu or @alumni.school.edu"):
        _register(db, "YFALL-2026", email="newbie@gmail.com")
    with pytest.raises(RegistrationError, match="uppercase"):
        _register(db, "YFALL-2026", password="weakpassword1!")
    new_id = _register(db, "yfall-2026")
    with pytest.raises(RegistrationError, match="email is already used"):
        _register(db, "YFALL-2026", username="other", email="NEWBIE@school.edu")
    with pytest.raises(RegistrationError, match="username is already used"):
        _register(db, "YFALL-2026", username="newbie", email="else@school.edu")
    with db.cursor() as cur:
        assert scalar(cur, "SELECT cohort_id FROM cohort_members WHERE student_id = ?", [new_id]) == world.cohort_y
        assert scalar(cur, "SELECT role FROM users WHERE id = ?", [new_id]) == "student"
        assert scalar(cur, "SELECT cohort_id FROM events WHERE action = 'registered' AND actor_id = ?", [new_id]) \
            == world.cohort_y
    assert check_password("Fresh-start-1!", authenticator_credentials(db)["usernames"]["newbie"]["password"])
    # The counselor of Y sees the new student at once; the counselor of X does not.
    from core.identity.access import can_read_student

    with db.cursor() as cur:
        assert can_read_student(cur, world.counselor_y, new_id) and not can_read_student(cur, world.counselor_x, new_id)


def test_closing_archiving_or_changing_the_code_stops_registration(world):
    db = world.db
    cohorts.set_registration(db, world.admin, world.cohort_x, open_=True, now=NOW)
    first = scalar_code(db, world.cohort_x)
    assert len(first) == 9 and registration.cohort_for_code(db, first).id == world.cohort_x
    new = cohorts.regenerate_invite_code(db, world.admin, world.cohort_x, now=NOW)
    assert new != first and registration.cohort_for_code(db, first) is None
    cohorts.set_archived(db, world.admin, world.cohort_x, True, now=NOW)
    assert registration.cohort_for_code(db, new) is None
    with pytest.raises(CohortError, match="archived"):
        cohorts.set_registration(db, world.admin, world.cohort_x, open_=True, now=NOW)
    cohorts.set_archived(db, world.admin, world.cohort_x, False, now=NOW)
    assert registration.cohort_for_code(db, new) is None  # reopening is a separate step
    cohorts.set_registration(db, world.admin, world.cohort_x, open_=True, now=NOW)
    assert registration.cohort_for_code(db, new).id == world.cohort_x
    with pytest.raises(CohortError, match="already uses"):
        cohorts.set_registration(db, world.admin, world.cohort_y, open_=True, invite_code=new, now=NOW)
    with pytest.raises(CohortError, match="not an email domain"):
        cohorts.set_registration(db, world.admin, world.cohort_y, open_=True, allowed_domains="school", now=NOW)
    cohorts.set_registration(db, world.admin, world.cohort_x, open_=False, now=NOW)
    assert registration.cohort_for_code(db, new) is None


def scalar_code(db, cohort_id):
    with db.cursor() as cur:
        return scalar(cur, "SELECT invite_code FROM cohorts WHERE id = ?", [cohort_id])


# ---------------------------------------------------------------- content library


def test_library_edit_shows_to_students_at_once_and_survives_seed_upgrades(world, tmp_path):
    db = world.db
    question = library.list_items(db, world.alice, "question")[0]
    library.edit_item(db, world.admin, question["id"], LibraryItemInput(
        kind="question", category=question["category"], body="What surprised you most in your first year?"), now=NOW)
    seen = library.list_items(db, world.alice, "question")[0]
    assert (seen["id"], seen["body"], seen["edited_by"]) == (
        question["id"], "What surprised you most in your first year?", world.admin.user_id)
    # A seed upgrade raising every version must keep the admin's wording.
    import shutil

    for f in library.CONTENT_DIR.glob("*.toml"):
        shutil.copy(f, tmp_path / f.name)
    path = tmp_path / "questions.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("version = 1", "version = 2"), encoding="utf-8")
    counts = library.load_library(db, directory=tmp_path, now=NOW + timedelta(days=1))
    assert counts["updated"] == len(library.list_items(db, world.admin, "question")) - 1
    assert library.get_item(db, world.alice, question["id"])["body"] == "What surprised you most in your first year?"


def test_library_add_and_retire_keep_what_used_the_entry(world):
    from core.campaign import contacts, research
    from core.models import ContactCreate, PlannedQuestionCreate

    db = world.db
    new_id = library.add_item(db, world.admin, LibraryItemInput(
        kind="question", category="advice", body="If you were starting today, what would you do first?"), now=NOW)
    assert new_id in [q["id"] for q in library.list_items(db, world.alice, "question")]
    contact = contacts.create_contact(db, world.alice, ContactCreate(first_name="Pat"), now=NOW)
    research.add_planned_question(db, world.alice, contact.id, PlannedQuestionCreate(
        library_item_id=new_id, category="advice", text="If you were starting today, what would you do first?"), now=NOW)
    assert library.usage(db, world.admin, new_id) == 1
    library.set_retired(db, world.admin, new_id, True, now=NOW)
    assert new_id not in [q["id"] for q in library.list_items(db, world.alice, "question")]
    with db.cursor() as cur:
        assert scalar(cur, "SELECT library_item_id FROM planned_questions WHERE contact_id = ?", [contact.id]) == new_id
    assert library.get_item(db, world.alice, new_id)["retired_at"] == NOW
    library.set_retired(db, world.admin, new_id, False, now=NOW)
    assert new_id in [q["id"] for q in library.list_items(db, world.alice, "question")]


def test_library_edits_are_versioned_and_retiring_is_undone(world):
    from core.errors import StaleEdit

    db = world.db
    question = library.list_items(db, world.admin, "question")[0]
    assert question["version"] == 1
    library.edit_item(db, world.admin, question["id"], LibraryItemInput(
        kind="question", category=question["category"], body="Wording from the first tab"), expected_version=1, now=NOW)
    with pytest.raises(StaleEdit) as refused:
        library.edit_item(db, world.admin, question["id"], LibraryItemInput(
            kind="question", category=question["category"], body="Wording from the second tab"),
            expected_version=1, now=NOW)
    assert refused.value.current["body"] == "Wording from the first tab"
    assert library.get_item(db, world.admin, question["id"])["body"] == "Wording from the first tab"
    with pytest.raises(StaleEdit):  # retiring from a stale page is refused too
        library.set_retired(db, world.admin, question["id"], True, expected_version=1, now=NOW)
    library.set_retired(db, world.admin, question["id"], True, expected_version=2, now=NOW)
    library.set_retired(db, world.admin, question["id"], False, now=NOW)  # the Undo
    assert library.get_item(db, world.admin, question["id"])["retired_at"] is None
    with db.cursor() as cur:
        logged = cur.execute("SELECT action, actor_id FROM events WHERE entity_type = 'library_item' AND entity_id = ? "
                             "ORDER BY id", [question["id"]]).fetchall()
    assert logged == [("edited", world.admin.user_id), ("retired", world.admin.user_id),
                      ("restored", world.admin.user_id)]


def test_library_input_is_checked_per_kind(world):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="category must be one of"):
        LibraryItemInput(kind="question", category="gossip", body="x")
    with pytest.raises(ValidationError, match="channel must be one of"):
        LibraryItemInput(kind="template", category="request", title="T", body="x", channel="fax")
    with pytest.raises(ValidationError):
        LibraryItemInput(kind="question", category="day", body="   ")
    with pytest.raises(ValueError, match="already has a prompt"):
        library.add_item(world.db, world.admin, LibraryItemInput(
            kind="reflection_prompt", category="feelings", body="Another feelings prompt"), now=NOW)
    with pytest.raises(AccessDenied):
        library.add_item(world.db, world.counselor_x, LibraryItemInput(
            kind="question", category="day", body="Mine"), now=NOW)
    with pytest.raises(NotFound):
        library.set_retired(world.db, world.admin, 999_999, True, now=NOW)


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


def test_health_reports_schema_counts_and_size(world, tmp_path):
    from core.store.db import Database
    from core.store.migrate import apply_migrations

    r = health.report(world.db, world.admin)
    assert r.schema_version == max(m["version"] for m in r.migrations)
    assert r.row_counts["users"] == 6 and r.row_counts["cohorts"] == 2
    if world.db.store == "duckdb":
        assert r.file_bytes is None  # in memory
    else:
        assert r.file_bytes > 0 and r.store.startswith("PostgreSQL")  # the database's size on the server
    file_db = Database(tmp_path / "h.duckdb")
    apply_migrations(file_db)
    file_db.close()
    file_db = Database(tmp_path / "h.duckdb")
    assert health.report(file_db, world.admin).file_bytes == (tmp_path / "h.duckdb").stat().st_size
    file_db.close()
    assert health.human_bytes(1536) == "1.5 KiB" and health.human_bytes(12) == "12 bytes"
    with pytest.raises(AccessDenied):
        health.report(world.db, world.alice)


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


def scalar_count(db, sql: str) -> int:
    with db.cursor() as cur:
        return scalar(cur, sql)
