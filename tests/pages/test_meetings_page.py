"""The Meetings page (AppTest over the demo): a meeting still to come shows its time, place, move and
cancel but no log form until it has begun; a logged meeting puts "Next: send the thank-you" in sight
at once, outside the folded meeting; every meeting is listed, those to come first, in the portal's time
zone; the private calendar address is shown once, and can be replaced or turned off."""

from __future__ import annotations

from datetime import timedelta, timezone
from zoneinfo import ZoneInfo

from core.campaign import calendar_feed, meetings
from core.clock import utcnow
from core.config import get_settings
from core.models import MeetingCreate, MeetingLog, MeetingMode
from tests.apptest_utils import texts
from tests.pages.student_page_helpers import _actor, _page, _with_db

STUDENT = "student06"  # the demo's student with a meeting coming up


def _upcoming(portal_env) -> dict:
    actor = _actor(portal_env, STUDENT)
    [meeting] = _with_db(portal_env, lambda db: meetings.list_student_meetings(db, actor, status="scheduled"))
    return meeting


def _move_to_the_past(portal_env, meeting: dict) -> None:
    """The meeting's time comes: it began an hour ago."""
    actor = _actor(portal_env, STUDENT)
    began = meetings.to_local(utcnow() - timedelta(hours=1), meeting["timezone"]).replace(tzinfo=None)
    _with_db(portal_env, lambda db: meetings.reschedule_meeting(db, actor, meeting["id"], MeetingCreate(
        starts_at_local=began, timezone=meeting["timezone"], duration_minutes=30, mode=MeetingMode.VIDEO)))


def _log_buttons(at, meeting_id: int) -> list:
    return [b for b in at.button if b.label == "Save the log" and f"_log_{meeting_id}_" in (b.key or "")]


def test_a_meeting_still_to_come_has_no_log_form_until_its_time_has_come(portal_env):
    meeting = _upcoming(portal_env)
    query = {"contact": str(meeting["contact_id"])}
    at = _page(portal_env, "student_meetings", STUDENT, query=query)
    assert not at.exception
    assert _log_buttons(at, meeting["id"]) == []
    assert not [t for t in at.text_area if t.label == "Insights"]
    assert "Its log opens here once the meeting has begun." in texts(at)
    # Its time and place, moving and cancelling are there.
    labels = [b.label for b in at.button]
    assert "Move the meeting" in labels and "Cancel this meeting" in labels
    assert any("Video call link to follow" in t.value for t in at.text)

    _move_to_the_past(portal_env, meeting)
    at = _page(portal_env, "student_meetings", STUDENT, query=query)
    assert not at.exception
    assert len(_log_buttons(at, meeting["id"])) == 1
    assert "Its log opens here once the meeting has begun." not in texts(at)


def test_after_the_log_is_saved_the_thank_you_is_the_next_step_in_sight(portal_env):
    meeting = _upcoming(portal_env)
    _move_to_the_past(portal_env, meeting)
    at = _page(portal_env, "student_meetings", STUDENT, query={"contact": str(meeting["contact_id"])})
    assert not [s for s in at.success if "Next: send the thank-you" in s.value]
    [insights] = [t for t in at.text_area if t.label == "Insights" and f"_log_{meeting['id']}_" in t.key]
    insights.input("They test water quality every morning.")
    _log_buttons(at, meeting["id"])[0].click().run()
    assert not at.exception and not at.error
    assert "Meeting logged." in texts(at)
    [next_step] = [s for s in at.success if "Next: send the thank-you" in s.value]
    assert "You met them. Next: send the thank-you, due by" in next_step.value
    # In sight at once: on the page itself, not inside the (folded) meeting.
    assert all(next_step.value not in [s.value for s in e.success] for e in at.expander)


def test_all_meetings_are_listed_those_to_come_first_with_times_in_the_portals_zone(portal_env, monkeypatch):
    monkeypatch.setenv("PORTAL_TIMEZONE", "Asia/Tokyo")  # not the meetings' own zone (America/New_York)
    get_settings.cache_clear()
    coming = _upcoming(portal_env)
    actor = _actor(portal_env, STUDENT)
    held_at = (utcnow() - timedelta(days=2)).replace(second=0)

    def hold(db) -> None:
        mid = meetings.schedule_meeting(db, actor, coming["contact_id"], MeetingCreate(
            starts_at_local=meetings.to_local(held_at, "Europe/Paris").replace(tzinfo=None), timezone="Europe/Paris",
            mode=MeetingMode.PHONE, location="Her office line"))
        meetings.log_meeting(db, actor, mid, MeetingLog(insights="Busy mornings."))

    _with_db(portal_env, hold)
    at = _page(portal_env, "student_meetings", STUDENT)
    assert not at.exception
    assert "All your meetings" in [s.value for s in at.subheader]
    [table] = at.table
    shown = table.value
    tokyo = ZoneInfo("Asia/Tokyo")
    assert list(shown.columns) == ["Person", "Organization", "When (Asia/Tokyo)", "Mode and place", "Status"]
    assert list(shown["Status"]) == ["Coming up", "Held"]
    assert list(shown["When (Asia/Tokyo)"]) == [
        f"{coming['starts_at'].replace(tzinfo=timezone.utc).astimezone(tokyo):%a %d %b %Y, %H:%M}",
        f"{held_at.replace(tzinfo=timezone.utc).astimezone(tokyo):%a %d %b %Y, %H:%M}"]
    assert list(shown["Mode and place"]) == ["Video call · Video call link to follow", "Phone · Her office line"]
    assert shown["Person"][0] == coming["contact_name"] and shown["Organization"][0] == coming["organization"]


def test_the_private_calendar_address_is_shown_once_and_can_be_replaced_or_turned_off(portal_env):
    coming = _upcoming(portal_env)
    prefix = get_settings().public_address + "/calendar/"  # a whole address, whatever the settings
    at = _page(portal_env, "student_meetings", STUDENT)
    at.button(key="student_meetings_feed_new").click().run()
    assert not at.exception and not at.error
    [address] = [c.value for c in at.code]
    assert address.startswith(prefix) and address.endswith(".ics")
    token = address.removeprefix(prefix).removesuffix(".ics")
    feed = _with_db(portal_env, lambda db: calendar_feed.feed_calendar(db, token))
    assert f"meeting-{coming['id']}@interview-portal".encode() in feed
    # Replaced in another tab: this tab no longer shows an address that stopped working.
    actor = _actor(portal_env, STUDENT)
    _with_db(portal_env, lambda db: calendar_feed.new_feed(db, actor))
    at.run()
    assert not at.code and "Your calendar address has been in use since" in texts(at)
    # Another visit shows when it was made, never the address again.
    again = _page(portal_env, "student_meetings", STUDENT)
    assert not again.code and "Your calendar address has been in use since" in texts(again)
    # A new address closes the old one.
    again.button(key="student_meetings_feed_new").click().run()
    [replaced] = [c.value for c in again.code]
    assert replaced != address
    assert _with_db(portal_env, lambda db: calendar_feed.feed_calendar(db, token)) is None
    again.button(key="student_meetings_feed_off").click().run()
    assert not again.code and "Calendar address turned off" in texts(again)
    new_token = replaced.rsplit("/", 1)[1].removesuffix(".ics")
    assert _with_db(portal_env, lambda db: calendar_feed.feed_calendar(db, new_token)) is None
