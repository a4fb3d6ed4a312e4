"""Timing rules: the thank-you window at its edges, business days across weekends and clock changes, and the
timing settings: defined once (core/rules/timing.py), a new cohort starts with the portal's settings and a
student's thank-you falls due by them."""

from datetime import datetime, timedelta

import pytest

from core.admin.cohorts import add_student, create_cohort, update_cohort
from core.campaign import contacts, meetings, thanks
from core.campaign.todo import student_settings, todo_list
from core.config import get_settings
from core.models import (
    CohortCreate,
    CohortUpdate,
    ContactCreate,
    MeetingCreate,
    MeetingLog,
    MeetingMode,
    Role,
    ThankYouCreate,
)
from core.rules.timing import (
    FOLLOW_UP_BUSINESS_DAYS,
    STALLED_AFTER_DAYS,
    THANK_YOU_WINDOW_HOURS,
    add_business_days,
    follow_up_due_at,
)
from core.store.db import rows
from tests.conftest import NOW, TERM, make_user


def test_thank_you_due_and_overdue_at_the_edges(world):
    """Due 48 hours after the meeting (no cohort window set); sent exactly at the due moment is on time."""
    db, alice = world.db, world.alice
    held = NOW - timedelta(days=3)
    c = contacts.create_contact(db, alice, ContactCreate(first_name="Edge"), now=held - timedelta(days=2))
    m = meetings.schedule_meeting(db, alice, c.id, MeetingCreate(
        starts_at_local=held, timezone="UTC", mode=MeetingMode.VIDEO), now=held - timedelta(days=1))
    meetings.log_meeting(db, alice, m, MeetingLog(), now=held)
    update_cohort(db, world.admin, world.cohort_x, CohortUpdate(thank_you_window_hours=48))
    due = held + timedelta(hours=48)
    [at_due] = thanks.thank_you_status(db, alice, c.id, now=due)
    assert at_due["due_at"] == due and not at_due["overdue"]
    [after] = thanks.thank_you_status(db, alice, c.id, now=due + timedelta(seconds=1))
    assert after["overdue"]
    ty = thanks.create_thank_you(db, alice, c.id, ThankYouCreate(body="Thanks"), meeting_id=m,
                                 now=due + timedelta(hours=5))
    thanks.mark_thank_you_sent(db, alice, ty, now=due + timedelta(hours=5))
    [late] = thanks.thank_you_status(db, alice, c.id, now=due + timedelta(days=3))
    assert not late["overdue"] and late["sent_late"], "sent late is not overdue"


@pytest.mark.parametrize("sent, days, expected", [
    (datetime(2026, 3, 10, 15), 3, datetime(2026, 3, 13, 15)),   # Tuesday -> Friday
    (datetime(2026, 3, 5, 15), 3, datetime(2026, 3, 10, 14)),    # Thursday -> Tuesday, across the 8 March clock change
    (datetime(2026, 3, 14, 15), 1, datetime(2026, 3, 16, 15)),   # Saturday -> Monday
])
def test_business_days_skip_weekends_on_the_local_calendar(sent, days, expected):
    assert add_business_days(sent, days, "America/New_York") == expected
    assert follow_up_due_at(sent, days, "America/New_York") == expected


def test_business_days_use_the_local_date_not_utc():
    # Friday 23:30 in Los Angeles is already Saturday in UTC; one business day later is Monday local.
    friday_night = datetime(2026, 3, 7, 7, 30)  # 2026-03-06 23:30 PST
    assert add_business_days(friday_night, 1, "America/Los_Angeles") == datetime(2026, 3, 10, 6, 30)


def _judged(world, contact_id, meeting_id, now):
    """The meeting's thank-you due moment and whether it is late, through every reader: the Thank-yous page,
    the to-do list, the counselor's dashboard, the pipeline export, the reminders and the view for ad-hoc SQL."""
    import csv
    import io

    from core.messaging.reminders import due_reminders
    from core.oversight.dashboard import cohort_dashboard
    from core.oversight.export import export_bytes

    db, alice = world.db, world.alice
    (status,) = [s for s in thanks.thank_you_status(db, alice, contact_id, now=now) if s["meeting_id"] == meeting_id]
    (item,) = [i for i in todo_list(db, alice, now=now) if i.kind == "thank_you" and i.contact_id == contact_id]
    pipeline = {int(r["contact_id"]): r for r in csv.DictReader(io.StringIO(
        export_bytes(db, world.admin, "pipeline", now=now).decode("utf-8-sig")))}
    # The reminder the student hears an hour before the window closes names the same moment.
    reminders = [d for d in due_reminders(db, world.admin, now=status["due_at"] - timedelta(hours=1),
                                          student_id=alice.user_id, include_digests=False)
                 if d.params == f"contact={contact_id}"]
    with db.cursor() as cur:
        viewed = rows(cur, "SELECT due_at FROM thank_you_status WHERE meeting_id = ?", [meeting_id])[0]["due_at"]
    assert status["due_at"] == item.due_at == viewed == datetime.fromisoformat(pipeline[contact_id]["thank_you_due_at"])
    assert all(d.due_at == status["due_at"] for d in reminders) and reminders
    assert (item.urgency == "overdue") == status["overdue"] == (pipeline[contact_id]["thank_you_overdue"] == "true")
    (board,) = cohort_dashboard(db, world.counselor_x, student_id=alice.user_id, now=now)
    return status["due_at"], status["hours_left"], status["hours_late"], board["overdue_thank_yous"]


