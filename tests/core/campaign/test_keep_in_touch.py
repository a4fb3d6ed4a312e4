"""Keeping in touch: "where I landed" notes proposed to the people who helped (core/campaign/keep_in_touch.py)."""

import re
from datetime import date, datetime, timedelta

import pytest

from core.campaign import keep_in_touch, outreach
from core.campaign.todo import todo_list
from core.errors import FollowUpError, NotFound, StaleEdit
from core.models import (
    Channel,
    CommentCreate,
    FollowUpCreate,
    FollowUpKind,
    OutcomeCreate,
    OutcomeKind,
    OutreachCreate,
)
from core.oversight.comments import add_comment, list_comments
from tests.campaign_helpers import _contact, _events, _key_used
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


# ---------------------------------------------------------------- the time a keep-in-touch note went out

def _request_sent(world, cid: int, at: datetime) -> None:
    a, db = world.alice, world.db
    mid = outreach.create_draft(db, a, cid, OutreachCreate(channel=Channel.EMAIL, purpose="request", body="Hello"),
                                now=at)
    outreach.mark_sent(db, a, mid, channel=Channel.EMAIL, sent_at=at, now=at)


def test_a_keep_in_touch_note_logged_later_keeps_the_time_it_went_out(world):
    a, db = world.alice, world.db
    cid = _contact(world)
    _request_sent(world, cid, NOW - timedelta(days=8))
    went = NOW - timedelta(days=2)
    fid = keep_in_touch.add_follow_up(db, a, cid, FollowUpCreate(kind=FollowUpKind.NEWS, body="News"), sent_at=went,
                                      now=NOW)
    planned = keep_in_touch.add_follow_up(db, a, cid, FollowUpCreate(
        kind=FollowUpKind.CHECK_IN, due_on=(NOW - timedelta(days=1)).date()), now=NOW)
    keep_in_touch.mark_follow_up_sent(db, a, planned, sent_at=NOW - timedelta(hours=30), now=NOW)
    # Neither a sent time nor a planned date: it went out as it was logged.
    now_id = keep_in_touch.add_follow_up(db, a, cid, FollowUpCreate(kind=FollowUpKind.OTHER, body="Hi"), now=NOW)
    sent = {f["id"]: f["sent_at"] for f in keep_in_touch.list_follow_ups(db, a, a.user_id)}
    assert sent == {fid: went, planned: NOW - timedelta(hours=30), now_id: NOW}


@pytest.mark.parametrize("reached, sent_at, words", [
    (True, NOW - timedelta(days=8, minutes=1), "is before your first contact with this person (02 Mar 2026, 10:00)"),
    (False, NOW - timedelta(days=10, minutes=1),
     "is before the moment you added this person to your list (28 Feb 2026, 10:00)"),
    (True, NOW + timedelta(minutes=1), "cannot be in the future"),
])
def test_a_keep_in_touch_note_before_the_first_contact_or_in_the_future_is_refused_and_nothing_written(
        world, reached, sent_at, words):
    a, db = world.alice, world.db
    cid = _contact(world)  # added ten days before NOW
    if reached:
        _request_sent(world, cid, NOW - timedelta(days=8))
    planned = keep_in_touch.add_follow_up(db, a, cid, FollowUpCreate(
        kind=FollowUpKind.CHECK_IN, body="planned", due_on=NOW.date()), now=NOW)
    with pytest.raises(FollowUpError, match=re.escape(words)):
        keep_in_touch.add_follow_up(db, a, cid, FollowUpCreate(kind=FollowUpKind.NEWS, body="News"), sent_at=sent_at,
                                    now=NOW, idempotency_key="k")
    with pytest.raises(FollowUpError, match=re.escape(words)):
        keep_in_touch.mark_follow_up_sent(db, a, planned, sent_at=sent_at, now=NOW)
    [kept] = keep_in_touch.list_follow_ups(db, a, a.user_id)
    assert (kept["id"], kept["sent_at"]) == (planned, None)
    assert not _key_used(db, a, "k")  # the same form saves once its time is put right


# ---------------------------------------------------------------- where I landed: once, edited, removed and back

def _landed(world, helped: list[int], **extra) -> OutcomeCreate:
    data = {"kind": OutcomeKind.INTERNSHIP, "organization": "County Health", "title": "Summer intern",
            "decided_on": date(2026, 3, 1), "helped_contact_ids": helped, **extra}
    return OutcomeCreate(**data)


