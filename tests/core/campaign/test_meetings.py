"""Meetings: logging one turns its referrals into linked targets in one transaction, and a meeting keeps its time zone
(core/campaign/meetings.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from pydantic import ValidationError

from core.campaign import contacts, keep_in_touch, meetings, reflections, research
from core.errors import MeetingError, NeedsConfirmation, NotFound, StaleEdit
from core.models import (
    ContactCreate,
    FollowUpCreate,
    FollowUpKind,
    MeetingCreate,
    MeetingLog,
    MeetingMode,
    MeetingNote,
    ReferralCreate,
    ReflectionCreate,
    ResearchUpdate,
    Source,
    Stage,
)
from core.oversight import timeline
from core.store.db import row
from tests.campaign_helpers import _contact, _held_meeting
from tests.conftest import NOW


def _stored(db, meeting_id):
    """The meeting as stored."""
    with db.cursor() as cur:
        return row(cur, "SELECT * FROM meetings WHERE id = ?", [meeting_id])

def test_referrals_become_linked_targets_in_one_transaction(world):
    a, db = world.alice, world.db
    cid = _contact(world)
    mid = meetings.schedule_meeting(db, a, cid, MeetingCreate(starts_at_local=NOW - timedelta(hours=3), timezone="UTC",
                                                            mode=MeetingMode.PHONE), now=NOW - timedelta(days=1))
    created = meetings.log_meeting(db, a, mid, MeetingLog(advice="Join the association."), referrals=[
        ReferralCreate(first_name="Noor", last_name="Singh", organization="County Health", may_use_name=True),
        ReferralCreate(first_name="Raj", may_use_name=False),
    ], now=NOW)
    rows = [contacts.get_contact(db, a, c) for c in created]
    assert [(r.full_name, r.source, r.referred_by_contact_id, r.referred_in_meeting_id, r.may_use_referrer_name,
             r.stage)
            for r in rows] == [("Noor Singh", Source.REFERRAL.value, cid, mid, True, Stage.TARGET),
                               ("Raj", Source.REFERRAL.value, cid, mid, False, Stage.TARGET)]
    links = contacts.referral_links(db, a)
    assert [(e["from_id"], e["to_id"], e["may_use_referrer_name"]) for e in links["edges"]] == [
        (cid, created[0], True), (cid, created[1], False)]
    assert [n["id"] for n in links["nodes"]] == sorted([cid, *created])
    assert contacts.referral_links(db, world.counselor_x, a.user_id)["edges"] == links["edges"]
    with pytest.raises(NotFound):
        contacts.referral_links(db, world.counselor_y, a.user_id)


def test_a_bad_referral_rolls_back_the_whole_log(world):
    a, db = world.alice, world.db
    cid = _contact(world)
    bobs = _contact(world, world.bob)
    mid = meetings.schedule_meeting(db, a, cid, MeetingCreate(starts_at_local=NOW - timedelta(hours=3), timezone="UTC",
                                                            mode=MeetingMode.PHONE), now=NOW - timedelta(days=1))
    with pytest.raises(MeetingError):
        meetings.log_meeting(db, a, mid, MeetingLog(insights="x"), referrals=[ReferralCreate(first_name="Noor")],
                             held_at=NOW + timedelta(hours=1), now=NOW)
    assert _stored(db, mid)["status"] == "scheduled"
    assert [c["id"] for c in contacts.list_contacts(db, a)] == [cid]
    # Bob cannot log Alice's meeting, nor Alice Bob's contact.
    with pytest.raises(NotFound):
        meetings.log_meeting(db, world.bob, mid, MeetingLog(), now=NOW)
    with pytest.raises(NotFound):
        research.save_research(db, a, bobs, ResearchUpdate(about_person="x"), now=NOW)


def test_meetings_keep_their_zone(world):
    a = world.alice
    cid = _contact(world)
    mid = meetings.schedule_meeting(world.db, a, cid, MeetingCreate(
        starts_at_local=datetime(2026, 7, 1, 9, 0), timezone="Asia/Tokyo", mode=MeetingMode.VIDEO), now=NOW)
    m = _stored(world.db, mid)
    assert (m["starts_at"], m["timezone"]) == (datetime(2026, 7, 1, 0, 0), "Asia/Tokyo")


def test_the_list_of_meetings_puts_those_to_come_first_soonest_first_then_the_rest_latest_first(world):
    a, db = world.alice, world.db
    ana, ben = _contact(world), _contact(world, first_name="Ben", organization="Harbor Lab")

    def at(contact, day, hour, zone="UTC"):
        return meetings.schedule_meeting(db, a, contact, MeetingCreate(
            starts_at_local=datetime(2026, 3, day, hour), timezone=zone, mode=MeetingMode.VIDEO), now=NOW)

    later, sooner = at(ana, 20, 9), at(ben, 12, 16, "America/Chicago")  # 12 Mar 16:00 Chicago is 21:00 UTC
    begun = at(ben, 10, 14)  # an hour before NOW: begun, not logged yet
    held = _held_meeting(world, ana)  # held on 9 March
    cancelled = at(ana, 11, 9)
    meetings.cancel_meeting(db, a, cancelled, now=NOW)
    yara_contact = _contact(world, world.yara)
    meetings.schedule_meeting(db, world.yara, yara_contact, MeetingCreate(
        starts_at_local=datetime(2026, 3, 11, 9), timezone="UTC", mode=MeetingMode.PHONE), now=NOW)
    listed = meetings.upcoming_then_past(db, a, now=NOW)
    assert [(m["id"], m["upcoming"], m["status"]) for m in listed] == [
        (sooner, True, "scheduled"), (later, True, "scheduled"), (begun, False, "scheduled"), (held, False, "held")]
    assert [m["contact_name"] for m in listed] == ["Ben Lee", "Ana Lee", "Ben Lee", "Ana Lee"]
    assert listed[0]["organization"] == "Harbor Lab" and listed[0]["shown_at"] == datetime(2026, 3, 12, 21, 0)
    with pytest.raises(NotFound):
        meetings.upcoming_then_past(db, world.bob, a.user_id, now=NOW)  # another student's list is not theirs


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
    with pytest.raises(ValidationError, match="first_name"):
        meetings.log_meeting(db, alice, m, MeetingLog(insights="kept?"), referrals=[bad], now=NOW)
    assert _stored(db, m)["status"] == "scheduled"
    assert _stored(db, m)["insights"] == ""
    assert len(contacts.list_contacts(db, alice)) == 1


def test_meeting_times_are_stored_in_utc_with_their_zone(world):
    db, alice = world.db, world.alice
    c = contacts.create_contact(db, alice, ContactCreate(first_name="Rita"), now=NOW)
    from datetime import datetime

    m = meetings.schedule_meeting(db, alice, c.id, MeetingCreate(
        starts_at_local=datetime(2026, 7, 1, 9, 30), timezone="America/Chicago", mode=MeetingMode.IN_PERSON), now=NOW)
    stored = _stored(db, m)
    assert (stored["starts_at"], stored["timezone"]) == (datetime(2026, 7, 1, 14, 30), "America/Chicago")


# ---------------------------------------------------------------- 3. meeting times

def test_held_time_far_from_the_scheduled_one_or_in_the_future_asks_first(world):
    a, db = world.alice, world.db
    cid = _contact(world)
    tomorrow = meetings.schedule_meeting(db, a, cid, MeetingCreate(
        starts_at_local=NOW + timedelta(days=1), timezone="UTC", mode=MeetingMode.PHONE), now=NOW)
    with pytest.raises(NeedsConfirmation, match="more than a day"):
        meetings.log_meeting(db, a, tomorrow, MeetingLog(), held_at=NOW - timedelta(days=1), confirm_time=False,
                             now=NOW)
    with pytest.raises(NeedsConfirmation, match="in the future"):
        meetings.log_meeting(db, a, tomorrow, MeetingLog(), held_at=NOW + timedelta(hours=2), confirm_time=False,
                             now=NOW)
    assert _stored(db, tomorrow)["status"] == "scheduled"
    meetings.log_meeting(db, a, tomorrow, MeetingLog(), held_at=NOW - timedelta(days=1), confirm_time=True, now=NOW)
    m = _stored(db, tomorrow)
    [listed] = meetings.list_meetings(db, a, cid)
    # One meeting, one date: the held time is the one shown everywhere.
    assert listed["shown_at"] == m["held_at"] == NOW - timedelta(days=1)
    [student_listed] = meetings.list_student_meetings(db, a)
    assert student_listed["shown_at"] == m["held_at"]


def test_scheduling_in_the_past_asks_first(world):
    a, db = world.alice, world.db
    cid = _contact(world)
    past = MeetingCreate(starts_at_local=NOW - timedelta(days=2), timezone="UTC", mode=MeetingMode.PHONE)
    with pytest.raises(NeedsConfirmation, match="in the past"):
        meetings.schedule_meeting(db, a, cid, past, confirm_past=False, now=NOW)
    assert meetings.list_meetings(db, a, cid) == []
    meetings.schedule_meeting(db, a, cid, past, confirm_past=True, now=NOW)
    assert len(meetings.list_meetings(db, a, cid)) == 1


def test_meeting_log_referral_reflection_and_follow_up_edits_are_checked_and_on_the_timeline(world):
    a, db = world.alice, world.db
    cid = _contact(world)
    mid = _held_meeting(world, cid)
    version = _stored(db, mid)["version"]
    meetings.log_meeting(db, a, mid, MeetingLog(insights="first"), expected_version=version, confirm_time=False,
                         now=NOW)
    with pytest.raises(StaleEdit):
        meetings.log_meeting(db, a, mid, MeetingLog(insights="stale"), expected_version=version, now=NOW)
    assert _stored(db, mid)["insights"] == "first"
    ref = meetings.add_referral(db, a, mid, ReferralCreate(first_name="Bo", organization="Lab"), idempotency_key="k1",
                                now=NOW)
    assert meetings.add_referral(db, a, mid, ReferralCreate(first_name="Bo", organization="Lab"), idempotency_key="k1",
                                 now=NOW) == ref
    meetings.update_referral(db, a, ref, ReferralCreate(first_name="Bob", organization="Lab", may_use_name=True),
                             expected_version=1, now=NOW)
    with pytest.raises(StaleEdit):
        meetings.update_referral(db, a, ref, ReferralCreate(first_name="Bobby"), expected_version=1, now=NOW)
    [r] = meetings.list_referrals(db, a, mid)
    assert (r["first_name"], r["may_use_referrer_name"]) == ("Bob", True)
    reflections.save_reflection(db, a, mid, ReflectionCreate(feelings="good"), expected_version=0, now=NOW)
    with pytest.raises(StaleEdit):
        reflections.save_reflection(db, a, mid, ReflectionCreate(feelings="other tab"), expected_version=0, now=NOW)
    reflections.save_reflection(db, a, mid, ReflectionCreate(feelings="better"), expected_version=1, now=NOW)
    assert reflections.get_reflection(db, a, mid)["feelings"] == "better"
    fu = keep_in_touch.add_follow_up(db, a, cid, FollowUpCreate(kind=FollowUpKind.NEWS, body="news"), sent_at=NOW,
                                     now=NOW)
    keep_in_touch.update_follow_up(db, a, fu, FollowUpCreate(kind=FollowUpKind.NEWS, body="more news"),
                                   expected_version=1, now=NOW)
    with pytest.raises(StaleEdit):
        keep_in_touch.update_follow_up(db, a, fu, FollowUpCreate(kind=FollowUpKind.NEWS, body="x"), expected_version=1)
    edits = [(e["description"], e["actor_name"]) for e in timeline.student_timeline(db, world.counselor_x, a.user_id)
             if e["is_edit"]]
    assert ("edited the log of a meeting", a.name) in edits
    assert ("edited a referral, a contact", a.name) in edits
    assert ("edited a reflection", a.name) in edits
    assert ("edited a keep-in-touch message", a.name) in edits


def test_cancel_can_be_undone(world):
    a, db = world.alice, world.db
    cid = _contact(world)
    mid = meetings.schedule_meeting(db, a, cid, MeetingCreate(
        starts_at_local=NOW + timedelta(days=2), timezone="UTC", mode=MeetingMode.PHONE), now=NOW)
    meetings.cancel_meeting(db, a, mid, now=NOW)
    meetings.cancel_meeting(db, a, mid, now=NOW)  # a second click changes nothing
    meetings.reinstate_meeting(db, a, mid, now=NOW)
    assert _stored(db, mid)["status"] == "scheduled"


def test_moving_a_meeting_keeps_it_one_meeting_asks_before_the_past_and_refuses_a_stale_form(world):
    db, a = world.db, world.alice
    cid = _contact(world)
    mid = meetings.schedule_meeting(db, a, cid, MeetingCreate(
        starts_at_local=NOW + timedelta(days=2), timezone="UTC", mode=MeetingMode.VIDEO), now=NOW)
    opened = _stored(db, mid)["version"]
    later = MeetingCreate(starts_at_local=datetime(2026, 3, 20, 9, 30), timezone="America/Chicago",
                          mode=MeetingMode.IN_PERSON, duration_minutes=45, location="Cafe on 5th")
    meetings.reschedule_meeting(db, a, mid, later, expected_version=opened, confirm_past=False, now=NOW)
    moved = _stored(db, mid)
    assert (moved["starts_at"], moved["timezone"], moved["mode"], moved["duration_minutes"], moved["location"]) == (
        datetime(2026, 3, 20, 14, 30), "America/Chicago", "in_person", 45, "Cafe on 5th")
    assert [m["id"] for m in meetings.list_meetings(db, a, cid)] == [mid]
    # A second tab opened before the move is refused, naming what changed.
    with pytest.raises(StaleEdit) as refused:
        meetings.reschedule_meeting(db, a, mid, later, expected_version=opened, now=NOW)
    assert "starts_at" in refused.value.changed
    # A time in the past asks first; nothing moves until confirmed.
    past = MeetingCreate(starts_at_local=NOW - timedelta(days=1), timezone="UTC", mode=MeetingMode.PHONE)
    with pytest.raises(NeedsConfirmation, match="in the past"):
        meetings.reschedule_meeting(db, a, mid, past, expected_version=moved["version"], confirm_past=False, now=NOW)
    assert _stored(db, mid)["version"] == moved["version"]
    # Nobody else moves it, and a held meeting is not moved.
    with pytest.raises(NotFound):
        meetings.reschedule_meeting(db, world.bob, mid, later, now=NOW)
    meetings.log_meeting(db, a, mid, MeetingLog(), held_at=datetime(2026, 3, 20, 14, 30), now=datetime(2026, 3, 21))
    with pytest.raises(MeetingError, match="Only a scheduled meeting"):
        meetings.reschedule_meeting(db, a, mid, later, now=NOW)
