"""The pipeline in core: stage derivation from stored facts, referrals, filters, merge fields,
thank-you status, "where I landed" notes, and who may read or change what."""

from datetime import datetime, timedelta

import pytest

from core.errors import AccessDenied, ContactError, MeetingError, NotFound, ResearchError, ThankYouError
from core.campaign import contacts, keep_in_touch, meetings, merge_fields, outreach, reflections, research, thanks
from core.models import (
    Channel, ContactCreate, FollowUpCreate, FollowUpKind, MeetingCreate, MeetingLog, MeetingMode, OutcomeCreate,
    OutcomeKind, OutreachCreate, PlannedQuestionCreate, ReferralCreate, ReflectionCreate, ResearchUpdate, Source,
    Stage, ThankYouCreate,
)
from tests.conftest import NOW


def _contact(world, actor=None, **extra):
    actor = actor or world.alice
    data = {"first_name": "Ana", "last_name": "Lee", "organization": "County Health", **extra}
    return contacts.create_contact(world.db, actor, ContactCreate(**data), now=NOW - timedelta(days=10)).id


def _stage(world, cid):
    c = contacts.get_contact(world.db, world.alice, cid)
    return c.stage, c.stage_at


def test_stage_follows_each_stored_fact_with_its_timestamp(world):
    a, db = world.alice, world.db
    cid = _contact(world)
    t = NOW - timedelta(days=10)
    assert _stage(world, cid) == (Stage.TARGET, t)
    # Empty research notes are not research.
    research.save_research(db, a, cid, ResearchUpdate(), now=NOW - timedelta(days=9))
    assert _stage(world, cid)[0] == Stage.TARGET
    research.add_planned_question(db, a, cid, PlannedQuestionCreate(text="How did you start?"), now=NOW - timedelta(days=8))
    assert _stage(world, cid) == (Stage.RESEARCH, NOW - timedelta(days=8))
    # A draft is not outreach; sending it is.
    msg = outreach.create_draft(db, a, cid, OutreachCreate(channel=Channel.EMAIL, body="Hi"), now=NOW - timedelta(days=7))
    assert _stage(world, cid)[0] == Stage.RESEARCH
    outreach.mark_sent(db, a, msg, channel=Channel.EMAIL, sent_at=NOW - timedelta(days=6), now=NOW)
    assert _stage(world, cid) == (Stage.OUTREACH, NOW - timedelta(days=6))
    # A scheduled meeting is not an interview; a held one is.
    mid = meetings.schedule_meeting(db, a, cid, MeetingCreate(starts_at_local=NOW - timedelta(days=3), timezone="UTC",
                                                            mode=MeetingMode.VIDEO), now=NOW - timedelta(days=5))
    assert _stage(world, cid)[0] == Stage.OUTREACH
    meetings.log_meeting(db, a, mid, MeetingLog(), held_at=NOW - timedelta(days=3), now=NOW)
    assert _stage(world, cid) == (Stage.INTERVIEW, NOW - timedelta(days=3))
    ty = thanks.create_thank_you(db, a, cid, ThankYouCreate(body="Thank you"), meeting_id=mid, now=NOW)
    assert _stage(world, cid)[0] == Stage.INTERVIEW
    thanks.mark_thank_you_sent(db, a, ty, sent_at=NOW - timedelta(days=2), now=NOW)
    assert _stage(world, cid) == (Stage.THANK, NOW - timedelta(days=2))
    reflections.save_reflection(db, a, mid, ReflectionCreate(feelings="Glad"), now=NOW - timedelta(days=1))
    assert _stage(world, cid) == (Stage.REFLECT, NOW - timedelta(days=1))
    keep_in_touch.add_follow_up(db, a, cid, FollowUpCreate(kind=FollowUpKind.NEWS, body="News"), sent_at=NOW, now=NOW)
    assert _stage(world, cid) == (Stage.KEEP_IN_TOUCH, NOW)


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


