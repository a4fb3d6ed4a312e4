"""The cockpit's core: who needs the counselor this week and why, unread replies, a nudge to many
students at once, and the cohorts side by side, on the hand-built campaign of oversight_fixtures."""

from __future__ import annotations

import math

import pytest

from core.campaign.contacts import create_contact
from core.errors import AccessDenied, NotFound, NudgeError
from core.models import CommentCreate, ContactCreate
from core.oversight.cockpit import (
    NUDGE_TEMPLATES,
    cohort_comparison,
    fill_nudge,
    mark_read,
    needs_me,
    nudge,
    nudge_values,
    unread_replies,
)
from core.oversight.comments import add_comment, list_comments
from core.oversight.dashboard import cohort_dashboard
from core.store.db import scalar
from tests.conftest import NOW
from tests.oversight_fixtures import DAY, Campaign


@pytest.fixture
def campaign(world) -> Campaign:
    return Campaign(world)


def _reply(w, student, body, *, now):
    add_comment(w.db, student, student.user_id, CommentCreate(subject_type="student", subject_id=student.user_id,
                                                             body=body), now=now)


def test_who_needs_me_lists_the_reasons_most_urgent_first(campaign):
    w = campaign.world
    found = needs_me(w.db, w.counselor_x, cohort_id=w.cohort_x, now=NOW)
    # alice: Ben's thank-you is overdue (held 3 days ago, 48 hours) and that meeting has no reflection;
    # bob and carl are behind on the cohort's goals; the one waiting longest comes first.
    assert list(found["name"]) == ["Alice Tester", "Bob Tester", "Carl Tester"]
    assert list(found["reasons"]) == [["overdue_thank_you", "no_reflection"], ["off_track"], ["off_track"]]
    assert found["why"][0] == "1 thank-you overdue; 1 meeting without a reflection."
    assert needs_me(w.db, w.counselor_y, cohort_id=w.cohort_y, now=NOW).empty  # yara thanked and reflected


def test_a_stall_is_new_in_its_first_week_only(campaign):
    w = campaign.world
    # Bob's last action was 30 days before NOW; the cohort calls 14 days stalled: newly stalled 14-20 days on.
    week_one = needs_me(w.db, w.counselor_x, cohort_id=w.cohort_x, now=NOW - 12 * DAY)
    assert "newly_stalled" in week_one.set_index("name").loc["Bob Tester", "reasons"]
    later = needs_me(w.db, w.counselor_x, cohort_id=w.cohort_x, now=NOW)
    assert "newly_stalled" not in later.set_index("name").loc["Bob Tester", "reasons"]


def test_a_reply_to_my_comment_is_unread_until_i_read_the_thread(campaign):
    w = campaign.world
    _reply(w, w.alice, "Sent it this morning!", now=NOW - DAY)
    assert unread_replies(w.db, w.counselor_x) == {w.alice.user_id: 1}
    assert unread_replies(w.db, w.counselor_y) == {}  # not their student
    found = needs_me(w.db, w.counselor_x, cohort_id=w.cohort_x, now=NOW).set_index("name")
    assert found.loc["Alice Tester", "reasons"][:2] == ["overdue_thank_you", "unread_reply"]
    assert "1 unread reply to your comments" in found.loc["Alice Tester", "why"]
    mark_read(w.db, w.counselor_x, w.alice.user_id, now=NOW)
    assert unread_replies(w.db, w.counselor_x) == {}
    _reply(w, w.alice, "And a second note.", now=NOW + DAY)
    assert unread_replies(w.db, w.counselor_x) == {w.alice.user_id: 1}
    # A student's note on a thread I never wrote in is not a reply to me.
    _reply(w, w.bob, "Hello?", now=NOW)
    assert w.bob.user_id not in unread_replies(w.db, w.counselor_x)
    with pytest.raises(NotFound):
        mark_read(w.db, w.counselor_y, w.alice.user_id, now=NOW)


def test_a_nudge_reaches_each_student_once_and_all_or_none(campaign):
    w = campaign.world
    text = "A quick nudge: add two people to your list this week."
    assert nudge(w.db, w.counselor_x, [w.bob.user_id, campaign.carl.user_id], text, now=NOW, idempotency_key="k1") == 2
    # A double click:
    nudge(w.db, w.counselor_x, [w.bob.user_id, campaign.carl.user_id], text, now=NOW, idempotency_key="k1")
    for student in (w.bob, campaign.carl):
        seen = [c["body"] for c in list_comments(w.db, student, student.user_id)]
        assert seen == [text], "the student sees it once, on their own campaign"
    with w.db.cursor() as cur:
        assert scalar(cur, "SELECT count(*) FROM events WHERE action = 'commented' AND actor_id = ? "
                           "AND student_id IN (?, ?)",
                      [w.counselor_x.user_id, w.bob.user_id, campaign.carl.user_id]) == 2
    # One student the counselor may not read: nobody is nudged.
    with pytest.raises(NotFound):
        nudge(w.db, w.counselor_x, [w.alice.user_id, w.yara.user_id], "Hello", now=NOW)
    assert [c["body"] for c in list_comments(w.db, w.alice, w.alice.user_id)] == ["Send the thank-you to Ben today."]
    with pytest.raises(NudgeError):
        nudge(w.db, w.counselor_x, [], "Hello", now=NOW)
    with pytest.raises(AccessDenied):
        nudge(w.db, w.alice, [w.alice.user_id], "Hello", now=NOW)


