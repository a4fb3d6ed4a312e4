"""Comment threads between counselors and students: scope, private reflections, the dashboard's recent list."""

from __future__ import annotations

from collections import Counter

import pytest

from core.errors import AccessDenied, NotFound
from core.models import CommentCreate
from core.oversight.comments import add_comment, list_comments, recent_comments
from tests.conftest import NOW
from tests.oversight_fixtures import Campaign


@pytest.fixture
def campaign(world) -> Campaign:
    return Campaign(world)


def _counts(db, actor, student_id):
    """How many comments the actor reads on each item of the student's campaign, as the thread shows them."""
    return dict(Counter((c["subject_type"], c["subject_id"]) for c in list_comments(db, actor, student_id)))

def test_student_sees_the_counselor_comment_and_answers(campaign):
    w = campaign.world
    seen = list_comments(w.db, w.alice, w.alice.user_id, subject_type="student", subject_id=w.alice.user_id)
    assert [(c["body"], c["author_role"]) for c in seen] == [("Send the thank-you to Ben today.", "counselor")]
    add_comment(w.db, w.alice, w.alice.user_id, CommentCreate(subject_type="student", subject_id=w.alice.user_id,
                                                              body="Sent it this morning."), now=NOW)
    thread = list_comments(w.db, w.counselor_x, w.alice.user_id, subject_type="student", subject_id=w.alice.user_id)
    assert [c["author_role"] for c in thread] == ["counselor", "student"]
    latest = recent_comments(w.db, w.counselor_x, cohort_id=w.cohort_x)
    assert [(c["body"], c["by_student"], c["student_name"]) for c in latest][0] == \
        ("Sent it this morning.", True, "Alice Tester")


def test_counselor_comments_on_an_item(campaign):
    w = campaign.world
    add_comment(w.db, w.counselor_x, w.alice.user_id, CommentCreate(subject_type="meeting", subject_id=campaign.m2,
                                                                    body="Log the advice too."), now=NOW)
    assert _counts(w.db, w.alice, w.alice.user_id) == {("student", w.alice.user_id): 1,
                                                              ("meeting", campaign.m2): 1}


def test_other_cohorts_and_students_are_out_of_reach(campaign):
    w = campaign.world
    with pytest.raises(NotFound):
        add_comment(w.db, w.counselor_y, w.alice.user_id, CommentCreate(
            subject_type="student", subject_id=w.alice.user_id, body="Hello"), now=NOW)
    with pytest.raises(NotFound):
        add_comment(w.db, w.bob, w.alice.user_id, CommentCreate(
            subject_type="student", subject_id=w.alice.user_id, body="Hi Alice"), now=NOW)
    with pytest.raises(NotFound):  # an item of another student, hung on Alice's campaign
        add_comment(w.db, w.counselor_x, w.alice.user_id, CommentCreate(
            subject_type="contact", subject_id=campaign.b1, body="Mixed up"), now=NOW)
    assert recent_comments(w.db, w.counselor_y) == []
    with pytest.raises(NotFound):
        recent_comments(w.db, w.counselor_y, cohort_id=w.cohort_x)
    with pytest.raises(AccessDenied):
        recent_comments(w.db, w.alice, cohort_id=w.cohort_x)


def test_comments_on_a_private_reflection_stay_with_its_author(campaign):
    w = campaign.world
    add_comment(w.db, w.yara, w.yara.user_id, CommentCreate(subject_type="reflection",
                                                            subject_id=campaign.reflection_y, body="Note to self"),
                now=NOW)
    with pytest.raises(NotFound):
        add_comment(w.db, w.counselor_y, w.yara.user_id, CommentCreate(
            subject_type="reflection", subject_id=campaign.reflection_y, body="Can I read it?"), now=NOW)
    assert _counts(w.db, w.counselor_y, w.yara.user_id) == {}
    assert recent_comments(w.db, w.counselor_y) == []
    assert recent_comments(w.db, w.admin) and all(c["subject_type"] != "reflection"
                                                  for c in recent_comments(w.db, w.admin))
    assert _counts(w.db, w.yara, w.yara.user_id) == {("reflection", campaign.reflection_y): 1}


# ---------------------------------------------------------------- edit, withdraw, undo, create-once

from datetime import timedelta  # noqa: E402