def test_a_held_meeting_keeps_the_thank_you_window_in_force_when_it_was_held(world):
    """Changing a cohort's thank-you window re-judges no meeting already held: a thank-you 23 hours late stays
    23 hours late when the window is raised, one with hours left keeps them when it is lowered; a meeting held
    after the change takes the new window."""
    db, alice = world.db, world.alice
    update_cohort(db, world.admin, world.cohort_x, CohortUpdate(thank_you_window_hours=24), now=NOW - timedelta(days=3))

    def held_with(first_name, hours_ago):
        c = contacts.create_contact(db, alice, ContactCreate(first_name=first_name), now=NOW - timedelta(days=3))
        held = NOW - timedelta(hours=hours_ago)
        m = meetings.schedule_meeting(db, alice, c.id, MeetingCreate(
            starts_at_local=held, timezone="UTC", mode=MeetingMode.VIDEO), now=NOW - timedelta(days=2))
        meetings.log_meeting(db, alice, m, MeetingLog(), held_at=held, now=held + timedelta(hours=1))
        return c.id, m

    late = held_with("Rita", 47)
    assert _judged(world, *late, NOW) == (NOW - timedelta(hours=23), None, 23, 1)
    update_cohort(db, world.admin, world.cohort_x, CohortUpdate(thank_you_window_hours=72), now=NOW)
    assert _judged(world, *late, NOW) == (NOW - timedelta(hours=23), None, 23, 1)

    fresh = held_with("Sam", 30)  # held under the new window
    assert _judged(world, *fresh, NOW) == (NOW + timedelta(hours=42), 42, None, 1)
    update_cohort(db, world.admin, world.cohort_x, CohortUpdate(thank_you_window_hours=12), now=NOW)
    assert _judged(world, *fresh, NOW) == (NOW + timedelta(hours=42), 42, None, 1)
    assert _judged(world, *late, NOW) == (NOW - timedelta(hours=23), None, 23, 1)

    # Editing the log later keeps the window the meeting was held under.
    meetings.log_meeting(db, alice, fresh[1], MeetingLog(insights="More notes"), now=NOW)
    assert _judged(world, *fresh, NOW)[0] == NOW + timedelta(hours=42)
    ty = thanks.create_thank_you(db, alice, late[0], ThankYouCreate(body="Thanks"), meeting_id=late[1], now=NOW)
    thanks.mark_thank_you_sent(db, alice, ty, now=NOW)
    (sent,) = thanks.thank_you_status(db, alice, late[0], now=NOW)
    assert sent["sent_late"] and not sent["overdue"]


def test_a_thank_you_without_a_meeting_counts_for_every_meeting_with_that_contact(world):
    db, alice = world.db, world.alice
    c = contacts.create_contact(db, alice, ContactCreate(first_name="Rita"), now=NOW - timedelta(days=9))
    held = []
    for days_ago in (6, 3):
        m = meetings.schedule_meeting(db, alice, c.id, MeetingCreate(
            starts_at_local=NOW - timedelta(days=days_ago), timezone="UTC", mode=MeetingMode.PHONE),
            now=NOW - timedelta(days=8))
        meetings.log_meeting(db, alice, m, MeetingLog(), now=NOW - timedelta(days=days_ago - 1))
        held.append(m)
    general = thanks.create_thank_you(db, alice, c.id, ThankYouCreate(body="Thanks for both"), now=NOW)
    thanks.mark_thank_you_sent(db, alice, general, sent_at=NOW - timedelta(days=1), now=NOW)
    first = thanks.create_thank_you(db, alice, c.id, ThankYouCreate(body="Thanks"), meeting_id=held[0], now=NOW)
    thanks.mark_thank_you_sent(db, alice, first, sent_at=NOW - timedelta(days=5), now=NOW)
    with db.cursor() as cur:
        sent = dict(cur.execute("SELECT meeting_id, sent_at FROM thank_you_status ORDER BY meeting_id").fetchall())
    assert sent == {held[0]: NOW - timedelta(days=5), held[1]: NOW - timedelta(days=1)}


