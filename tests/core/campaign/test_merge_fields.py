"""Merge fields fill from the contact, the student and the meeting, and nothing else (core/campaign/merge_fields.py)."""

from datetime import timedelta

import pytest

from core.campaign import meetings, merge_fields
from core.errors import NotFound
from core.models import MeetingCreate, MeetingLog, MeetingMode, ReferralCreate
from tests.campaign_helpers import _contact
from tests.conftest import NOW


def test_merge_fields_fill_from_the_contact_the_student_and_the_meeting(world):
    a, db = world.alice, world.db
    ref = _contact(world, first_name="Dana", last_name="Ruiz")
    mid = meetings.schedule_meeting(db, a, ref, MeetingCreate(starts_at_local=NOW - timedelta(hours=3), timezone="UTC",
                                                            mode=MeetingMode.PHONE), now=NOW - timedelta(days=1))
    [cid] = meetings.log_meeting(db, a, mid, MeetingLog(advice="Volunteer at the regional association. It helps.",
                                                        insights="Most of the job is people."),
                                 referrals=[ReferralCreate(first_name="Noor", last_name="Singh", may_use_name=True)],
                                 now=NOW)
    values = merge_fields.values_for(db, a, ref, meeting_id=mid)
    assert values["meeting_specifics"] == ("Your advice stays with me: volunteer at the regional association. "
                                           "I especially valued hearing that most of the job is people.")
    assert values["student_name"] == "Alice Tester"
    referred = merge_fields.values_for(db, a, cid)
    assert (referred["connection"], referred["referrer_first_name"]) == ("Dana Ruiz suggested I get in touch with you.",
                                                                         "Dana")
    assert merge_fields.fill("Dear {contact_first_name}, {connection} {unknown} {outcome}", referred) == \
        "Dear Noor, Dana Ruiz suggested I get in touch with you. {unknown} {outcome}"
    # Braces in the student's own text are left alone (no str.format).
    assert merge_fields.fill("{0} {__class__} {contact_first_name}", referred) == "{0} {__class__} Noor"
    with pytest.raises(NotFound):
        merge_fields.values_for(db, world.bob, cid)
