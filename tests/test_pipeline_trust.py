"""Saved pipeline work a student can trust (issue "Saved work people can trust", the pipeline part), in
core: one thank-you draft per meeting and kind, saved and sent as written; the reply beside the
outreach stage; held and scheduled times that ask; edits version-checked and on the timeline; creates
once per form render."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from core.oversight import timeline
from core.campaign import contacts, keep_in_touch, meetings, outreach, reflections, thanks
from core.store.db import scalar
from core.errors import NeedsConfirmation, StaleEdit, ThankYouError
from core.models import (
    Channel, ContactCreate, FollowUpCreate, FollowUpKind, MeetingCreate, MeetingLog, MeetingMode, OutreachCreate,
    ReferralCreate, ReflectionCreate, Reply, ThankYouCreate, stage_label,
)
from tests.conftest import NOW


def _contact(world, **extra) -> int:
    data = {"first_name": "Ana", "last_name": "Lee", "organization": "County Health", **extra}
    return contacts.create_contact(world.db, world.alice, ContactCreate(**data), now=NOW - timedelta(days=10)).id


def _held_meeting(world, cid: int) -> int:
    a, db = world.alice, world.db
    mid = meetings.schedule_meeting(db, a, cid, MeetingCreate(
        starts_at_local=datetime(2026, 3, 9, 10, 0), timezone="UTC", mode=MeetingMode.VIDEO), now=NOW - timedelta(days=3))
    meetings.log_meeting(db, a, mid, MeetingLog(insights="x"), held_at=datetime(2026, 3, 9, 10, 0), now=NOW)
    return mid


def _count(db, sql, params=()) -> int:
    with db.cursor() as cur:
        return scalar(cur, sql, list(params))


# ---------------------------------------------------------------- 1. the thank-you's one draft

def test_saving_a_thank_you_draft_twice_keeps_one_draft_with_the_latest_text(world):
    a, db = world.alice, world.db
    cid = _contact(world)
    mid = _held_meeting(world, cid)
    first = thanks.save_thank_you(db, a, cid, ThankYouCreate(body="Dear Ana, thank you"), meeting_id=mid,
                                  expected_version=0, now=NOW)
    [draft] = thanks.current_thank_yous(db, a, cid)
    second = thanks.save_thank_you(db, a, cid, ThankYouCreate(body="Dear Ana, thank you for the hour"), meeting_id=mid,
                                   expected_version=draft["version"], now=NOW)
    assert first == second
    [draft] = thanks.current_thank_yous(db, a, cid)
    assert draft["body"] == "Dear Ana, thank you for the hour" and draft["sent_at"] is None
    assert _count(db, "SELECT count(*) FROM thank_yous WHERE contact_id = ?", [cid]) == 1


def test_save_and_send_sends_the_text_as_written_in_one_step(world):
    a, db = world.alice, world.db
    cid = _contact(world)
    mid = _held_meeting(world, cid)
    thanks.save_thank_you(db, a, cid, ThankYouCreate(body="draft text"), meeting_id=mid, expected_version=0, now=NOW)
    [draft] = thanks.current_thank_yous(db, a, cid)
    thanks.save_thank_you(db, a, cid, ThankYouCreate(body="final text"), meeting_id=mid, send=True,
                          expected_version=draft["version"], now=NOW)
    [sent] = thanks.current_thank_yous(db, a, cid)
    assert (sent["body"], sent["sent_at"]) == ("final text", NOW)
    assert thanks.thank_you_status(db, a, cid, now=NOW)[0]["sent_at"] == NOW
    with pytest.raises(ThankYouError, match="already sent"):
        thanks.save_thank_you(db, a, cid, ThankYouCreate(body="changed"), meeting_id=mid, expected_version=sent["version"])


def test_a_thank_you_saved_from_a_stale_tab_is_refused_and_the_first_text_kept(world):
    a, db = world.alice, world.db
    cid = _contact(world)
    mid = _held_meeting(world, cid)
    thanks.save_thank_you(db, a, cid, ThankYouCreate(body="tab A"), meeting_id=mid, expected_version=0, now=NOW)
    with pytest.raises(StaleEdit) as refused:
        thanks.save_thank_you(db, a, cid, ThankYouCreate(body="tab B"), meeting_id=mid, expected_version=0, now=NOW)
    assert refused.value.current["body"] == "tab A"
    assert [t["body"] for t in thanks.current_thank_yous(db, a, cid)] == ["tab A"]


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


# ---------------------------------------------------------------- 2. labels

def test_the_stage_names_the_reply_once_recorded(world):
    a, db = world.alice, world.db
    cid = _contact(world)
    mid = outreach.create_draft(db, a, cid, OutreachCreate(channel=Channel.EMAIL, body="Hello"), now=NOW)
    outreach.mark_sent(db, a, mid, channel=Channel.EMAIL, sent_at=NOW, now=NOW)
    c = contacts.get_contact(db, a, cid)
    assert stage_label(c.stage, c.outreach_reply) == "Outreach sent"
    outreach.record_reply(db, a, mid, Reply.ACCEPTED, now=NOW)
    c = contacts.get_contact(db, a, cid)
    assert stage_label(c.stage, c.outreach_reply) == "Outreach sent · accepted"
    [row] = [r for r in contacts.target_table(db, a) if r["id"] == cid]
    assert row["outreach_reply"] == "accepted"
    [cc] = [x for x in timeline.student_campaign(db, world.counselor_x, a.user_id)["contacts"] if x["id"] == cid]
    assert stage_label(cc["stage"], cc["outreach_reply"]) == "Outreach sent · accepted"


# ---------------------------------------------------------------- 3. meeting times

def test_held_time_far_from_the_scheduled_one_or_in_the_future_asks_first(world):
    a, db = world.alice, world.db
    cid = _contact(world)
    tomorrow = meetings.schedule_meeting(db, a, cid, MeetingCreate(
        starts_at_local=NOW + timedelta(days=1), timezone="UTC", mode=MeetingMode.PHONE), now=NOW)
    with pytest.raises(NeedsConfirmation, match="more than a day"):
        meetings.log_meeting(db, a, tomorrow, MeetingLog(), held_at=NOW - timedelta(days=1), confirm_time=False, now=NOW)
    with pytest.raises(NeedsConfirmation, match="in the future"):
        meetings.log_meeting(db, a, tomorrow, MeetingLog(), held_at=NOW + timedelta(hours=2), confirm_time=False, now=NOW)
    assert meetings.get_meeting(db, a, tomorrow)["status"] == "scheduled"
    meetings.log_meeting(db, a, tomorrow, MeetingLog(), held_at=NOW - timedelta(days=1), confirm_time=True, now=NOW)
    m = meetings.get_meeting(db, a, tomorrow)
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


# ---------------------------------------------------------------- 4. edits, versions, the timeline

def test_outreach_draft_edit_is_version_checked_and_delete_is_recorded(world):
    a, db = world.alice, world.db
    cid = _contact(world)
    mid = outreach.create_draft(db, a, cid, OutreachCreate(channel=Channel.EMAIL, body="v1"), now=NOW)
    outreach.update_draft(db, a, mid, OutreachCreate(channel=Channel.EMAIL, body="v2"), expected_version=1, now=NOW)
    with pytest.raises(StaleEdit) as refused:
        outreach.update_draft(db, a, mid, OutreachCreate(channel=Channel.EMAIL, body="v3"), expected_version=1, now=NOW)
    assert refused.value.current["body"] == "v2"
    outreach.delete_draft(db, a, mid, now=NOW)
    assert outreach.list_messages(db, a, cid) == []
    events = [(e["action"], e["entity_type"], e["is_edit"])
              for e in timeline.student_timeline(db, world.counselor_x, a.user_id) if e["entity_type"] == "outreach"]
    assert events == [("drafted", "outreach", False), ("edited", "outreach", True), ("deleted", "outreach", False)]


def test_meeting_log_referral_reflection_and_follow_up_edits_are_checked_and_on_the_timeline(world):
    a, db = world.alice, world.db
    cid = _contact(world)
    mid = _held_meeting(world, cid)
    version = meetings.get_meeting(db, a, mid)["version"]
    meetings.log_meeting(db, a, mid, MeetingLog(insights="first"), expected_version=version, confirm_time=False, now=NOW)
    with pytest.raises(StaleEdit):
        meetings.log_meeting(db, a, mid, MeetingLog(insights="stale"), expected_version=version, now=NOW)
    assert meetings.get_meeting(db, a, mid)["insights"] == "first"
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
    fu = keep_in_touch.add_follow_up(db, a, cid, FollowUpCreate(kind=FollowUpKind.NEWS, body="news"), sent_at=NOW, now=NOW)
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
    assert meetings.get_meeting(db, a, mid)["status"] == "scheduled"


# ---------------------------------------------------------------- 5. creates once per form render

def test_each_pipeline_create_runs_once_per_key(world):
    a, db = world.alice, world.db
    cid = _contact(world)
    draft = OutreachCreate(channel=Channel.EMAIL, body="Hello")
    assert outreach.create_draft(db, a, cid, draft, idempotency_key="o") == outreach.create_draft(
        db, a, cid, draft, idempotency_key="o")
    when = MeetingCreate(starts_at_local=NOW + timedelta(days=1), timezone="UTC", mode=MeetingMode.PHONE)
    assert meetings.schedule_meeting(db, a, cid, when, idempotency_key="m", now=NOW) == meetings.schedule_meeting(
        db, a, cid, when, idempotency_key="m", now=NOW)
    follow = FollowUpCreate(kind=FollowUpKind.NEWS, body="news")
    assert keep_in_touch.add_follow_up(db, a, cid, follow, sent_at=NOW, idempotency_key="f") == \
        keep_in_touch.add_follow_up(db, a, cid, follow, sent_at=NOW, idempotency_key="f")
    mid = _held_meeting(world, cid)
    ty = ThankYouCreate(body="thanks")
    assert thanks.save_thank_you(db, a, cid, ty, meeting_id=mid, send=True, expected_version=0, idempotency_key="t") == \
        thanks.save_thank_you(db, a, cid, ty, meeting_id=mid, send=True, expected_version=0, idempotency_key="t")
    refl = ReflectionCreate(feelings="ok")
    assert reflections.save_reflection(db, a, mid, refl, expected_version=0, idempotency_key="r") == \
        reflections.save_reflection(db, a, mid, refl, expected_version=0, idempotency_key="r")
    assert _count(db, "SELECT count(*) FROM outreach_messages WHERE contact_id = ?", [cid]) == 1
    assert _count(db, "SELECT count(*) FROM meetings WHERE contact_id = ?", [cid]) == 2  # one scheduled + _held_meeting
    assert _count(db, "SELECT count(*) FROM follow_ups WHERE contact_id = ?", [cid]) == 1
    assert _count(db, "SELECT count(*) FROM thank_yous WHERE contact_id = ?", [cid]) == 1
    assert _count(db, "SELECT count(*) FROM reflections WHERE contact_id = ?", [cid]) == 1
