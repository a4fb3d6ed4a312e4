"""The student detail data: the timeline in order, the read-only campaign, private reflections hidden, access."""

from __future__ import annotations

import pytest

from core.campaign import thanks
from core.errors import NotFound
from core.models import ThankYouCreate
from core.oversight import timeline
from core.oversight.timeline import describe_event, readable_students, student_campaign, student_timeline
from tests.campaign_helpers import _contact, _held_meeting
from tests.conftest import NOW
from tests.oversight_fixtures import DAY, SECRET, Campaign


@pytest.fixture
def campaign(world) -> Campaign:
    return Campaign(world)


def test_timeline_in_order_with_descriptions(campaign):
    w = campaign.world
    timeline = student_timeline(w.db, w.counselor_x, w.alice.user_id)
    times = [e["occurred_at"] for e in timeline]
    assert times == sorted(times)
    assert timeline[0]["occurred_at"] == NOW - 20 * DAY and timeline[0]["description"] == "added a contact"
    assert timeline[0]["contact_name"] == "Ann One" and timeline[0]["by_student"]
    last = timeline[-1]
    assert (last["actor_role"], last["description"]) == ("admin", "joined the cohort")
    comment = next(e for e in timeline if e["action"] == "commented")
    assert (comment["actor_name"], comment["by_student"], comment["description"]) == \
        ("Counselor Tester", False, "commented on the campaign")
    newest = student_timeline(w.db, w.counselor_x, w.alice.user_id, newest_first=True)
    assert [e["event_id"] for e in newest] == [e["event_id"] for e in reversed(timeline)]


def test_describe_event_names_the_item():
    assert describe_event("sent", "outreach") == "sent a request"
    assert describe_event("reply_recorded", "outreach") == "recorded the reply to a request"
    assert describe_event("written", "reflection") == "wrote a reflection"


def test_campaign_groups_items_per_contact(campaign):
    w = campaign.world
    data = student_campaign(w.db, w.counselor_x, w.alice.user_id)
    by_name = {c["first_name"]: c for c in data["contacts"]}
    assert list(by_name) == ["Ann", "Rita", "Ben", "Archie"]  # priority, then name; archived last
    ann = by_name["Ann"]
    assert ann["stage"] == "reflect" and ann["research"]["about_person"] == "Met at the fair."
    assert len(ann["messages"]) == 1 and ann["messages"][0]["reply"] == "accepted"
    assert ann["meetings"][0]["reflection"]["feelings"] == "Curious and encouraged."
    assert len(ann["thank_yous"]) == 1
    assert by_name["Ben"]["meetings"][0]["reflection"] is None
    assert by_name["Archie"]["archived_at"] == NOW - DAY


def test_private_reflection_never_reaches_the_counselor(campaign):
    w = campaign.world
    data = student_campaign(w.db, w.counselor_y, w.yara.user_id)
    meeting = data["contacts"][0]["meetings"][0]
    assert meeting["reflection"] is None
    assert SECRET not in repr(data)
    assert SECRET not in repr(student_timeline(w.db, w.counselor_y, w.yara.user_id))
    own = student_campaign(w.db, w.yara, w.yara.user_id)
    assert own["contacts"][0]["meetings"][0]["reflection"]["feelings"] == SECRET


def test_counselor_of_another_cohort_sees_nothing(campaign):
    w = campaign.world
    for call in (student_campaign, student_timeline):
        with pytest.raises(NotFound):
            call(w.db, w.counselor_y, w.alice.user_id)
        with pytest.raises(NotFound):
            call(w.db, w.bob, w.alice.user_id)
    assert [s["username"] for s in readable_students(w.db, w.counselor_y)] == ["yara"]
    assert [s["username"] for s in readable_students(w.db, w.counselor_x)] == ["alice", "bob", "carl"]
    assert [s["username"] for s in readable_students(w.db, w.bob)] == ["bob"]


def test_edits_are_on_the_timeline_in_words_with_who_and_when(campaign):
    from datetime import timedelta

    from core.campaign.contacts import update_contact
    from core.models import CommentCreate, CommentEdit, ContactUpdate
    from core.oversight.comments import add_comment, edit_comment
    from tests.conftest import NOW

    w = campaign.world
    later = NOW + timedelta(hours=2)
    contact = student_campaign(w.db, w.alice, w.alice.user_id)["contacts"][0]
    update_contact(w.db, w.alice, contact["id"], ContactUpdate(first_name=contact["first_name"],
                                                               organization="Renamed Clinic"), now=later)
    note = add_comment(w.db, w.counselor_x, w.alice.user_id,
                       CommentCreate(subject_type="student", subject_id=w.alice.user_id, body="Try again"), now=later)
    edit_comment(w.db, w.counselor_x, note, CommentEdit(body="Try again on Monday"), now=later)
    edits = [e for e in student_timeline(w.db, w.counselor_x, w.alice.user_id) if e["is_edit"]]
    assert [(e["actor_id"], e["description"], e["occurred_at"]) for e in edits][-2:] == [
        (w.alice.user_id, "edited a contact", later), (w.counselor_x.user_id, "edited a comment", later)]
    assert all(e["actor_name"] for e in edits)


def test_describe_event_reads_for_edits_and_unknown_items():
    assert describe_event("updated", "contact") == "edited a contact"
    assert describe_event("withdrawn", "comment") == "withdrew a comment"
    assert describe_event("edited", "interview_answer") == "edited an interview answer"


def test_counselor_timeline_lists_only_the_current_thank_you_per_meeting(world):
    a, db = world.alice, world.db
    cid = _contact(world)
    mid = _held_meeting(world, cid)
    # An orphan left by the old page: a draft, then the template sent beside it.
    orphan = thanks.create_thank_you(db, a, cid, ThankYouCreate(body="edited draft"), meeting_id=mid, now=NOW)
    sent = thanks.create_thank_you(db, a, cid, ThankYouCreate(body="template"), meeting_id=mid, now=NOW)
    thanks.mark_thank_you_sent(db, a, sent, now=NOW)
    campaign = timeline.student_campaign(db, world.counselor_x, a.user_id)
    [c] = [c for c in campaign["contacts"] if c["id"] == cid]
    assert [t["id"] for t in c["thank_yous"]] == [sent] and orphan != sent
    assert [t["id"] for t in thanks.current_thank_yous(db, a, cid)] == [sent]