from core.errors import StaleEdit  # noqa: E402
from core.models import CommentEdit  # noqa: E402
from core.oversight.comments import edit_comment, restore_comment, withdraw_comment  # noqa: E402


def _thread(w, actor):
    return list_comments(w.db, actor, w.alice.user_id, subject_type="student", subject_id=w.alice.user_id)


def _events(w, action):
    with w.db.cursor() as cur:
        return cur.execute("SELECT actor_id, entity_id, occurred_at FROM events WHERE entity_type = 'comment' "
                           "AND action = ? ORDER BY id", [action]).fetchall()


def test_author_edits_a_comment_and_both_sides_see_it_edited(campaign):
    w = campaign.world
    new_id = add_comment(w.db, w.counselor_x, w.alice.user_id, CommentCreate(
        subject_type="student", subject_id=w.alice.user_id, body="Call Ben on Monday."), now=NOW)
    later = NOW + timedelta(minutes=5)
    version = edit_comment(w.db, w.counselor_x, new_id, CommentEdit(body="Call Ben on Tuesday."),
                           expected_version=1, now=later)
    assert version == 2
    for reader in (w.alice, w.counselor_x):
        mine = [c for c in _thread(w, reader) if c["id"] == new_id][0]
        assert (mine["body"], mine["edited_at"], mine["version"]) == ("Call Ben on Tuesday.", later, 2)
    assert _events(w, "edited") == [(w.counselor_x.user_id, new_id, later)]


def test_a_stale_edit_is_refused_with_the_saved_text(campaign):
    w = campaign.world
    new_id = add_comment(w.db, w.alice, w.alice.user_id, CommentCreate(
        subject_type="student", subject_id=w.alice.user_id, body="First draft"), now=NOW)
    edit_comment(w.db, w.alice, new_id, CommentEdit(body="From my phone"), expected_version=1, now=NOW)
    with pytest.raises(StaleEdit) as refused:
        edit_comment(w.db, w.alice, new_id, CommentEdit(body="From my laptop"), expected_version=1, now=NOW)
    assert refused.value.current == {"body": "From my phone"}
    assert [c["body"] for c in _thread(w, w.alice) if c["id"] == new_id] == ["From my phone"]


def test_only_the_author_edits_or_withdraws(campaign):
    w = campaign.world
    theirs = _thread(w, w.alice)[0]  # the counselor's comment
    with pytest.raises(AccessDenied):
        edit_comment(w.db, w.alice, theirs["id"], CommentEdit(body="Not mine"), now=NOW)
    with pytest.raises(AccessDenied):
        withdraw_comment(w.db, w.alice, theirs["id"], now=NOW)
    with pytest.raises(NotFound):  # a counselor of another cohort learns nothing
        withdraw_comment(w.db, w.counselor_y, theirs["id"], now=NOW)
    assert _thread(w, w.alice)[0]["body"] == theirs["body"]


def test_withdraw_then_undo(campaign):
    w = campaign.world
    new_id = add_comment(w.db, w.alice, w.alice.user_id, CommentCreate(
        subject_type="student", subject_id=w.alice.user_id, body="Oops, wrong thread"), now=NOW)
    withdraw_comment(w.db, w.alice, new_id, expected_version=1, now=NOW)
    assert new_id not in [c["id"] for c in _thread(w, w.counselor_x)]
    assert _counts(w.db, w.counselor_x, w.alice.user_id) == {("student", w.alice.user_id): 1}
    assert new_id not in [c["id"] for c in recent_comments(w.db, w.counselor_x)]
    restore_comment(w.db, w.alice, new_id, now=NOW)
    assert new_id in [c["id"] for c in _thread(w, w.counselor_x)]
    assert [e[:2] for e in _events(w, "withdrawn")] == [(w.alice.user_id, new_id)]
    assert [e[:2] for e in _events(w, "restored")] == [(w.alice.user_id, new_id)]


def test_posting_the_same_form_twice_posts_once(campaign):
    w = campaign.world
    data = CommentCreate(subject_type="student", subject_id=w.alice.user_id, body="Double click")
    first = add_comment(w.db, w.alice, w.alice.user_id, data, now=NOW, idempotency_key="form-1")
    again = add_comment(w.db, w.alice, w.alice.user_id, data, now=NOW, idempotency_key="form-1")
    assert first == again
    assert [c["body"] for c in _thread(w, w.alice)].count("Double click") == 1
