"""Every write of a campaign lands in the event log with who, whose, which cohort and what (core/store/events.py)."""

from datetime import timedelta

from core.campaign import contacts, research
from core.models import ContactCreate, ResearchUpdate
from core.store.db import rows
from tests.conftest import NOW


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


def _activity(world, student):
    """The student's last activity and stalled flag, as the counselor's dashboard shows them at NOW."""
    from core.oversight.dashboard import cohort_dashboard

    (found,) = cohort_dashboard(world.db, world.counselor_x, student_id=student.user_id, now=NOW)
    return found["last_activity_at"], found["stalled"]


def test_signing_in_settings_and_reading_leave_last_activity_and_stalled_as_they_were(world):
    """Only campaign work is activity (core/rules/activity.py): a stalled student who signs in, changes their
    password and email choices, reads their notifications and comments, and signs out is still stalled."""
    from core.identity import accounts
    from core.messaging import notify
    from core.models import CommentCreate
    from core.oversight import comments
    from tests.conftest import PASSWORD

    db, bob = world.db, world.bob
    last = NOW - timedelta(days=30)
    contact = contacts.create_contact(db, bob, ContactCreate(first_name="Bea"), now=last)
    assert _activity(world, bob) == (last, True)
    moment = NOW - timedelta(hours=2)
    assert accounts.password_sign_in(db, username="bob", password=PASSWORD, address="10.0.0.1",
                                     now=moment) == bob.user_id
    accounts.change_password(db, bob, PASSWORD, "New-pass-2-long!", rounds=4)
    notify.set_notification_settings(db, bob, {"comment": False}, now=moment)
    comment = comments.add_comment(db, world.counselor_x, bob.user_id, CommentCreate(
        subject_type="contact", subject_id=contact.id, body="Who else is at Bea's firm?"), now=moment)
    notify.mark_all_read(db, bob, now=moment)
    notify.read_comments(db, bob, [comment], now=moment)
    comments.add_comment(db, bob, bob.user_id, CommentCreate(
        subject_type="contact", subject_id=contact.id, body="I will look tonight."), now=moment)
    accounts.revoke_sessions(db, bob, now=moment)
    with db.cursor() as cur:
        written = {r["action"] for r in rows(cur, "SELECT action FROM events WHERE actor_id = ? AND occurred_at > ?",
                                              [bob.user_id, last])}
    assert {"signed_in", "password_changed", "commented", "signed_out"} <= written
    assert _activity(world, bob) == (last, True)


def test_each_kind_of_campaign_work_moves_last_activity(world):
    from core.campaign import keep_in_touch, meetings, outreach, reflections, thanks
    from core.models import (
        Channel,
        ContactUpdate,
        FollowUpCreate,
        FollowUpKind,
        MeetingCreate,
        MeetingLog,
        MeetingMode,
        OutcomeCreate,
        OutcomeKind,
        OutreachCreate,
        PlannedQuestionCreate,
        ReflectionCreate,
        Reply,
        ThankYouCreate,
    )
    from core.rules.activity import CAMPAIGN_WORK

    db, bob = world.db, world.bob
    start = NOW - timedelta(days=40)
    c = contacts.create_contact(db, bob, ContactCreate(first_name="Bea", organization="County"), now=start)
    held = start + timedelta(days=1, hours=8, minutes=30)  # between scheduling it and logging it below
    ids: dict[str, int] = {}
    work = [
        ("a focus occupation chosen", lambda t: contacts.add_focus_occupation(db, bob, "Epidemiologist", now=t)),
        ("a target added", lambda t: contacts.create_contact(db, bob, ContactCreate(first_name="Cy"), now=t)),
        ("a target edited", lambda t: contacts.update_contact(
            db, bob, c.id, ContactUpdate(first_name="Bea", organization="County Health"), now=t)),
        ("research saved", lambda t: research.save_research(db, bob, c.id, ResearchUpdate(about_person="Nurse"),
                                                            now=t)),
        ("a question planned", lambda t: research.add_planned_question(
            db, bob, c.id, PlannedQuestionCreate(text="What is a typical day?"), now=t)),
        ("outreach drafted", lambda t: ids.update(outreach=outreach.create_draft(
            db, bob, c.id, OutreachCreate(channel=Channel.EMAIL, body="Hello"), now=t))),
        ("outreach sent", lambda t: outreach.mark_sent(db, bob, ids["outreach"], channel=Channel.EMAIL, sent_at=t,
                                                       now=t)),
        ("a reply recorded", lambda t: outreach.record_reply(db, bob, ids["outreach"], Reply.ACCEPTED, replied_at=t,
                                                             now=t)),
        ("a meeting scheduled", lambda t: ids.update(meeting=meetings.schedule_meeting(
            db, bob, c.id, MeetingCreate(starts_at_local=held, timezone="UTC", mode=MeetingMode.VIDEO), now=t))),
        ("a meeting logged", lambda t: meetings.log_meeting(db, bob, ids["meeting"], MeetingLog(insights="People"),
                                                            held_at=held, now=t)),
        ("a thank-you drafted", lambda t: ids.update(thank_you=thanks.create_thank_you(
            db, bob, c.id, ThankYouCreate(body="Thank you"), meeting_id=ids["meeting"], now=t))),
        ("a thank-you sent", lambda t: thanks.mark_thank_you_sent(db, bob, ids["thank_you"], sent_at=t, now=t)),
        ("a reflection", lambda t: reflections.save_reflection(db, bob, ids["meeting"],
                                                               ReflectionCreate(feelings="Curious"), now=t)),
        ("a keep-in-touch note sent", lambda t: keep_in_touch.add_follow_up(
            db, bob, c.id, FollowUpCreate(kind=FollowUpKind.NEWS, body="News"), sent_at=t, now=t)),
        ("an outcome", lambda t: keep_in_touch.record_outcome(db, bob, OutcomeCreate(kind=OutcomeKind.INTERNSHIP),
                                                              now=t)),
    ]
    for n, (what, do) in enumerate(work):
        moment = start + timedelta(days=1, hours=n)
        do(moment)
        assert _activity(world, bob) == (moment, True), what
    moment = NOW - timedelta(hours=1)
    research.save_research(db, bob, c.id, ResearchUpdate(about_person="Nurse, ten years"), now=moment)
    assert _activity(world, bob) == (moment, False)
    with db.cursor() as cur:
        kinds = {r["entity_type"] for r in rows(cur, "SELECT entity_type FROM events WHERE actor_id = ?",
                                                 [bob.user_id])}
    assert set(CAMPAIGN_WORK) <= kinds, "every kind of campaign work is tried above"
