"""Merge fields fill from the contact, the student and the meeting, and nothing else (core/campaign/merge_fields.py)."""

import re
from datetime import timedelta

import pytest

from core.admin.library import list_items
from core.campaign import meetings, merge_fields
from core.campaign.contacts import list_contacts
from core.campaign.draft_checker import check_draft
from core.campaign.outreach import list_messages
from core.errors import NotFound
from core.identity.access import SYSTEM
from core.identity.accounts import load_actor, user_id_for_username
from core.models import MeetingCreate, MeetingLog, MeetingMode, ReferralCreate, Source
from core.network import volunteers
from core.store.db import open_database, rows
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


STUDENT_TEMPLATES = ("request", "follow_up", "thank_you", "referrer_thank_you", "keep_in_touch", "where_i_landed")
"""The library's message templates a student fills (the email_* ones are reminders the mailer fills)."""
BRACED = re.compile(r"\{[^{}\s]*\}")


def _fits(template: dict, contact: dict, met: int | None) -> bool:
    """Whether the pages offer this template for this contact (the referral and volunteer ones are for those people)."""
    key = template["seed_key"]
    if key in ("template:request-email-referral",) or template["category"] == "referrer_thank_you":
        return contact["referred_by_contact_id"] is not None
    if key == "template:request-volunteer":
        return contact["source"] == Source.VOLUNTEER.value
    if template["category"] in ("thank_you", "keep_in_touch", "where_i_landed"):
        return met is not None
    return True


def test_every_shipped_template_filled_from_the_demo_reads_whole_and_passes_the_checker(portal_env):
    db = open_database(portal_env)
    try:
        # A student of the demo adds a career office volunteer, and a referral named in a meeting's log with
        # only a name and an organization (as the Meetings page asks), beside the demo's own contacts.
        student = load_actor(db, user_id_for_username(db, "student09"))
        volunteer = next(v for v in volunteers.directory(db, student, focus_only=False)
                         if not v["is_full"] and v["contact_preference"] == "email")
        added = volunteers.add_as_target(db, student, volunteer["id"])
        with db.cursor() as cur:
            held = rows(cur, "SELECT id, contact_id FROM meetings WHERE status = 'held' ORDER BY id")
            contacts = rows(cur, "SELECT id, student_id, source, referred_by_contact_id FROM contacts ORDER BY id")
        mine = next(m for m in held if m["contact_id"] in {c["id"] for c in contacts
                                                             if c["student_id"] == student.user_id})
        referral = meetings.add_referral(db, student, mine["id"], ReferralCreate(
            first_name="Iris", last_name="Vale", organization="Harbor Clinic", may_use_name=True))
        contacts += [{"id": added.contact_id, "student_id": student.user_id, "source": Source.VOLUNTEER.value,
                      "referred_by_contact_id": None},
                     {"id": referral, "student_id": student.user_id, "source": Source.REFERRAL.value,
                      "referred_by_contact_id": mine["contact_id"]}]
        met = {m["contact_id"]: m["id"] for m in held}
        templates = [t for t in list_items(db, SYSTEM, "template") if t["category"] in STUDENT_TEMPLATES]
        filled_once, problems = set(), []
        for contact in contacts:
            actor = load_actor(db, contact["student_id"])
            values = merge_fields.values_for(db, actor, contact["id"], meeting_id=met.get(contact["id"]),
                                             outcome="I accepted a summer internship at Riverside General Hospital.")
            for t in (t for t in templates if _fits(t, contact, met.get(contact["id"]))):
                subject, body = merge_fields.fill(t["subject"], values), merge_fields.fill(t["body"], values)
                left = BRACED.findall(subject + body)
                failing = []
                if t["category"] in ("request", "follow_up"):
                    failing = [f.label for f in check_draft(body, channel=t["channel"], subject=subject).findings
                               if not f.ok]
                if left or failing:
                    problems.append((t["title"], contact["source"], left, failing))
                filled_once.add(t["seed_key"])
        assert problems == []
        assert filled_once == {t["seed_key"] for t in templates}, "every template was tried on someone"
        # The introduction the volunteer's addition drafted passes as well, and names the referrer's field.
        draft = list_messages(db, student, added.contact_id)[0]
        assert check_draft(draft["body"], channel=draft["channel"], subject=draft["subject"]).passed
        referrer = next(c for c in list_contacts(db, student) if c["id"] == mine["contact_id"])
        assert merge_fields.values_for(db, student, referral)["field"] == referrer["field"]
    finally:
        db.close()
