"""Access rules: a student sees only their campaign; a counselor only assigned cohorts; an admin all."""

from datetime import timedelta

import pytest

from core.admin.cohorts import add_goal, get_cohort, list_cohorts, update_cohort
from core.campaign import contacts, meetings, outreach, reflections, research
from core.campaign.contacts import create_contact, list_contacts
from core.errors import AccessDenied, NotFound
from core.identity.accounts import get_user, set_active
from core.models import (
    Channel,
    CohortUpdate,
    CommentCreate,
    ContactCreate,
    ContactUpdate,
    GoalCreate,
    GoalMetric,
    MeetingCreate,
    MeetingLog,
    MeetingMode,
    OutreachCreate,
    PlannedQuestionCreate,
    ReflectionCreate,
    ResearchUpdate,
)
from core.oversight import comments, timeline
from tests.campaign_helpers import _contact
from tests.conftest import NOW


@pytest.fixture
def alice_contact(world):
    return contacts.create_contact(world.db, world.alice, ContactCreate(first_name="Rita", organization="Acme"),
                                   now=NOW)


def test_student_cannot_read_another_students_contact(world, alice_contact):
    db = world.db
    with pytest.raises(NotFound):
        contacts.get_contact(db, world.bob, alice_contact.id)
    with pytest.raises(NotFound):
        contacts.list_contacts(db, world.bob, student_id=world.alice.user_id)
    with pytest.raises(NotFound):
        research.get_research(db, world.bob, alice_contact.id)
    with pytest.raises(NotFound):
        outreach.list_messages(db, world.bob, alice_contact.id)
    assert contacts.list_contacts(db, world.bob) == []


def test_student_cannot_change_another_students_contact(world, alice_contact):
    db = world.db
    with pytest.raises(NotFound):
        contacts.update_contact(db, world.bob, alice_contact.id, ContactUpdate(first_name="Hacked"), now=NOW)
    with pytest.raises(NotFound):
        contacts.set_archived(db, world.bob, alice_contact.id, True, now=NOW)
    with pytest.raises(NotFound):
        research.save_research(db, world.bob, alice_contact.id, ResearchUpdate(about_person="x"), now=NOW)
    with pytest.raises(NotFound):
        outreach.create_draft(db, world.bob, alice_contact.id, OutreachCreate(channel=Channel.EMAIL, body="hi"),
                              now=NOW)
    with pytest.raises(NotFound):
        meetings.schedule_meeting(db, world.bob, alice_contact.id, MeetingCreate(
            starts_at_local=NOW, timezone="UTC", mode=MeetingMode.PHONE), now=NOW)
    assert contacts.get_contact(db, world.alice, alice_contact.id).first_name == "Rita"


def test_counselor_sees_only_assigned_cohorts(world, alice_contact):
    db = world.db
    assert contacts.get_contact(db, world.counselor_x, alice_contact.id).id == alice_contact.id
    with pytest.raises(NotFound):
        contacts.get_contact(db, world.counselor_y, alice_contact.id)
    with pytest.raises(NotFound):
        contacts.list_contacts(db, world.counselor_y, student_id=world.alice.user_id)
    assert [c["name"] for c in list_cohorts(db, world.counselor_x)] == ["Cohort X"]
    assert [c["name"] for c in list_cohorts(db, world.counselor_y)] == ["Cohort Y"]
    with pytest.raises(NotFound):
        get_cohort(db, world.counselor_y, world.cohort_x)
    with pytest.raises(NotFound):
        get_user(db, world.counselor_y, world.alice.user_id)
    assert get_user(db, world.counselor_x, world.alice.user_id).username == "alice"


def test_admin_sees_everything(world, alice_contact):
    assert contacts.get_contact(world.db, world.admin, alice_contact.id).id == alice_contact.id
    assert {c["name"] for c in list_cohorts(world.db, world.admin)} == {"Cohort X", "Cohort Y"}


def test_counselors_and_admins_read_but_do_not_write_a_campaign(world, alice_contact):
    for actor in (world.counselor_x, world.admin):
        with pytest.raises(NotFound):
            contacts.update_contact(world.db, actor, alice_contact.id, ContactUpdate(first_name="X"), now=NOW)
        with pytest.raises(AccessDenied):
            contacts.create_contact(world.db, actor, ContactCreate(first_name="X"), now=NOW)


def test_students_cannot_see_other_cohorts_or_set_goals(world):
    assert [c["name"] for c in list_cohorts(world.db, world.alice)] == ["Cohort X"]
    with pytest.raises(AccessDenied):
        add_goal(world.db, world.alice, world.cohort_x, GoalCreate(metric=GoalMetric.TARGETS, target_count=8))
    with pytest.raises(NotFound):
        add_goal(world.db, world.counselor_y, world.cohort_x, GoalCreate(metric=GoalMetric.TARGETS, target_count=8))
    add_goal(world.db, world.counselor_x, world.cohort_x, GoalCreate(metric=GoalMetric.TARGETS, target_count=8))


