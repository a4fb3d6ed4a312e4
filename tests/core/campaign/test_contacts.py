"""A student's contacts: filters, focus occupations, one contact per add form, duplicates, stale edits, archive and the
table search (core/campaign/contacts.py)."""

import pytest

from core.campaign import contacts, research
from core.errors import AccessDenied, ContactError
from core.models import ContactCreate, PlannedQuestionCreate, Source, Stage
from tests.campaign_helpers import _contact, _events, _key_used
from tests.conftest import NOW


def test_filters_by_stage_occupation_source_and_archive(world):
    a, db = world.alice, world.db
    occ = contacts.add_focus_occupation(db, a, "Public health research", now=NOW)
    one = _contact(world, focus_occupation_id=occ, source=Source.ALUMNI)
    two = _contact(world, first_name="Ben", source=Source.LINKEDIN)
    research.add_planned_question(db, a, two, PlannedQuestionCreate(text="What surprised you?"), now=NOW)
    three = _contact(world, first_name="Cy", source=Source.LINKEDIN)
    contacts.set_archived(db, a, three, True, now=NOW)
    ids = lambda **f: [c["id"] for c in contacts.list_contacts(db, a, **f)]  # noqa: E731
    assert ids(focus_occupation_id=occ) == [one]
    assert ids(source=Source.LINKEDIN) == [two]
    assert ids(stage=Stage.RESEARCH) == [two]
    assert ids(archived_only=True) == [three]
    assert sorted(ids(include_archived=True)) == sorted([one, two, three])


def test_fourth_focus_occupation_is_refused(world):
    for name in ("A", "B", "C"):
        contacts.add_focus_occupation(world.db, world.alice, name, now=NOW)
    with pytest.raises(ContactError, match="three"):
        contacts.add_focus_occupation(world.db, world.alice, "D", now=NOW)


def test_a_repeated_submit_of_one_add_form_creates_one_contact(world):
    data = ContactCreate(first_name="Ana", last_name="Lee", organization="County Health")
    first = contacts.create_contact(world.db, world.alice, data, now=NOW, idempotency_key="form-1")
    again = contacts.create_contact(world.db, world.alice, data, now=NOW, idempotency_key="form-1")
    assert again.id == first.id and _key_used(world.db, world.alice, "form-1")
    assert len(contacts.list_contacts(world.db, world.alice)) == 1


@pytest.mark.parametrize("other, why", [
    ({"first_name": "Ann", "email": "ANA@example.org"}, "the same email"),
    ({"first_name": "Ann", "linkedin_url": "http://linkedin.com/in/ana-lee/"}, "the same LinkedIn address"),
    ({"first_name": " ana ", "last_name": "LEE", "organization": "county  health"},
     "the same name at the same organization"),
])
def test_a_manual_add_matching_a_contact_is_refused_unless_added_anyway(world, other, why):
    from core.errors import DuplicateRecord
    existing = _contact(world, email="ana@example.org", linkedin_url="https://www.linkedin.com/in/ana-lee")
    contacts.set_archived(world.db, world.alice, existing, True, now=NOW)  # archived ones count too
    data = ContactCreate(**{"first_name": "Ana", "last_name": "Lee", "organization": "Elsewhere", **other})
    with pytest.raises(DuplicateRecord, match=why) as refused:
        contacts.create_contact(world.db, world.alice, data, now=NOW, idempotency_key="k")
    assert refused.value.existing_id == existing and ", archived)" in str(refused.value)
    assert len(contacts.list_contacts(world.db, world.alice, include_archived=True)) == 1
    # Another student's list is not looked at; and "add anyway" is an explicit override.
    contacts.create_contact(world.db, world.bob, data, now=NOW)
    added = contacts.create_contact(world.db, world.alice, data, now=NOW, idempotency_key="k", allow_duplicate=True)
    assert added.id != existing


def test_a_stale_contact_edit_is_refused_and_untouched_fields_are_kept(world):
    from core.errors import StaleEdit
    from core.models import ContactUpdate
    cid = _contact(world, title="Analyst")
    opened = contacts.get_contact(world.db, world.alice, cid)
    original = {k: v for k, v in opened.model_dump().items() if k in ContactUpdate.model_fields}
    # Tab A changes the title.
    a = ContactUpdate(**{**original, "title": "Epidemiologist"})
    assert contacts.update_contact(world.db, world.alice, cid, a, expected_version=opened.version,
                                   original=original, only=["title"], now=NOW).version == opened.version + 1
    # Tab B, opened before, changes the organization: refused, naming what A changed.
    b = ContactUpdate(**{**original, "organization": "State Health"})
    with pytest.raises(StaleEdit, match="changed since you opened it") as stale:
        contacts.update_contact(world.db, world.alice, cid, b, expected_version=opened.version, original=original,
                                only=["organization"], now=NOW)
    assert stale.value.changed == ["title"] and stale.value.current["title"] == "Epidemiologist"
    # Saved again knowingly: only B's field is written; A's title stays.
    contacts.update_contact(world.db, world.alice, cid, b, expected_version=stale.value.current_version,
                            only=["organization"], now=NOW)
    after = contacts.get_contact(world.db, world.alice, cid)
    assert (after.title, after.organization, after.version) == ("Epidemiologist", "State Health", 3)
    assert _events(world, "edited", "contact") == 2


def test_archive_and_undo_and_the_table_search(world):
    cid = _contact(world, title="Epidemiologist")
    _contact(world, first_name="Ben", last_name="Okoro", organization="Meridian")
    assert [r["first_name"] for r in contacts.target_table(world.db, world.alice, search=" EPIDEM ")] == ["Ana"]
    contacts.set_archived(world.db, world.alice, cid, True, now=NOW)
    assert [r["first_name"] for r in contacts.target_table(world.db, world.alice)] == ["Ben"]
    assert [r["first_name"] for r in contacts.target_table(world.db, world.alice, archived_only=True)] == ["Ana"]
    contacts.set_archived(world.db, world.alice, cid, False, now=NOW)
    rows = contacts.target_table(world.db, world.alice)
    assert {r["first_name"] for r in rows} == {"Ana", "Ben"} and all(r["last_activity"] for r in rows)
    with pytest.raises(AccessDenied):
        contacts.target_table(world.db, world.counselor_x)


def test_focus_occupations_stop_at_three(world):

    db, alice = world.db, world.alice
    for name in ("Nursing", "Policy analysis", "Recruiting"):
        contacts.add_focus_occupation(db, alice, name, now=NOW)
    with pytest.raises(ContactError, match="three"):
        contacts.add_focus_occupation(db, alice, "Marketing", now=NOW)
    with pytest.raises(ContactError, match="already"):
        contacts.add_focus_occupation(db, alice, "nursing", now=NOW)
    bobs = contacts.add_focus_occupation(db, world.bob, "Law", now=NOW)
    with pytest.raises(ContactError, match="your own"):
        contacts.create_contact(db, alice, ContactCreate(first_name="X", focus_occupation_id=bobs), now=NOW)
