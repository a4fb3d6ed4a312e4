"""The home to-do list: thank-yous at the edges of the window, follow-ups after business days, meetings,
drafts, reflections, referrer thank-yous, the next step at every stage (research, write, schedule a yes,
after a no), the step that moves each goal behind pace, the order of the list, and that it follows the
stored facts exactly."""

from datetime import date, datetime, timedelta

import pytest

from core.admin.cohorts import add_goal, update_cohort
from core.campaign import contacts, meetings, outreach, reflections, research, thanks
from core.campaign.todo import todo_list
from core.errors import NotFound
from core.models import (
    Channel,
    CohortUpdate,
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
    ThankYouCreate,
)
from core.oversight.progress import goal_progress
from core.rules.timing import add_business_days, follow_up_due_at
from tests.conftest import NOW

ZONE = "America/New_York"


def _contact(db, actor, first="Ana", org="County Health", at=NOW):
    return contacts.create_contact(db, actor, ContactCreate(first_name=first, last_name="Lee", organization=org),
                                   now=at).id


def _held_meeting(db, actor, contact_id, held_at):
    mid = meetings.schedule_meeting(db, actor, contact_id, MeetingCreate(
        starts_at_local=held_at, timezone="UTC", mode=MeetingMode.VIDEO), now=held_at - timedelta(days=2))
    meetings.log_meeting(db, actor, mid, MeetingLog(insights="People first."), held_at=held_at,
                         now=held_at + timedelta(minutes=40))
    return mid


def _kinds(items):
    return [(i.kind, i.urgency, i.contact_name) for i in items]


def test_no_targets_suggests_adding_some(world):
    items = todo_list(world.db, world.alice, now=NOW)
    assert _kinds(items) == [("add_targets", "open", "")]


@pytest.mark.parametrize("hours_after, urgency, left, late", [
    (47, "due", 1, None),        # one hour before the 48-hour window closes
    (48, "due", 0, None),        # exactly at the edge: still on time
    (48.5, "overdue", None, 1),  # half an hour late rounds up to one hour late
    (70, "overdue", None, 22),
])
def test_thank_you_window_edges(world, hours_after, urgency, left, late):
    cid = _contact(world.db, world.alice)
    held = NOW - timedelta(days=5)
    _held_meeting(world.db, world.alice, cid, held)
    items = [i for i in todo_list(world.db, world.alice, now=held + timedelta(hours=hours_after))
             if i.kind == "thank_you"]
    assert len(items) == 1
    assert (items[0].urgency, items[0].hours_left, items[0].hours_late) == (urgency, left, late)
    assert items[0].due_at == held + timedelta(hours=48)


def test_thank_you_window_follows_the_cohort_setting(world):
    update_cohort(world.db, world.admin, world.cohort_x, CohortUpdate(thank_you_window_hours=24), now=NOW)
    cid = _contact(world.db, world.alice)
    held = NOW - timedelta(days=5)
    _held_meeting(world.db, world.alice, cid, held)
    item = [i for i in todo_list(world.db, world.alice, now=held + timedelta(hours=30)) if i.kind == "thank_you"][0]
    assert (item.urgency, item.hours_late) == ("overdue", 6)


def test_sending_the_thank_you_clears_the_item(world):
    cid = _contact(world.db, world.alice)
    held = NOW - timedelta(hours=10)
    mid = _held_meeting(world.db, world.alice, cid, held)
    ty = thanks.create_thank_you(world.db, world.alice, cid, ThankYouCreate(body="Thanks"), meeting_id=mid, now=NOW)
    assert "thank_you" in [i.kind for i in todo_list(world.db, world.alice, now=NOW)]
    thanks.mark_thank_you_sent(world.db, world.alice, ty, now=NOW)
    assert "thank_you" not in [i.kind for i in todo_list(world.db, world.alice, now=NOW)]


