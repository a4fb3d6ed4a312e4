"""Thank-you notes: their status, and the referrer to thank (core/campaign/thanks.py)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from core.campaign import contacts, meetings, thanks
from core.errors import StaleEdit, ThankYouError
from core.models import ContactCreate, MeetingCreate, MeetingLog, MeetingMode, ReferralCreate, ThankYouCreate
from tests.campaign_helpers import _contact, _count, _held_meeting
from tests.conftest import NOW


def test_thank_you_status_and_the_referrer(world):
    a, db = world.alice, world.db
    ref = _contact(world, first_name="Dana")
    mid = meetings.schedule_meeting(db, a, ref, MeetingCreate(starts_at_local=NOW - timedelta(hours=50), timezone="UTC",
                                                            mode=MeetingMode.PHONE), now=NOW - timedelta(days=3))
    [cid] = meetings.log_meeting(db, a, mid, MeetingLog(), referrals=[ReferralCreate(first_name="Noor")],
                                 held_at=NOW - timedelta(hours=50), now=NOW)
    [s] = thanks.thank_you_status(db, a, ref, now=NOW)
    assert (s["due_at"], s["overdue"], s["hours_late"], s["hours_left"]) == (NOW - timedelta(hours=2), True, 2, None)
    assert thanks.referrer_to_thank(db, a, ref) is None
    referrer = thanks.referrer_to_thank(db, a, cid)
    assert (referrer["id"], referrer["thanked"]) == (ref, False)
    with pytest.raises(ThankYouError):
        thanks.create_thank_you(db, a, ref, ThankYouCreate(body="x"), kind="referrer", now=NOW)


def test_thank_you_to_the_referrer_needs_a_referrer(world):
    db, alice = world.db, world.alice
    c = contacts.create_contact(db, alice, ContactCreate(first_name="Rita"), now=NOW)
    with pytest.raises(ThankYouError, match="Nobody referred"):
        thanks.create_thank_you(db, alice, c.id, ThankYouCreate(body="x"), kind="referrer", now=NOW)


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
        thanks.save_thank_you(db, a, cid, ThankYouCreate(body="changed"), meeting_id=mid,
                              expected_version=sent["version"])


def test_a_thank_you_saved_from_a_stale_tab_is_refused_and_the_first_text_kept(world):
    a, db = world.alice, world.db
    cid = _contact(world)
    mid = _held_meeting(world, cid)
    thanks.save_thank_you(db, a, cid, ThankYouCreate(body="tab A"), meeting_id=mid, expected_version=0, now=NOW)
    with pytest.raises(StaleEdit) as refused:
        thanks.save_thank_you(db, a, cid, ThankYouCreate(body="tab B"), meeting_id=mid, expected_version=0, now=NOW)
    assert refused.value.current["body"] == "tab A"
    assert [t["body"] for t in thanks.current_thank_yous(db, a, cid)] == ["tab A"]


# ---------------------------------------------------------------- 2. the time a thank-you went out

HELD = datetime(2026, 3, 9, 10, 0)  # tests.campaign_helpers._held_meeting; due 48 hours later


def test_a_thank_you_logged_after_the_window_with_the_time_it_went_out_is_on_time(world):
    a, db = world.alice, world.db
    cid = _contact(world)
    mid = _held_meeting(world, cid)
    logged = HELD + timedelta(hours=60)  # the student logs it the day after the window closed
    thanks.save_thank_you(db, a, cid, ThankYouCreate(body="Dear Ana, thank you"), meeting_id=mid, send=True,
                          sent_at=HELD + timedelta(hours=20), expected_version=0, now=logged)
    [s] = thanks.thank_you_status(db, a, cid, now=logged)
    assert (s["sent_at"], s["sent_late"], s["overdue"]) == (HELD + timedelta(hours=20), False, False)
    # Without the time it went out, it is stamped when logged: after the window.
    other = _contact(world, first_name="Ben")
    other_meeting = _held_meeting(world, other)
    thanks.save_thank_you(db, a, other, ThankYouCreate(body="Dear Ben, thank you"), meeting_id=other_meeting,
                          send=True, expected_version=0, now=logged)
    [s] = thanks.thank_you_status(db, a, other, now=logged)
    assert (s["sent_at"], s["sent_late"]) == (logged, True)


@pytest.mark.parametrize("sent_at, words", [
    (HELD - timedelta(minutes=1), "is before the meeting it follows (09 Mar 2026, 06:00)"),  # New York time
    (NOW + timedelta(minutes=1), "cannot be in the future"),
])
def test_a_thank_you_sent_before_its_meeting_or_in_the_future_is_refused_and_the_draft_kept(world, sent_at, words):
    a, db = world.alice, world.db
    cid = _contact(world)
    mid = _held_meeting(world, cid)
    thanks.save_thank_you(db, a, cid, ThankYouCreate(body="my draft"), meeting_id=mid, expected_version=0, now=NOW)
    [draft] = thanks.current_thank_yous(db, a, cid)
    with pytest.raises(ThankYouError, match=re.escape(words)):
        thanks.save_thank_you(db, a, cid, ThankYouCreate(body="my final text"), meeting_id=mid, send=True,
                              sent_at=sent_at, expected_version=draft["version"], now=NOW)
    with pytest.raises(ThankYouError, match=re.escape(words)):
        thanks.mark_thank_you_sent(db, a, draft["id"], sent_at=sent_at, now=NOW)
    [kept] = thanks.current_thank_yous(db, a, cid)
    assert (kept["body"], kept["sent_at"], kept["version"]) == ("my draft", None, draft["version"])
    # The moment the meeting was held is the earliest a thank-you can go.
    thanks.mark_thank_you_sent(db, a, draft["id"], sent_at=HELD, now=NOW)
    assert thanks.thank_you_status(db, a, cid, now=NOW)[0]["sent_at"] == HELD
