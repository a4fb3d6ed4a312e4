"""A contact's stage and its timestamps come from the stored facts, step by step."""

from datetime import timedelta

import pytest

from core.errors import ContactError, MeetingError, ReflectionError, ThankYouError
from core.campaign import contacts, keep_in_touch, meetings, outreach, reflections, research, thanks
from core.store.db import rows
from core.models import (
    Channel, ContactCreate, FollowUpCreate, FollowUpKind, MeetingCreate, MeetingLog, MeetingMode, MeetingNote,
    OutreachCreate, PlannedQuestionCreate, ReferralCreate, ReflectionCreate, Reply, ResearchUpdate, Source, Stage,
    ThankYouCreate,
)
from tests.conftest import NOW


def stage_of(db, actor, contact_id):
    c = contacts.get_contact(db, actor, contact_id)
    return c.stage, c.stage_at


def test_each_step_moves_the_stage_and_records_when(world):
    db, alice = world.db, world.alice
    t = lambda h: NOW + timedelta(hours=h)  # noqa: E731
    c = contacts.create_contact(db, alice, ContactCreate(first_name="Rita", organization="Acme"), now=t(0))
    assert stage_of(db, alice, c.id) == (Stage.TARGET, t(0))

    research.save_research(db, alice, c.id, ResearchUpdate(), now=t(1))
    assert stage_of(db, alice, c.id)[0] == Stage.TARGET, "empty notes are not research"
    research.add_planned_question(db, alice, c.id, PlannedQuestionCreate(text="How did you start?"), now=t(2))
    assert stage_of(db, alice, c.id) == (Stage.RESEARCH, t(2))

    msg = outreach.create_draft(db, alice, c.id, OutreachCreate(channel=Channel.EMAIL, body="Hello"), now=t(3))
    assert stage_of(db, alice, c.id)[0] == Stage.RESEARCH, "a draft is not outreach"
    outreach.mark_sent(db, alice, msg, channel=Channel.EMAIL, sent_at=t(4), now=t(4))
    assert stage_of(db, alice, c.id) == (Stage.OUTREACH, t(4))
    outreach.record_reply(db, alice, msg, Reply.ACCEPTED, now=t(5))

    m = meetings.schedule_meeting(db, alice, c.id, MeetingCreate(
        starts_at_local=t(30), timezone="UTC", mode=MeetingMode.VIDEO), now=t(6))
    assert stage_of(db, alice, c.id)[0] == Stage.OUTREACH, "a scheduled meeting is not an interview yet"
    with pytest.raises(MeetingError):
        meetings.log_meeting(db, alice, m, MeetingLog(), held_at=t(30), now=t(7))
    meetings.log_meeting(db, alice, m, MeetingLog(insights="People first"), now=t(31))
    assert stage_of(db, alice, c.id) == (Stage.INTERVIEW, t(30))

    ty = thanks.create_thank_you(db, alice, c.id, ThankYouCreate(body="Thank you"), meeting_id=m, now=t(32))
    assert stage_of(db, alice, c.id)[0] == Stage.INTERVIEW, "an unsent thank-you does not count"
    thanks.mark_thank_you_sent(db, alice, ty, now=t(33))
    assert stage_of(db, alice, c.id) == (Stage.THANK, t(33))

    reflections.save_reflection(db, alice, m, ReflectionCreate(feelings="Good", fit_rating=4), now=t(34))
    assert stage_of(db, alice, c.id) == (Stage.REFLECT, t(34))

    keep_in_touch.add_follow_up(db, alice, c.id, FollowUpCreate(kind=FollowUpKind.NEWS, body="News"),
                                sent_at=t(200), now=t(200))
    assert stage_of(db, alice, c.id) == (Stage.KEEP_IN_TOUCH, t(200))

    with db.cursor() as cur:
        progress = rows(cur, "SELECT * FROM contact_progress WHERE contact_id = ?", [c.id])[0]
    assert [progress[k] for k in ("target_at", "research_at", "outreach_at", "interview_at", "thank_at",
                                  "reflect_at", "keep_in_touch_at")] == [t(0), t(2), t(4), t(30), t(33), t(34), t(200)]