def test_referrer_thank_you_is_proposed_until_sent(world):
    a = world.alice
    cid = _contact(world.db, a, first="Ref")
    mid = _held_meeting(world.db, a, cid, NOW - timedelta(days=3))
    [referred] = meetings.log_meeting(world.db, a, mid, MeetingLog(), referrals=[
        ReferralCreate(first_name="Noor", last_name="Singh", may_use_name=True)], now=NOW - timedelta(days=2))
    mid2 = _held_meeting(world.db, a, referred, NOW - timedelta(hours=5))
    items = [i for i in todo_list(world.db, a, now=NOW) if i.kind == "referrer_thank_you"]
    assert [(i.contact_id, i.detail) for i in items] == [(referred, "Ref Lee")]
    ty = thanks.create_thank_you(world.db, a, referred, ThankYouCreate(body="Thank you for the introduction"),
                                 kind="referrer", meeting_id=mid2, now=NOW)
    thanks.mark_thank_you_sent(world.db, a, ty, now=NOW)
    assert not [i for i in todo_list(world.db, a, now=NOW) if i.kind == "referrer_thank_you"]


def _sent_request(db, actor, cid, sent_at):
    mid = outreach.create_draft(db, actor, cid, OutreachCreate(channel=Channel.EMAIL, body="Hello?"), now=sent_at)
    outreach.mark_sent(db, actor, mid, channel=Channel.EMAIL, sent_at=sent_at, now=sent_at)
    return mid


def test_follow_up_after_three_business_days_skips_the_weekend(world):
    cid = _contact(world.db, world.alice)
    friday = datetime(2026, 3, 6, 15, 0)  # Friday 10:00 in New York
    _sent_request(world.db, world.alice, cid, friday)
    due = datetime(2026, 3, 11, 14, 0)  # Wednesday 10:00 New York (EDT from 8 March)
    assert follow_up_due_at(friday, 3, ZONE) == due
    assert not [i for i in todo_list(world.db, world.alice, now=due - timedelta(minutes=1), zone=ZONE)
                if i.kind == "follow_up"]
    [item] = [i for i in todo_list(world.db, world.alice, now=due, zone=ZONE) if i.kind == "follow_up"]
    assert (item.contact_id, item.due_at) == (cid, due)


def test_business_days_are_counted_in_the_local_zone(world):
    # 03:00 UTC Saturday is still Friday evening in New York: three business days end Wednesday there.
    assert add_business_days(datetime(2026, 3, 7, 3, 0), 3, ZONE) == datetime(2026, 3, 12, 2, 0)
    # In Tokyo the same instant is Saturday noon: Monday, Tuesday, Wednesday -> Wednesday noon Tokyo.
    assert add_business_days(datetime(2026, 3, 7, 3, 0), 3, "Asia/Tokyo") == datetime(2026, 3, 11, 3, 0)


def test_an_answer_or_a_meeting_ends_the_follow_up(world):
    a = world.alice
    c1, c2, c3 = (_contact(world.db, a, first=n) for n in ("One", "Two", "Three"))
    sent = NOW - timedelta(days=10)
    m1 = _sent_request(world.db, a, c1, sent)
    m2 = _sent_request(world.db, a, c2, sent)
    _sent_request(world.db, a, c3, sent)
    outreach.record_reply(world.db, a, m1, Reply.DECLINED, now=NOW)
    outreach.record_reply(world.db, a, m2, Reply.NO_REPLY, now=NOW)  # "no reply" recorded still needs a nudge
    meetings.schedule_meeting(world.db, a, c3, MeetingCreate(starts_at_local=NOW + timedelta(days=2), timezone="UTC",
                                                           mode=MeetingMode.PHONE), now=NOW)
    assert [i.contact_id for i in todo_list(world.db, a, now=NOW) if i.kind == "follow_up"] == [c2]