def test_a_nudge_names_each_student_and_counts_and_names_what_they_are_behind_on(campaign):
    w = campaign.world
    found = nudge_values(w.db, w.counselor_x, [w.alice.user_id, w.bob.user_id, campaign.carl.user_id], now=NOW)
    # Bob is behind on both of Cohort X's goals: the interview (due 5 March, missed) and the targets (pace 2 today).
    assert found[w.bob.user_id] == {
        "first_name": "Bob",
        "goals_behind": "two of the cohort's goals: 1 interview held by 5 March (you have 0) "
                        "and 4 targets by 20 March (you have 1)",
        "overdue_thank_yous": ""}
    # Alice met both goals and owes Ben his thank-you (held 3 days ago, a 48-hour window).
    assert found[w.alice.user_id] == {"first_name": "Alice", "goals_behind": "",
                                      "overdue_thank_yous": 'a thank-you to Ben Two, "Jr"'}
    assert nudge(w.db, w.counselor_x, [w.bob.user_id, campaign.carl.user_id], NUDGE_TEMPLATES["off_track"],
                 now=NOW) == 2
    [bob_reads] = [c["body"] for c in list_comments(w.db, w.bob, w.bob.user_id)]
    assert bob_reads == ("Hi Bob, you are behind on two of the cohort's goals: 1 interview held by 5 March "
                         "(you have 0) and 4 targets by 20 March (you have 1). Let's look at what would help: "
                         "reply here or bring it to our next meeting.")
    [carl_reads] = [c["body"] for c in list_comments(w.db, campaign.carl, campaign.carl.user_id)]
    assert carl_reads.startswith("Hi Carl, you are behind on two of the cohort's goals: 1 interview held by 5 March "
                                 "(you have 0) and 4 targets by 20 March (you have 0).")
    # A second person on the list puts Bob on pace for the targets: one goal behind, said as one.
    create_contact(w.db, w.bob, ContactCreate(first_name="Bo"), now=NOW)
    assert nudge_values(w.db, w.counselor_x, [w.bob.user_id], now=NOW)[w.bob.user_id]["goals_behind"] == \
        "one of the cohort's goals: 1 interview held by 5 March (you have 0)"


def test_every_nudge_template_reads_whole_for_the_students_it_is_for(campaign):
    w = campaign.world
    board = {r["student_id"]: r for r in cohort_dashboard(w.db, w.counselor_x, cohort_id=w.cohort_x, now=NOW)}
    for key, template in NUDGE_TEMPLATES.items():
        ids = [i for i, r in board.items() if key == "everyone" or r[key]]
        assert ids, key
        for student_id, text in fill_nudge(w.db, w.counselor_x, ids, template, now=NOW).items():
            assert "{" not in text and "}" not in text, (key, text)
            assert text.startswith((f"Hi {board[student_id]['first_name']}, ",
                                    f"Checking in, {board[student_id]['first_name']}: ")), (key, text)


def test_a_nudge_that_has_nothing_to_say_to_someone_is_refused_and_posts_nothing(campaign):
    w = campaign.world
    with pytest.raises(NudgeError, match=r"\{goals_behind\} has nothing to say to Alice Tester: they are behind "
                                         r"on no goal\."):
        nudge(w.db, w.counselor_x, [w.alice.user_id, w.bob.user_id], NUDGE_TEMPLATES["off_track"], now=NOW)
    with pytest.raises(NudgeError, match=r"\{overdue_thank_yous\} has nothing to say to Bob Tester"):
        nudge(w.db, w.counselor_x, [w.alice.user_id, w.bob.user_id], NUDGE_TEMPLATES["overdue_thank_you"], now=NOW)
    with pytest.raises(NudgeError, match=r"\{firstname\} is not a merge field of a nudge\. The fields are "
                                         r"\{first_name\}, \{goals_behind\}, \{overdue_thank_yous\}\."):
        nudge(w.db, w.counselor_x, [w.bob.user_id], "Hi {firstname}", now=NOW)
    assert list_comments(w.db, w.bob, w.bob.user_id) == []
    with pytest.raises(NotFound):
        nudge_values(w.db, w.counselor_y, [w.bob.user_id], now=NOW)


def test_cohorts_side_by_side(campaign):
    w = campaign.world
    found = cohort_comparison(w.db, w.admin, now=NOW).set_index("cohort_name")
    x = found.loc["Cohort X"]
    assert (x["students"], x["first_meeting_pct"], x["stalled_pct"]) == (3, 33, 33)
    assert x["thank_you_on_time_pct"] == 50  # Ann's on time, Ben's overdue
    assert x["median_days_to_interview"] == 13.5  # Ann 10 days, Ben 17
    y = found.loc["Cohort Y"]
    assert (y["students"], y["first_meeting_pct"], y["thank_you_on_time_pct"]) == (1, 100, 100)
    assert list(cohort_comparison(w.db, w.counselor_x, now=NOW)["cohort_name"]) == ["Cohort X"]
    with pytest.raises(AccessDenied):
        cohort_comparison(w.db, w.alice, now=NOW)
    assert not math.isnan(x["median_days_to_interview"])
