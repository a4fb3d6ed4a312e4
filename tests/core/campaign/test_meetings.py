"""Meetings: logging one turns its referrals into linked targets in one transaction, and a meeting keeps its time zone (core/campaign/meetings.py)."""

from datetime import datetime, timedelta

import pytest

from core.campaign import contacts, meetings, research
from core.errors import MeetingError, NotFound
from core.models import (
    ContactCreate,
    MeetingCreate,
    MeetingLog,
    MeetingMode,
    MeetingNote,
    ReferralCreate,
    ResearchUpdate,
    Source,
    Stage,
)
from tests.campaign_helpers import _contact
from tests.conftest import NOW


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
    assert [(r.full_name, r.source, r.referred_by_contact_id, r.referred_in_meeting_id, r.may_use_referrer_name, r.stage)
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
    assert meetings.get_meeting(db, a, mid)["status"] == "scheduled"
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
    m = meetings.get_meeting(world.db, a, mid)
    assert (m["starts_at"], m["timezone"]) == (datetime(2026, 7, 1, 0, 0), "Asia/Tokyo")


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


def test_meeting_times_are_stored_in_utc_with_their_zone(world):
    db, alice = world.db, world.alice
    c = contacts.create_contact(db, alice, ContactCreate(first_name="Rita"), now=NOW)
    from datetime import datetime

    m = meetings.schedule_meeting(db, alice, c.id, MeetingCreate(
        starts_at_local=datetime(2026, 7, 1, 9, 30), timezone="America/Chicago", mode=MeetingMode.IN_PERSON), now=NOW)
    stored = meetings.get_meeting(db, alice, m)
    assert (stored["starts_at"], stored["timezone"]) == (datetime(2026, 7, 1, 14, 30), "America/Chicago")