def test_counselor_may_change_timing_settings_only(world):
    updated = update_cohort(world.db, world.counselor_x, world.cohort_x, CohortUpdate(thank_you_window_hours=24))
    assert updated.thank_you_window_hours == 24
    with pytest.raises(AccessDenied):
        update_cohort(world.db, world.counselor_x, world.cohort_x, CohortUpdate(name="Renamed"))
    with pytest.raises(NotFound):
        update_cohort(world.db, world.counselor_y, world.cohort_x, CohortUpdate(stalled_after_days=3))


def _held_meeting(world, contact_id):
    db, alice = world.db, world.alice
    meeting_id = meetings.schedule_meeting(db, alice, contact_id, MeetingCreate(
        starts_at_local=NOW - timedelta(days=1), timezone="UTC", mode=MeetingMode.VIDEO), now=NOW - timedelta(days=2))
    meetings.log_meeting(db, alice, meeting_id, MeetingLog(insights="x"), now=NOW)
    return meeting_id


def test_private_reflections_never_reach_counselors_or_admins(world, alice_contact):
    db = world.db
    meeting_id = _held_meeting(world, alice_contact.id)
    reflections.save_reflection(db, world.alice, meeting_id, ReflectionCreate(feelings="secret", is_private=True),
                                now=NOW)
    assert reflections.get_reflection(db, world.alice, meeting_id)["feelings"] == "secret"
    for actor in (world.counselor_x, world.admin):
        assert reflections.get_reflection(db, actor, meeting_id) is None
        campaign = timeline.student_campaign(db, actor, world.alice.user_id)
        assert [m["reflection"] for c in campaign["contacts"] for m in c["meetings"]] == [None]


def test_comment_threads_follow_the_same_rules(world, alice_contact):
    db = world.db
    comments.add_comment(db, world.counselor_x, world.alice.user_id,
                         CommentCreate(subject_type="contact", subject_id=alice_contact.id, body="Good pick"), now=NOW)
    comments.add_comment(db, world.alice, world.alice.user_id,
                         CommentCreate(subject_type="contact", subject_id=alice_contact.id, body="Thanks!"), now=NOW)
    thread = comments.list_comments(db, world.alice, world.alice.user_id, subject_type="contact",
                                    subject_id=alice_contact.id)
    assert [(c["body"], c["author_role"]) for c in thread] == [("Good pick", "counselor"), ("Thanks!", "student")]
    with pytest.raises(NotFound):
        comments.list_comments(db, world.counselor_y, world.alice.user_id)
    with pytest.raises(NotFound):
        comments.add_comment(db, world.bob, world.alice.user_id,
                             CommentCreate(subject_type="student", subject_id=world.alice.user_id, body="hi"), now=NOW)
    # An item of one student cannot be attached to another student's thread.
    with pytest.raises(NotFound):
        comments.add_comment(db, world.counselor_x, world.bob.user_id,
                             CommentCreate(subject_type="contact", subject_id=alice_contact.id, body="x"), now=NOW)


def test_core_refuses_a_deactivated_actor_for_reads_and_writes(world):
    create_contact(world.db, world.alice, ContactCreate(first_name="Kept"), now=NOW)
    set_active(world.db, world.admin, world.alice.user_id, False, now=NOW)
    with pytest.raises((NotFound, AccessDenied)):
        list_contacts(world.db, world.alice)
    with pytest.raises(AccessDenied):
        create_contact(world.db, world.alice, ContactCreate(first_name="Sneaky"), now=NOW)
    set_active(world.db, world.admin, world.counselor_x.user_id, False, now=NOW)
    with pytest.raises(NotFound):
        list_contacts(world.db, world.counselor_x, student_id=world.bob.user_id)
    # The data stays, and the career office still sees it.
    assert [c["first_name"] for c in list_contacts(world.db, world.admin, student_id=world.alice.user_id)] == ["Kept"]


def test_counselors_read_but_never_write_a_campaign(world):
    cid = _contact(world)
    assert contacts.get_contact(world.db, world.counselor_x, cid).id == cid
    with pytest.raises(NotFound):
        contacts.get_contact(world.db, world.counselor_y, cid)
    with pytest.raises(NotFound):
        research.add_planned_question(world.db, world.counselor_x, cid, PlannedQuestionCreate(text="Why?"), now=NOW)
    with pytest.raises(AccessDenied):
        contacts.create_contact(world.db, world.admin, ContactCreate(first_name="X"), now=NOW)
    with pytest.raises(NotFound):
        outreach.create_draft(world.db, world.bob, cid, OutreachCreate(channel=Channel.EMAIL, body="Hi"), now=NOW)
