"""A small hand-built campaign on the `world` fixture whose dashboard figures are computed by hand.

NOW is Tuesday 2026-03-10 15:00 UTC. Cohort X's term starts 2026-02-28 (10 days ago).
- alice (X): contacts A1 (interviewed 10 days ago, thanked, reflected, referred R1), A2 (interviewed
  3 days ago: thank-you overdue, no reflection), R1 (the referral), A4 (archived yesterday).
  targets 3, researched 2, outreach_sent 2, interviews 2, thanked 1, reflections 1, referrals 1.
- bob (X): one contact added 30 days ago and nothing since: stalled (threshold 14 days).
- carl (X): joined today, nothing yet: no targets, not stalled.
- yara (Y): one interview with a PRIVATE reflection, and a research note starting with "=".
Goals of X: 4 targets by 2026-03-20 (pace today: 2), 1 interview by 2026-03-05 (past).
"""

from __future__ import annotations

from datetime import date, timedelta

from core.admin.cohorts import add_goal, add_student, update_cohort
from core.campaign import contacts, meetings, outreach, reflections, research, thanks
from core.models import (
    Channel,
    CohortUpdate,
    CommentCreate,
    ContactCreate,
    GoalCreate,
    GoalMetric,
    MeetingCreate,
    MeetingLog,
    MeetingMode,
    OutreachCreate,
    ReferralCreate,
    ReflectionCreate,
    Reply,
    ResearchUpdate,
    Role,
    ThankYouCreate,
)
from core.oversight import comments
from tests.conftest import NOW, make_user

DAY = timedelta(days=1)
SECRET = "SECRET-FEELINGS never leave"


def _interview(db, actor, contact_id, *, sent, held, referrals=(), insights=""):
    outreach_id = outreach.create_draft(db, actor, contact_id, OutreachCreate(channel=Channel.EMAIL, body="Hello"),
                                        now=sent)
    outreach.mark_sent(db, actor, outreach_id, channel=Channel.EMAIL, sent_at=sent, now=sent)
    outreach.record_reply(db, actor, outreach_id, Reply.ACCEPTED, replied_at=sent + DAY, now=sent + DAY)
    meeting_id = meetings.schedule_meeting(db, actor, contact_id, MeetingCreate(
        starts_at_local=held, timezone="UTC", mode=MeetingMode.VIDEO), now=sent + DAY)
    meetings.log_meeting(db, actor, meeting_id, MeetingLog(insights=insights), referrals=list(referrals),
                         held_at=held, now=held)
    return meeting_id


class Campaign:
    """The world plus the campaigns described in the module docstring."""

    def __init__(self, world) -> None:
        self.world = world
        db, w = world.db, world
        self.db = db
        self.carl = make_user(db, "carl", Role.STUDENT)
        add_student(db, w.admin, w.cohort_x, self.carl.user_id, now=NOW)
        update_cohort(db, w.admin, w.cohort_x, CohortUpdate(term_start=date(2026, 2, 28)), now=NOW)
        add_goal(db, w.counselor_x, w.cohort_x, GoalCreate(metric=GoalMetric.TARGETS, target_count=4,
                                                           due_on=date(2026, 3, 20)), now=NOW)
        add_goal(db, w.counselor_x, w.cohort_x, GoalCreate(metric=GoalMetric.INTERVIEWS, target_count=1,
                                                           due_on=date(2026, 3, 5)), now=NOW)
        a = w.alice
        self.a1 = contacts.create_contact(db, a, ContactCreate(first_name="Ann", last_name="One",
                                                               organization="=cmd|' /C calc'!A0"),
                                          now=NOW - 20 * DAY).id
        self.a2 = contacts.create_contact(db, a, ContactCreate(first_name="Ben", last_name="Two, \"Jr\"",
                                                               organization="Line break Ltd"), now=NOW - 20 * DAY).id
        with db.cursor() as cur:
            # A line break the form now refuses in a one-line field, as a portal may hold it from before: the
            # exports still write it as one cell.
            cur.execute("UPDATE contacts SET organization = ? WHERE id = ?", ["Line\nbreak Ltd", self.a2])
        for cid in (self.a1, self.a2):
            research.save_research(db, a, cid, ResearchUpdate(about_person="Met at the fair."), now=NOW - 19 * DAY)
        self.m1 = _interview(db, a, self.a1, sent=NOW - 18 * DAY, held=NOW - 10 * DAY,
                             referrals=[ReferralCreate(first_name="Rita", last_name="Referral")],
                             insights="People over spreadsheets.")
        ty = thanks.create_thank_you(db, a, self.a1, ThankYouCreate(body="Thank you!"), meeting_id=self.m1,
                                     now=NOW - 9 * DAY)
        thanks.mark_thank_you_sent(db, a, ty, sent_at=NOW - 9 * DAY, now=NOW - 9 * DAY)
        self.reflection_a = reflections.save_reflection(db, a, self.m1, ReflectionCreate(
            feelings="Curious and encouraged.", fit_rating=4), now=NOW - 9 * DAY)
        self.m2 = _interview(db, a, self.a2, sent=NOW - 18 * DAY, held=NOW - 3 * DAY)
        self.a4 = contacts.create_contact(db, a, ContactCreate(first_name="Archie"), now=NOW - 2 * DAY).id
        contacts.set_archived(db, a, self.a4, True, now=NOW - DAY)

        self.b1 = contacts.create_contact(db, w.bob, ContactCreate(first_name="Bea"), now=NOW - 30 * DAY).id

        y = w.yara
        self.y1 = contacts.create_contact(db, y, ContactCreate(first_name="Yves", organization="-2+3"),
                                          now=NOW - 6 * DAY).id
        research.save_research(db, y, self.y1, ResearchUpdate(about_person="=HYPERLINK(\"http://x\")"),
                               now=NOW - 6 * DAY)
        self.my = _interview(db, y, self.y1, sent=NOW - 5 * DAY, held=NOW - 4 * DAY, insights="Yara's notes")
        ty = thanks.create_thank_you(db, y, self.y1, ThankYouCreate(body="Thanks"), meeting_id=self.my,
                                     now=NOW - 4 * DAY)
        thanks.mark_thank_you_sent(db, y, ty, sent_at=NOW - 4 * DAY, now=NOW - 4 * DAY)
        self.reflection_y = reflections.save_reflection(db, y, self.my, ReflectionCreate(
            feelings=SECRET, is_private=True), now=NOW - 4 * DAY)
        comments.add_comment(db, w.counselor_x, a.user_id, CommentCreate(
            subject_type="student", subject_id=a.user_id, body="Send the thank-you to Ben today."), now=NOW - 2 * DAY)
