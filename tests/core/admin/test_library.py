"""The content library edited by the career office: edits show at once and survive seed upgrades, entries in use are
kept, edits are versioned, input is checked per kind (core/admin/library.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.admin import library
from core.admin.library import LibraryItemInput
from core.errors import AccessDenied, NotFound
from core.store.db import row, scalar
from tests.conftest import NOW

# ---------------------------------------------------------------- content library


def _entry(db, item_id):
    """A library entry as stored."""
    with db.cursor() as cur:
        return row(cur, "SELECT * FROM library_items WHERE id = ?", [item_id])

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
    assert _entry(db, question["id"])["body"] == "What surprised you most in your first year?"


def test_library_add_and_retire_keep_what_used_the_entry(world):
    from core.campaign import contacts, research
    from core.models import ContactCreate, PlannedQuestionCreate

    db = world.db
    new_id = library.add_item(db, world.admin, LibraryItemInput(
        kind="question", category="advice", body="If you were starting today, what would you do first?"), now=NOW)
    assert new_id in [q["id"] for q in library.list_items(db, world.alice, "question")]
    contact = contacts.create_contact(db, world.alice, ContactCreate(first_name="Pat"), now=NOW)
    research.add_planned_question(db, world.alice, contact.id, PlannedQuestionCreate(
        library_item_id=new_id, category="advice", text="If you were starting today, what would you do first?"),
        now=NOW)
    assert library.usage(db, world.admin, new_id) == 1
    library.set_retired(db, world.admin, new_id, True, now=NOW)
    assert new_id not in [q["id"] for q in library.list_items(db, world.alice, "question")]
    with db.cursor() as cur:
        assert scalar(cur, "SELECT library_item_id FROM planned_questions WHERE contact_id = ?", [contact.id]) == new_id
    assert _entry(db, new_id)["retired_at"] == NOW
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
    assert _entry(db, question["id"])["body"] == "Wording from the first tab"
    with pytest.raises(StaleEdit):  # retiring from a stale page is refused too
        library.set_retired(db, world.admin, question["id"], True, expected_version=1, now=NOW)
    library.set_retired(db, world.admin, question["id"], True, expected_version=2, now=NOW)
    library.set_retired(db, world.admin, question["id"], False, now=NOW)  # the Undo
    assert _entry(db, question["id"])["retired_at"] is None
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