def test_filters_by_stage_occupation_source_and_archive(world):
    a, db = world.alice, world.db
    occ = contacts.add_focus_occupation(db, a, "Public health research", now=NOW)
    one = _contact(world, focus_occupation_id=occ, source=Source.ALUMNI)
    two = _contact(world, first_name="Ben", source=Source.LINKEDIN)
    research.add_planned_question(db, a, two, PlannedQuestionCreate(text="What surprised you?"), now=NOW)
    three = _contact(world, first_name="Cy", source=Source.LINKEDIN)
    contacts.set_archived(db, a, three, True, now=NOW)
    ids = lambda **f: [c["id"] for c in contacts.list_contacts(db, a, **f)]  # noqa: E731
    assert ids(focus_occupation_id=occ) == [one]
    assert ids(source=Source.LINKEDIN) == [two]
    assert ids(stage=Stage.RESEARCH) == [two]
    assert ids(archived_only=True) == [three]
    assert sorted(ids(include_archived=True)) == sorted([one, two, three])


def test_fourth_focus_occupation_is_refused(world):
    for name in ("A", "B", "C"):
        contacts.add_focus_occupation(world.db, world.alice, name, now=NOW)
    with pytest.raises(ContactError, match="three"):
        contacts.add_focus_occupation(world.db, world.alice, "D", now=NOW)


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


def test_where_i_landed_notes_are_proposed_to_the_helpers(world):
    a, db = world.alice, world.db
    one, two = _contact(world), _contact(world, first_name="Ben")
    keep_in_touch.record_outcome(db, a, OutcomeCreate(kind=OutcomeKind.INTERNSHIP, organization="County Health",
                                                      title="Summer intern", helped_contact_ids=[one, two]), now=NOW)
    status = keep_in_touch.landed_note_status(db, a, a.user_id)
    assert [(s["contact_id"], s["note_sent"]) for s in status] == [(one, False), (two, False)]
    keep_in_touch.add_follow_up(db, a, one, FollowUpCreate(kind=FollowUpKind.WHERE_I_LANDED, body="News!"),
                                sent_at=NOW, now=NOW)
    status = keep_in_touch.landed_note_status(db, a, a.user_id)
    assert [(s["contact_id"], s["note_sent"]) for s in status] == [(one, True), (two, False)]
    assert keep_in_touch.outcome_sentence("internship", "County Health", "Summer intern") == \
        "I have accepted an internship as Summer intern at County Health."
    with pytest.raises(NotFound):
        keep_in_touch.landed_note_status(db, world.counselor_y, a.user_id)


def test_private_reflections_stay_with_their_author(world):
    a, db = world.alice, world.db
    cid = _contact(world)
    mid = meetings.schedule_meeting(db, a, cid, MeetingCreate(starts_at_local=NOW - timedelta(hours=3), timezone="UTC",
                                                            mode=MeetingMode.PHONE), now=NOW - timedelta(days=1))
    meetings.log_meeting(db, a, mid, MeetingLog(), now=NOW)
    reflections.save_reflection(db, a, mid, ReflectionCreate(feelings="Unsure", is_private=True, fit_rating=2), now=NOW)
    assert reflections.get_reflection(db, a, mid)["feelings"] == "Unsure"
    assert reflections.get_reflection(db, world.counselor_x, mid) is None
    assert reflections.list_reflections(db, world.counselor_x, a.user_id) == []
    assert [m["reflected"] for m in meetings.list_student_meetings(db, a, status="held")] == [True]


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


def test_meetings_keep_their_zone(world):
    a = world.alice
    cid = _contact(world)
    mid = meetings.schedule_meeting(world.db, a, cid, MeetingCreate(
        starts_at_local=datetime(2026, 7, 1, 9, 0), timezone="Asia/Tokyo", mode=MeetingMode.VIDEO), now=NOW)
    m = meetings.get_meeting(world.db, a, mid)
    assert (m["starts_at"], m["timezone"]) == (datetime(2026, 7, 1, 0, 0), "Asia/Tokyo")


# ---------------------------------------------------------------- saved work people can trust (issue 8)

def _events(world, action, entity_type):
    from core.store.db import scalar
    with world.db.cursor() as cur:
        return scalar(cur, "SELECT count(*) FROM events WHERE action = ? AND entity_type = ?", [action, entity_type])


