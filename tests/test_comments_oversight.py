"""Comment threads between counselors and students: scope, private reflections, the dashboard's recent list."""

from __future__ import annotations

import pytest

from core.access import AccessDenied, NotFound
from core.comments import add_comment, comment_counts, list_comments, recent_comments
from core.models import CommentCreate
from tests.conftest import NOW
from tests.oversight_fixtures import Campaign


@pytest.fixture
def campaign(world) -> Campaign:
    return Campaign(world)


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
    assert comment_counts(w.db, w.alice, w.alice.user_id) == {("student", w.alice.user_id): 1, ("meeting", campaign.m2): 1}


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
                                                            subject_id=campaign.reflection_y, body="Note to self"), now=NOW)
    with pytest.raises(NotFound):
        add_comment(w.db, w.counselor_y, w.yara.user_id, CommentCreate(
            subject_type="reflection", subject_id=campaign.reflection_y, body="Can I read it?"), now=NOW)
    assert comment_counts(w.db, w.counselor_y, w.yara.user_id) == {}
    assert recent_comments(w.db, w.counselor_y) == []
    assert recent_comments(w.db, w.admin) and all(c["subject_type"] != "reflection" for c in recent_comments(w.db, w.admin))
    assert comment_counts(w.db, w.yara, w.yara.user_id) == {("reflection", campaign.reflection_y): 1}