def test_after_one_follow_up_the_portal_suggests_a_second_person(world):
    a = world.alice
    cid = _contact(world.db, a, first="Busy", org="Meridian Partners")
    other = _contact(world.db, a, first="Colleague", org="Meridian Partners")
    _sent_request(world.db, a, cid, NOW - timedelta(days=14))
    f = outreach.create_draft(world.db, a, cid, OutreachCreate(channel=Channel.EMAIL, purpose="follow_up", body="Hi?"),
                              now=NOW - timedelta(days=7))
    outreach.mark_sent(world.db, a, f, channel=Channel.EMAIL, sent_at=NOW - timedelta(days=7), now=NOW)
    items = [i for i in todo_list(world.db, a, now=NOW) if i.contact_id == cid]
    assert [i.kind for i in items] == ["second_person"]
    assert items[0].detail == "Also on your list at the same organization: Colleague Lee"
    assert other != cid


def test_upcoming_meetings_drafts_and_missing_reflections(world):
    a = world.alice
    soon, later, drafted, met = (_contact(world.db, a, first=n) for n in ("Soon", "Later", "Drafted", "Met"))
    meetings.schedule_meeting(world.db, a, soon, MeetingCreate(starts_at_local=NOW + timedelta(days=6, hours=23),
                                                             timezone="UTC", mode=MeetingMode.VIDEO), now=NOW)
    meetings.schedule_meeting(world.db, a, later, MeetingCreate(starts_at_local=NOW + timedelta(days=8),
                                                              timezone="UTC", mode=MeetingMode.VIDEO), now=NOW)
    outreach.create_draft(world.db, a, drafted, OutreachCreate(channel=Channel.LINKEDIN, body="Hi"), now=NOW)
    mid = _held_meeting(world.db, a, met, NOW - timedelta(days=4))
    ty = thanks.create_thank_you(world.db, a, met, ThankYouCreate(body="Thanks"), meeting_id=mid, now=NOW)
    thanks.mark_thank_you_sent(world.db, a, ty, sent_at=NOW - timedelta(days=3), now=NOW)
    kinds = {(i.kind, i.contact_name) for i in todo_list(world.db, a, now=NOW)}
    assert kinds == {("meeting_soon", "Soon Lee"), ("draft", "Drafted Lee"), ("reflection", "Met Lee")}
    reflections.save_reflection(world.db, a, mid, ReflectionCreate(feelings="Good"), now=NOW)
    assert "reflection" not in {i.kind for i in todo_list(world.db, a, now=NOW)}


def test_archived_contacts_leave_the_list(world):
    a = world.alice
    cid = _contact(world.db, a)
    outreach.create_draft(world.db, a, cid, OutreachCreate(channel=Channel.EMAIL, body="Hi"), now=NOW)
    contacts.set_archived(world.db, a, cid, True, now=NOW)
    assert [i.kind for i in todo_list(world.db, a, now=NOW)] == ["add_targets"]


def test_overdue_comes_first(world):
    a = world.alice
    late, fresh = _contact(world.db, a, first="Late"), _contact(world.db, a, first="Fresh")
    _held_meeting(world.db, a, fresh, NOW - timedelta(hours=2))
    _held_meeting(world.db, a, late, NOW - timedelta(hours=60))
    items = [i for i in todo_list(world.db, a, now=NOW) if i.kind == "thank_you"]
    assert [(i.contact_name, i.urgency) for i in items] == [("Late Lee", "overdue"), ("Fresh Lee", "due")]


def test_counselor_reads_only_their_cohort(world):
    cid = _contact(world.db, world.alice)
    assert [(i.kind, i.contact_id) for i in todo_list(world.db, world.counselor_x, world.alice.user_id, now=NOW)] == [
        ("research", cid)]
    with pytest.raises(NotFound):
        todo_list(world.db, world.counselor_y, world.alice.user_id, now=NOW)
    with pytest.raises(NotFound):
        todo_list(world.db, world.bob, world.alice.user_id, now=NOW)


def _researched(db, actor, cid, at=NOW):
    research.save_research(db, actor, cid, ResearchUpdate(about_person="Runs the county's flu surveillance."), now=at)