def test_a_repeated_submit_of_one_add_form_creates_one_contact(world):
    from core.store.idempotency import was_used
    data = ContactCreate(first_name="Ana", last_name="Lee", organization="County Health")
    first = contacts.create_contact(world.db, world.alice, data, now=NOW, idempotency_key="form-1")
    again = contacts.create_contact(world.db, world.alice, data, now=NOW, idempotency_key="form-1")
    assert again.id == first.id and was_used(world.db, world.alice, "form-1")
    assert len(contacts.list_contacts(world.db, world.alice)) == 1


@pytest.mark.parametrize("other, why", [
    ({"first_name": "Ann", "email": "ANA@example.org"}, "the same email"),
    ({"first_name": "Ann", "linkedin_url": "http://linkedin.com/in/ana-lee/"}, "the same LinkedIn address"),
    ({"first_name": " ana ", "last_name": "LEE", "organization": "county  health"}, "the same name at the same organization"),
])
def test_a_manual_add_matching_a_contact_is_refused_unless_added_anyway(world, other, why):
    from core.errors import DuplicateRecord
    existing = _contact(world, email="ana@example.org", linkedin_url="https://www.linkedin.com/in/ana-lee")
    contacts.set_archived(world.db, world.alice, existing, True, now=NOW)  # archived ones count too
    data = ContactCreate(**{"first_name": "Ana", "last_name": "Lee", "organization": "Elsewhere", **other})
    with pytest.raises(DuplicateRecord, match=why) as refused:
        contacts.create_contact(world.db, world.alice, data, now=NOW, idempotency_key="k")
    assert refused.value.existing_id == existing and ", archived)" in str(refused.value)
    assert len(contacts.list_contacts(world.db, world.alice, include_archived=True)) == 1
    # Another student's list is not looked at; and "add anyway" is an explicit override.
    contacts.create_contact(world.db, world.bob, data, now=NOW)
    added = contacts.create_contact(world.db, world.alice, data, now=NOW, idempotency_key="k", allow_duplicate=True)
    assert added.id != existing


def test_a_stale_contact_edit_is_refused_and_untouched_fields_are_kept(world):
    from core.errors import StaleEdit
    from core.models import ContactUpdate
    cid = _contact(world, title="Analyst")
    opened = contacts.get_contact(world.db, world.alice, cid)
    original = {k: v for k, v in opened.model_dump().items() if k in ContactUpdate.model_fields}
    # Tab A changes the title.
    a = ContactUpdate(**{**original, "title": "Epidemiologist"})
    assert contacts.update_contact(world.db, world.alice, cid, a, expected_version=opened.version,
                                   original=original, only=["title"], now=NOW).version == opened.version + 1
    # Tab B, opened before, changes the organization: refused, naming what A changed.
    b = ContactUpdate(**{**original, "organization": "State Health"})
    with pytest.raises(StaleEdit, match="changed since you opened it") as stale:
        contacts.update_contact(world.db, world.alice, cid, b, expected_version=opened.version, original=original,
                                only=["organization"], now=NOW)
    assert stale.value.changed == ["title"] and stale.value.current["title"] == "Epidemiologist"
    # Saved again knowingly: only B's field is written; A's title stays.
    contacts.update_contact(world.db, world.alice, cid, b, expected_version=stale.value.current_version,
                            only=["organization"], now=NOW)
    after = contacts.get_contact(world.db, world.alice, cid)
    assert (after.title, after.organization, after.version) == ("Epidemiologist", "State Health", 3)
    assert _events(world, "edited", "contact") == 2


