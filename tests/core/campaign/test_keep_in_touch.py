"""Keeping in touch: "where I landed" notes proposed to the people who helped (core/campaign/keep_in_touch.py)."""

import pytest

from core.campaign import keep_in_touch
from core.errors import NotFound
from core.models import FollowUpCreate, FollowUpKind, OutcomeCreate, OutcomeKind
from tests.campaign_helpers import _contact
from tests.conftest import NOW


def test_where_i_landed_notes_are_proposed_to_the_helpers(world):
    a, db = world.alice, world.db
    one, two = _contact(world), _contact(world, first_name="Ben")
    keep_in_touch.record_outcome(db, a, OutcomeCreate(kind=OutcomeKind.INTERNSHIP, organization="County Health",
                                                      title="Summer intern", helped_contact_ids=[one, two]), now=NOW)
    status = keep_in_touch.landed_note_status(db, a, a.user_id)
    assert [(s["contact_id"], s["note_sent"]) for s in status] == [(one, False), (two, False)]
    keep_in_touch.add_follow_up(db, a, one, FollowUpCreate(kind=FollowUpKind.WHERE_I_LANDED, body="News!"),
                                sent_at=NOW, now=NOW)
    status = keep_in_touch.landed_note_status(db, a, a.user_id)
    assert [(s["contact_id"], s["note_sent"]) for s in status] == [(one, True), (two, False)]
    assert keep_in_touch.outcome_sentence("internship", "County Health", "Summer intern") == \
        "I have accepted an internship as Summer intern at County Health."
    with pytest.raises(NotFound):
        keep_in_touch.landed_note_status(db, world.counselor_y, a.user_id)
