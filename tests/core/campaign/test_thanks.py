"""Thank-you notes: their status, and the referrer to thank (core/campaign/thanks.py)."""

from datetime import timedelta

import pytest

from core.campaign import contacts, meetings, thanks
from core.errors import ThankYouError
from core.models import ContactCreate, MeetingCreate, MeetingLog, MeetingMode, ReferralCreate, ThankYouCreate
from tests.campaign_helpers import _contact
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