def test_research_lost_update_is_refused_and_the_other_tabs_text_survives(world):
    from core.errors import StaleEdit
    cid = _contact(world)
    assert research.save_research(world.db, world.alice, cid, ResearchUpdate(about_person="Runs the lab"),
                                  expected_version=0, now=NOW) == 1
    opened = research.get_research(world.db, world.alice, cid)
    original = {f: opened[f] for f in research.RESEARCH_FIELDS}
    # Tab A saves person and organization.
    research.save_research(world.db, world.alice, cid, ResearchUpdate(about_person="Runs the flu lab",
                           about_organization="County agency"), expected_version=1, original=original,
                           only=["about_person", "about_organization"], now=NOW)
    # Tab B, opened before, saves person only: refused, A's organization intact.
    b = ResearchUpdate(about_person="Leads surveillance", about_organization="")
    with pytest.raises(StaleEdit) as stale:
        research.save_research(world.db, world.alice, cid, b, expected_version=1, original=original,
                               only=["about_person"], now=NOW)
    assert stale.value.changed == ["about_person", "about_organization"]
    assert research.get_research(world.db, world.alice, cid)["about_organization"] == "County agency"
    # Re-applied over the version shown: the untouched organization box is not blanked.
    research.save_research(world.db, world.alice, cid, b, expected_version=stale.value.current_version,
                           original=original, only=["about_person"], now=NOW)
    saved = research.get_research(world.db, world.alice, cid)
    assert (saved["about_person"], saved["about_organization"], saved["version"]) == (
        "Leads surveillance", "County agency", 3)
    # A form opened before the notes existed is stale once they do.
    other = _contact(world, first_name="Ben")
    research.save_research(world.db, world.alice, other, ResearchUpdate(about_field="x"), expected_version=0, now=NOW)
    with pytest.raises(StaleEdit):
        research.save_research(world.db, world.alice, other, ResearchUpdate(about_person="y"), expected_version=0,
                               now=NOW)
    assert _events(world, "edited", "research") == 2


def test_planned_questions_are_added_once_edited_with_a_version_and_removed_with_undo(world):
    from core.errors import StaleEdit
    cid = _contact(world)
    data = PlannedQuestionCreate(text="How did you start?")
    q1 = research.add_planned_question(world.db, world.alice, cid, data, idempotency_key="own-1", now=NOW)
    assert research.add_planned_question(world.db, world.alice, cid, data, idempotency_key="own-1", now=NOW) == q1
    q2 = research.add_planned_question(world.db, world.alice, cid, PlannedQuestionCreate(text="What surprised you?"),
                                       now=NOW)
    research.edit_planned_question(world.db, world.alice, q1, PlannedQuestionCreate(text="How did you get started?"),
                                   expected_version=1, now=NOW)
    with pytest.raises(StaleEdit):
        research.edit_planned_question(world.db, world.alice, q1, PlannedQuestionCreate(text="Stale wording"),
                                       expected_version=1, now=NOW)
    with pytest.raises(ResearchError, match="already in the plan"):
        research.edit_planned_question(world.db, world.alice, q2, PlannedQuestionCreate(text="how did you get STARTED?"),
                                       expected_version=1, now=NOW)
    with pytest.raises(NotFound):
        research.edit_planned_question(world.db, world.bob, q1, PlannedQuestionCreate(text="Bob's"), now=NOW)
    removed = research.remove_planned_question(world.db, world.alice, q1, now=NOW)
    assert [q["id"] for q in research.list_planned_questions(world.db, world.alice, cid)] == [q2]
    research.restore_planned_question(world.db, world.alice, removed, now=NOW)
    plan = research.list_planned_questions(world.db, world.alice, cid)
    assert [(q["id"], q["text"]) for q in plan] == [(q1, "How did you get started?"), (q2, "What surprised you?")]
    assert [_events(world, a, "question") for a in ("edited", "removed", "restored")] == [1, 1, 1]


def test_archive_and_undo_and_the_table_search(world):
    cid = _contact(world, title="Epidemiologist")
    _contact(world, first_name="Ben", last_name="Okoro", organization="Meridian")
    assert [r["first_name"] for r in contacts.target_table(world.db, world.alice, search=" EPIDEM ")] == ["Ana"]
    contacts.set_archived(world.db, world.alice, cid, True, now=NOW)
    assert [r["first_name"] for r in contacts.target_table(world.db, world.alice)] == ["Ben"]
    assert [r["first_name"] for r in contacts.target_table(world.db, world.alice, archived_only=True)] == ["Ana"]
    contacts.set_archived(world.db, world.alice, cid, False, now=NOW)
    rows = contacts.target_table(world.db, world.alice)
    assert {r["first_name"] for r in rows} == {"Ana", "Ben"} and all(r["last_activity"] for r in rows)
    with pytest.raises(AccessDenied):
        contacts.target_table(world.db, world.counselor_x)