def _notes_to_send(world) -> list[int]:
    """The people the student is asked to tell where they landed: on the Keep in touch page and on Home."""
    a, db = world.alice, world.db
    page = [s["contact_id"] for s in keep_in_touch.landed_note_status(db, a, a.user_id) if not s["note_sent"]]
    home = [i.contact_id for i in todo_list(db, a, now=NOW) if i.kind == "where_i_landed"]
    assert sorted(page) == sorted(home)
    return sorted(page)


def test_an_outcome_form_submitted_twice_records_one_outcome_and_one_note_per_helper(world):
    a, db = world.alice, world.db
    one, two = _contact(world), _contact(world, first_name="Ben")
    first = keep_in_touch.record_outcome(db, a, _landed(world, [one, two]), now=NOW, idempotency_key="landed-1")
    again = keep_in_touch.record_outcome(db, a, _landed(world, [one, two]), now=NOW, idempotency_key="landed-1")
    assert first == again
    assert [o["id"] for o in keep_in_touch.list_outcomes(db, a, a.user_id)] == [first]
    assert _notes_to_send(world) == [one, two]
    assert _events(world, "recorded", "outcome") == 1


def test_an_outcome_is_edited_in_place_and_whoever_was_told_is_not_asked_again(world):
    a, db = world.alice, world.db
    one, two = _contact(world), _contact(world, first_name="Ben")
    oid = keep_in_touch.record_outcome(db, a, _landed(world, [one]), now=NOW)
    keep_in_touch.add_follow_up(db, a, one, FollowUpCreate(kind=FollowUpKind.WHERE_I_LANDED, body="News!"), now=NOW)
    assert _notes_to_send(world) == []
    [o] = keep_in_touch.list_outcomes(db, a, a.user_id)
    keep_in_touch.update_outcome(db, a, oid, _landed(world, [one, two], kind=OutcomeKind.JOB_OFFER,
                                                     title="Analyst"), expected_version=o["version"], now=NOW)
    [o] = keep_in_touch.list_outcomes(db, a, a.user_id)
    assert (o["id"], o["kind"], o["title"], list(o["helped_contact_ids"])) == (oid, "job_offer", "Analyst", [one, two])
    # Ana was told already; only Ben, new among the helpers, is proposed a note.
    assert _notes_to_send(world) == [two]
    with pytest.raises(StaleEdit) as stale:  # a form opened before that edit
        keep_in_touch.update_outcome(db, a, oid, _landed(world, [one]), expected_version=o["version"] - 1, now=NOW)
    assert stale.value.current["title"] == "Analyst"
    with pytest.raises(NotFound):
        keep_in_touch.update_outcome(db, world.bob, oid, _landed(world, []), now=NOW)
    with pytest.raises(NotFound, match="not in your list"):
        keep_in_touch.update_outcome(db, a, oid, _landed(world, [_contact(world, world.bob)]), now=NOW)
    assert keep_in_touch.list_outcomes(db, a, a.user_id)[0]["title"] == "Analyst"


def test_a_removed_outcome_comes_back_with_undo_with_its_helpers_and_comments(world):
    a, db = world.alice, world.db
    one, two = _contact(world), _contact(world, first_name="Ben")
    oid = keep_in_touch.record_outcome(db, a, _landed(world, [one, two], description="After a referral"), now=NOW)
    add_comment(db, world.counselor_x, a.user_id, CommentCreate(subject_type="outcome", subject_id=oid,
                                                                body="Well done!"), now=NOW)
    [before] = keep_in_touch.list_outcomes(db, a, a.user_id)
    with pytest.raises(NotFound):
        keep_in_touch.remove_outcome(db, world.bob, oid, now=NOW)
    removed = keep_in_touch.remove_outcome(db, a, oid, now=NOW)
    assert keep_in_touch.list_outcomes(db, a, a.user_id) == []
    assert _notes_to_send(world) == []
    assert keep_in_touch.restore_outcome(db, a, removed, now=NOW) == oid
    assert keep_in_touch.restore_outcome(db, a, removed, now=NOW) == oid  # a second Undo changes nothing
    [after] = keep_in_touch.list_outcomes(db, a, a.user_id)
    assert {k: v for k, v in after.items() if k != "updated_at"} == {k: v for k, v in before.items()
                                                                      if k != "updated_at"}
    assert _notes_to_send(world) == [one, two]
    comments = list_comments(db, a, a.user_id, subject_type="outcome", subject_id=oid)
    assert [c["body"] for c in comments] == ["Well done!"]