def test_each_person_has_a_next_step_research_then_write(world):
    a = world.alice
    cid = _contact(world.db, a, at=NOW - timedelta(days=3))
    [item] = todo_list(world.db, a, now=NOW)
    assert (item.kind, item.title, item.contact_id, item.page) == (
        "research", "Research Ana Lee before you write", cid, "pages/student_research.py")
    _researched(world.db, a, cid)
    [item] = todo_list(world.db, a, now=NOW)
    assert (item.kind, item.title, item.contact_id, item.page) == (
        "write_to", "Write to Ana Lee", cid, "pages/student_outreach.py")
    # A draft takes the place of "write to" (one step per person); once sent, nothing waits until a follow-up.
    mid = outreach.create_draft(world.db, a, cid, OutreachCreate(channel=Channel.EMAIL, body="Hello?"), now=NOW)
    assert [i.kind for i in todo_list(world.db, a, now=NOW)] == ["draft"]
    outreach.mark_sent(world.db, a, mid, channel=Channel.EMAIL, sent_at=NOW, now=NOW)
    assert todo_list(world.db, a, now=NOW) == []


def test_a_yes_is_a_meeting_to_schedule_until_it_is(world):
    a = world.alice
    cid = _contact(world.db, a)
    mid = _sent_request(world.db, a, cid, NOW - timedelta(days=2))
    outreach.record_reply(world.db, a, mid, Reply.ACCEPTED, now=NOW - timedelta(days=1))
    [item] = todo_list(world.db, a, now=NOW)
    assert (item.kind, item.urgency, item.contact_id, item.page) == (
        "schedule", "due", cid, "pages/student_meetings.py")
    meetings.schedule_meeting(world.db, a, cid, MeetingCreate(starts_at_local=NOW + timedelta(days=10),
                                                            timezone="UTC", mode=MeetingMode.VIDEO), now=NOW)
    assert todo_list(world.db, a, now=NOW) == []


def test_a_no_asks_for_another_person_or_a_referral_until_one_is_taken(world):
    a = world.alice
    cid = _contact(world.db, a, first="Raj", org="Motion Rehab Clinic", at=NOW - timedelta(days=40))
    mid = _sent_request(world.db, a, cid, NOW - timedelta(days=37))
    outreach.record_reply(world.db, a, mid, Reply.DECLINED, replied_at=NOW - timedelta(days=35), now=NOW)
    [item] = todo_list(world.db, a, now=NOW)  # five weeks on, the no still calls for a next step
    assert (item.kind, item.contact_id, item.page) == ("after_decline", cid, "pages/student_targets.py")
    assert item.title == "They said no: try another person at the organization, or ask them who else to talk to"
    assert item.detail == "Or add a second person at the same organization to your targets"
    # Another person at the same organization takes it (their own next step is research).
    other = _contact(world.db, a, first="Colleague", org="motion rehab clinic ")
    assert [(i.kind, i.contact_id) for i in todo_list(world.db, a, now=NOW)] == [("research", other)]
    contacts.set_archived(world.db, a, other, True, now=NOW)
    assert [i.kind for i in todo_list(world.db, a, now=NOW)] == ["after_decline"]
    # So does writing to them again, to ask who else could help.
    ask = outreach.create_draft(world.db, a, cid, OutreachCreate(channel=Channel.EMAIL, purpose="follow_up",
                                                                 body="Who else could I ask?"), now=NOW)
    outreach.mark_sent(world.db, a, ask, channel=Channel.EMAIL, sent_at=NOW, now=NOW)
    assert todo_list(world.db, a, now=NOW) == []


def _goal(world, metric, count, due=date(2026, 4, 30)):
    add_goal(world.db, world.counselor_x, world.cohort_x, GoalCreate(metric=metric, target_count=count, due_on=due),
             now=NOW - timedelta(days=50))