# The timing settings

@pytest.fixture
def settings_env(monkeypatch, tmp_path):
    """Settings read afresh from the environment, and forgotten after the test."""
    monkeypatch.setenv("PORTAL_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    for name in ("THANK_YOU_WINDOW_HOURS", "STALLED_AFTER_DAYS", "FOLLOW_UP_BUSINESS_DAYS"):
        monkeypatch.delenv(f"PORTAL_{name}", raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def _held_with_ana(db, student, held_at):
    cid = contacts.create_contact(db, student, ContactCreate(first_name="Ana", last_name="Lee",
                                                             organization="County Health"), now=held_at).id
    mid = meetings.schedule_meeting(db, student, cid, MeetingCreate(
        starts_at_local=held_at, timezone="UTC", mode=MeetingMode.VIDEO), now=held_at - timedelta(days=2))
    meetings.log_meeting(db, student, mid, MeetingLog(insights="People first."), held_at=held_at,
                         now=held_at + timedelta(minutes=40))
    return cid


def test_the_defaults_are_the_rules_own(db, settings_env):
    settings = get_settings()
    assert (settings.thank_you_window_hours, settings.stalled_after_days, settings.follow_up_business_days) == (
        THANK_YOU_WINDOW_HOURS.default, STALLED_AFTER_DAYS.default, FOLLOW_UP_BUSINESS_DAYS.default) == (48, 14, 3)
    admin = make_user(db, "admin", Role.ADMIN)
    cohort = create_cohort(db, admin, CohortCreate(name="Spring", **TERM), now=NOW)
    assert (cohort.thank_you_window_hours, cohort.stalled_after_days, cohort.follow_up_business_days) == (48, 14, 3)


def test_a_24_hour_window_setting_makes_a_new_cohorts_window_and_moves_the_thank_you_due_moment(db, settings_env):
    settings_env.setenv("PORTAL_THANK_YOU_WINDOW_HOURS", "24")
    settings_env.setenv("PORTAL_STALLED_AFTER_DAYS", "7")
    settings_env.setenv("PORTAL_FOLLOW_UP_BUSINESS_DAYS", "5")
    get_settings.cache_clear()
    admin, student = make_user(db, "admin", Role.ADMIN), make_user(db, "ana.student", Role.STUDENT)
    cohort = create_cohort(db, admin, CohortCreate(name="Spring", **TERM), now=NOW)
    assert (cohort.thank_you_window_hours, cohort.stalled_after_days, cohort.follow_up_business_days) == (24, 7, 5)
    add_student(db, admin, cohort.id, student.user_id, now=NOW)

    held = NOW - timedelta(days=5)
    cid = _held_with_ana(db, student, held)
    (status,) = thanks.thank_you_status(db, student, cid, now=held + timedelta(hours=30))
    assert status["due_at"] == held + timedelta(hours=24)
    (item,) = [i for i in todo_list(db, student, now=held + timedelta(hours=30)) if i.kind == "thank_you"]
    assert (item.due_at, item.urgency, item.hours_late) == (held + timedelta(hours=24), "overdue", 6)
    assert student_settings(db, student, student.user_id)["follow_up_business_days"] == 5


def test_a_cohort_keeps_its_window_when_the_setting_changes_later(db, settings_env):
    admin, student = make_user(db, "admin", Role.ADMIN), make_user(db, "ana.student", Role.STUDENT)
    cohort = create_cohort(db, admin, CohortCreate(name="Spring", **TERM), now=NOW)
    add_student(db, admin, cohort.id, student.user_id, now=NOW)
    settings_env.setenv("PORTAL_THANK_YOU_WINDOW_HOURS", "24")
    get_settings.cache_clear()
    held = NOW - timedelta(days=5)
    cid = _held_with_ana(db, student, held)
    (status,) = thanks.thank_you_status(db, student, cid, now=held + timedelta(hours=30))
    assert status["due_at"] == held + timedelta(hours=48)


def test_a_student_in_no_cohort_is_held_to_the_rules_defaults(db, settings_env):
    settings_env.setenv("PORTAL_THANK_YOU_WINDOW_HOURS", "24")
    get_settings.cache_clear()
    student = make_user(db, "ana.student", Role.STUDENT)
    held = NOW - timedelta(days=5)
    cid = _held_with_ana(db, student, held)
    (status,) = thanks.thank_you_status(db, student, cid, now=held + timedelta(hours=30))
    (item,) = [i for i in todo_list(db, student, now=held + timedelta(hours=30)) if i.kind == "thank_you"]
    assert status["due_at"] == item.due_at == held + timedelta(hours=THANK_YOU_WINDOW_HOURS.default)
