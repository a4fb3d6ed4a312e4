"""Research on a contact: a lost update is refused with the other tab's text kept; planned questions are added once,
edited with a version and removed with undo (core/campaign/research.py)."""

import pytest

from core.campaign import research
from core.errors import NotFound, ResearchError
from core.models import PlannedQuestionCreate, ResearchUpdate
from tests.campaign_helpers import _contact, _events
from tests.conftest import NOW


def test_research_lost_update_is_refused_and_the_other_tabs_text_survives(world):
    from core.errors import StaleEdit
    cid = _contact(world)
    assert research.save_research(world.db, world.alice, cid, ResearchUpdate(about_person="Runs the lab"),
                                  expected_version=0, now=NOW) == 1
    opened = research.get_research(world.db, world.alice, cid)
    original = {f: opened[f] for f in research.RESEARCH_FIELDS}
    # Tab A saves person and organization.
    research.save_research(world.db, world.alice, cid, ResearchUpdate(about_person="Runs the flu lab",
                           about_organization="County agency"), expected_version=1, original=original,
                           only=["about_person", "about_organization"], now=NOW)
    # Tab B, opened before, saves person only: refused, A's organization intact.
    b = ResearchUpdate(about_person="Leads surveillance", about_organization="")
    with pytest.raises(StaleEdit) as stale:
        research.save_research(world.db, world.alice, cid, b, expected_version=1, original=original,
                               only=["about_person"], now=NOW)
    assert stale.value.changed == ["about_person", "about_organization"]
    assert research.get_research(world.db, world.alice, cid)["about_organization"] == "County agency"
    # Re-applied over the version shown: the untouched organization box is not blanked.
    research.save_research(world.db, world.alice, cid, b, expected_version=stale.value.current_version,
                           original=original, only=["about_person"], now=NOW)
    saved = research.get_research(world.db, world.alice, cid)
    assert (saved["about_person"], saved["about_organization"], saved["version"]) == (
        "Leads surveillance", "County agency", 3)
    # A form opened before the notes existed is stale once they do.
    other = _contact(world, first_name="Ben")
    research.save_research(world.db, world.alice, other, ResearchUpdate(about_field="x"), expected_version=0, now=NOW)
    with pytest.raises(StaleEdit):
        research.save_research(world.db, world.alice, other, ResearchUpdate(about_person="y"), expected_version=0,
                               now=NOW)
    assert _events(world, "edited", "research") == 2


def test_planned_questions_are_added_once_edited_with_a_version_and_removed_with_undo(world):
    from core.errors import StaleEdit
    cid = _contact(world)
    data = PlannedQuestionCreate(text="How did you start?")
    q1 = research.add_planned_question(world.db, world.alice, cid, data, idempotency_key="own-1", now=NOW)
    assert research.add_planned_question(world.db, world.alice, cid, data, idempotency_key="own-1", now=NOW) == q1
    q2 = research.add_planned_question(world.db, world.alice, cid, PlannedQuestionCreate(text="What surprised you?"),
                                       now=NOW)
    research.edit_planned_question(world.db, world.alice, q1, PlannedQuestionCreate(text="How did you get started?"),
                                   expected_version=1, now=NOW)
    with pytest.raises(StaleEdit):
        research.edit_planned_question(world.db, world.alice, q1, PlannedQuestionCreate(text="Stale wording"),
                                       expected_version=1, now=NOW)
    with pytest.raises(ResearchError, match="already in the plan"):
        research.edit_planned_question(world.db, world.alice, q2,
                                       PlannedQuestionCreate(text="how did you get STARTED?"),
                                       expected_version=1, now=NOW)
    with pytest.raises(NotFound):
        research.edit_planned_question(world.db, world.bob, q1, PlannedQuestionCreate(text="Bob's"), now=NOW)
    removed = research.remove_planned_question(world.db, world.alice, q1, now=NOW)
    assert [q["id"] for q in research.list_planned_questions(world.db, world.alice, cid)] == [q2]
    research.restore_planned_question(world.db, world.alice, removed, now=NOW)
    plan = research.list_planned_questions(world.db, world.alice, cid)
    assert [(q["id"], q["text"]) for q in plan] == [(q1, "How did you get started?"), (q2, "What surprised you?")]
    assert [_events(world, a, "question") for a in ("edited", "removed", "restored")] == [1, 1, 1]