def test_logging_a_meeting_turns_referrals_into_linked_targets(world):
    db, alice = world.db, world.alice
    c = contacts.create_contact(db, alice, ContactCreate(first_name="Rita", organization="Acme"), now=NOW)
    m = meetings.schedule_meeting(db, alice, c.id, MeetingCreate(
        starts_at_local=NOW - timedelta(hours=2), timezone="UTC", mode=MeetingMode.PHONE), now=NOW - timedelta(days=1))
    created = meetings.log_meeting(
        db, alice, m, MeetingLog(skill_words="forecasting"),
        notes=[MeetingNote(question="Typical day?", answer="Meetings, then analysis")],
        referrals=[ReferralCreate(first_name="Sam", last_name="Lee", organization="Acme", may_use_name=True),
                   ReferralCreate(first_name="Kim", may_use_name=False)],
        now=NOW)
    assert len(created) == 2
    sam = contacts.get_contact(db, alice, created[0])
    assert (sam.full_name, sam.source, sam.referred_by_contact_id, sam.referred_in_meeting_id,
            sam.may_use_referrer_name, sam.stage) == ("Sam Lee", Source.REFERRAL, c.id, m, True, Stage.TARGET)
    assert contacts.get_contact(db, alice, created[1]).may_use_referrer_name is False
    assert [n["answer"] for n in meetings.meeting_notes(db, alice, m)] == ["Meetings, then analysis"]


def test_a_failing_referral_rolls_back_the_whole_log(world):
    db, alice = world.db, world.alice
    c = contacts.create_contact(db, alice, ContactCreate(first_name="Rita"), now=NOW)
    m = meetings.schedule_meeting(db, alice, c.id, MeetingCreate(
        starts_at_local=NOW - timedelta(hours=2), timezone="UTC", mode=MeetingMode.PHONE), now=NOW - timedelta(days=1))
    bad = ReferralCreate(first_name="Sam")
    object.__setattr__(bad, "first_name", None)  # slips past validation to fail inside the transaction
    with pytest.raises(Exception):
        meetings.log_meeting(db, alice, m, MeetingLog(insights="kept?"), referrals=[bad], now=NOW)
    assert meetings.get_meeting(db, alice, m)["status"] == "scheduled"
    assert meetings.get_meeting(db, alice, m)["insights"] == ""
    assert len(contacts.list_contacts(db, alice)) == 1


def test_thank_you_to_the_referrer_needs_a_referrer(world):
    db, alice = world.db, world.alice
    c = contacts.create_contact(db, alice, ContactCreate(first_name="Rita"), now=NOW)
    with pytest.raises(ThankYouError, match="Nobody referred"):
        thanks.create_thank_you(db, alice, c.id, ThankYouCreate(body="x"), kind="referrer", now=NOW)


def test_reflection_needs_a_held_meeting_and_an_answer(world):
    db, alice = world.db, world.alice
    c = contacts.create_contact(db, alice, ContactCreate(first_name="Rita"), now=NOW)
    m = meetings.schedule_meeting(db, alice, c.id, MeetingCreate(
        starts_at_local=NOW + timedelta(days=1), timezone="UTC", mode=MeetingMode.PHONE), now=NOW)
    with pytest.raises(ReflectionError, match="held"):
        reflections.save_reflection(db, alice, m, ReflectionCreate(feelings="x"), now=NOW)
    with pytest.raises(ReflectionError, match="at least one"):
        reflections.save_reflection(db, alice, m, ReflectionCreate(feelings="  "), now=NOW)


def test_meeting_times_are_stored_in_utc_with_their_zone(world):
    db, alice = world.db, world.alice
    c = contacts.create_contact(db, alice, ContactCreate(first_name="Rita"), now=NOW)
    from datetime import datetime

    m = meetings.schedule_meeting(db, alice, c.id, MeetingCreate(
        starts_at_local=datetime(2026, 7, 1, 9, 30), timezone="America/Chicago", mode=MeetingMode.IN_PERSON), now=NOW)
    stored = meetings.get_meeting(db, alice, m)
    assert (stored["starts_at"], stored["timezone"]) == (datetime(2026, 7, 1, 14, 30), "America/Chicago")


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


def test_every_write_lands_in_the_event_log(world):
    db, alice = world.db, world.alice
    c = contacts.create_contact(db, alice, ContactCreate(first_name="Rita"), now=NOW)
    research.save_research(db, alice, c.id, ResearchUpdate(about_person="10 years"), now=NOW + timedelta(hours=1))
    with db.cursor() as cur:
        found = rows(cur, """SELECT actor_id, student_id, cohort_id, contact_id, entity_type, action FROM events
                             WHERE contact_id = ? ORDER BY occurred_at""", [c.id])
    assert found == [
        {"actor_id": alice.user_id, "student_id": alice.user_id, "cohort_id": world.cohort_x, "contact_id": c.id,
         "entity_type": "contact", "action": "created"},
        {"actor_id": alice.user_id, "student_id": alice.user_id, "cohort_id": world.cohort_x, "contact_id": c.id,
         "entity_type": "research", "action": "saved"},
    ]