def test_goals_behind_pace_name_the_step_that_moves_them(world):
    a = world.alice
    _goal(world, GoalMetric.INTERVIEWS, 4)   # about two expected by now: behind
    _goal(world, GoalMetric.TARGETS, 8)      # four expected by now, two on the list: behind by two
    _goal(world, GoalMetric.REFLECTIONS, 1, due=date(2026, 3, 1))  # due last week, none written: missed
    first = _contact(world.db, a, first="First", at=NOW - timedelta(days=9))
    second = _contact(world.db, a, first="Second", at=NOW - timedelta(days=8))
    _researched(world.db, a, second)
    standings = goal_progress(world.db, a, a.user_id, now=NOW)
    assert {g["metric"]: g["status"] for g in standings} == {
        "interviews": "behind", "targets": "behind", "reflections": "missed"}
    items = todo_list(world.db, a, now=NOW, goals=standings)
    # Interviews and reflections wait on a request: the step on the list that moves them is writing to Second.
    write = next(i for i in items if i.kind == "write_to")
    assert write.contact_id == second and write.goals == (  # in the order of the goals' due dates
        "Your cohort's goal of 1 reflections written was due 01 Mar: 0 so far",
        "Behind your cohort's pace on interviews held: 0 so far, 2 expected by now")
    add = next(i for i in items if i.kind == "add_targets")
    assert (add.title, add.contact_id, add.goals) == (
        "Add 2 more people to your targets", None,
        ("Behind your cohort's pace on targets: 2 so far, 4 expected by now",))
    assert next(i for i in items if i.kind == "research").contact_id == first
    # Without the standings (or with every goal on track) the list holds no goal steps.
    assert [i for i in todo_list(world.db, a, now=NOW) if i.goals or i.kind == "add_targets"] == []


def test_a_referral_goal_behind_asks_someone_met_for_a_name(world):
    a = world.alice
    _goal(world, GoalMetric.REFERRALS, 3)
    met = _contact(world.db, a, first="Met")
    mid = _held_meeting(world.db, a, met, NOW - timedelta(days=6))
    ty = thanks.create_thank_you(world.db, a, met, ThankYouCreate(body="Thanks"), meeting_id=mid, now=NOW)
    thanks.mark_thank_you_sent(world.db, a, ty, sent_at=NOW - timedelta(days=5), now=NOW)
    reflections.save_reflection(world.db, a, mid, ReflectionCreate(feelings="Good"), now=NOW)
    items = todo_list(world.db, a, now=NOW, goals=goal_progress(world.db, a, a.user_id, now=NOW))
    assert [(i.kind, i.title, i.contact_id, i.page) for i in items] == [
        ("ask_referral", "Ask Met Lee who else you could talk to", met, "pages/student_keep_in_touch.py")]


def test_late_thank_yous_and_replies_come_before_meetings_to_log_then_the_next_steps(world):
    a = world.alice
    researched = _contact(world.db, a, first="Researched", at=NOW - timedelta(days=20))
    _researched(world.db, a, researched, at=NOW - timedelta(days=19))
    _contact(world.db, a, first="New", at=NOW - timedelta(days=20))
    declined = _contact(world.db, a, first="Declined", org="Meridian Partners", at=NOW - timedelta(days=20))
    no = _sent_request(world.db, a, declined, NOW - timedelta(days=15))
    outreach.record_reply(world.db, a, no, Reply.DECLINED, now=NOW - timedelta(days=14))
    held = _contact(world.db, a, first="Held", at=NOW - timedelta(days=20))
    meetings.schedule_meeting(world.db, a, held, MeetingCreate(starts_at_local=NOW - timedelta(days=1), timezone="UTC",
                                                             mode=MeetingMode.PHONE), now=NOW - timedelta(days=3))
    yes = _contact(world.db, a, first="Yes", at=NOW - timedelta(days=20))
    ok = _sent_request(world.db, a, yes, NOW - timedelta(days=4))
    outreach.record_reply(world.db, a, ok, Reply.ACCEPTED, now=NOW - timedelta(days=3))
    late = _contact(world.db, a, first="Late", at=NOW - timedelta(days=20))
    _held_meeting(world.db, a, late, NOW - timedelta(days=4))
    items = todo_list(world.db, a, now=NOW)
    assert [(i.kind, i.contact_name) for i in items] == [
        ("thank_you", "Late Lee"), ("schedule", "Yes Lee"), ("log_meeting", "Held Lee"), ("reflection", "Late Lee"),
        ("after_decline", "Declined Lee"), ("write_to", "Researched Lee"), ("research", "New Lee")]
    assert items[0].urgency == "overdue"
