"""The Meetings page in a real browser: a meeting still to come keeps the page short (no log form), the
thank-you that is due is in sight with a link to it, and the private calendar address works from a
calendar app's side (the portal's own server answers it) until it is turned off."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.browser.conftest import choose, sign_in, wait_idle
from tests.browser.test_targets_and_research import WAIT, _go

# The Meetings page of a student with one meeting to come, that person open, in a 1400 x 1000 window:
# about 2,650 px tall when the whole log form (about 20 fields) and the schedule form showed under a
# meeting still to come, about 1,150 px without them.
SHORT_ENOUGH = 1_800


def _main_height(page) -> int:
    return page.evaluate("() => document.querySelector('[data-testid=\"stMainBlockContainer\"]').scrollHeight")


def set_date(page, label: str, day: date) -> None:
    """Type a day into the date field labelled `label`, one part (year, month, day) after the other, and leave it."""
    for part, digits in (("year", f"{day.year:04d}"), ("month", f"{day.month:02d}"), ("day", f"{day.day:02d}")):
        page.get_by_role("spinbutton", name=f"{part}, {label}", exact=True).click()
        page.keyboard.type(digits)
    page.keyboard.press("Tab")
    field = page.get_by_test_id("stDateInput").filter(has=page.get_by_role("group", name=label, exact=True))
    expect(field.locator("input[type='date']")).to_have_value(day.isoformat())
    page.keyboard.press("Escape")  # the calendar a click on the field may have opened
    expect(page.get_by_role("grid")).to_have_count(0)
    wait_idle(page)


def yesterday_in_the_portals_zone() -> date:
    """Yesterday where the portal keeps time (its default zone): a meeting held then has its thank-you
    still due, whatever the hour the test runs."""
    return datetime.now(ZoneInfo("America/New_York")).date() - timedelta(days=1)


def _open_first_listed(page) -> None:
    """The list of all meetings names the person of its first row: open that person's meetings below it."""
    person = page.locator("[data-testid='stTable'] tbody tr").first.locator("td, th").first.inner_text().strip()
    choose(page, "Contact", re.compile("^" + re.escape(person)))


def test_a_meeting_still_to_come_keeps_the_meetings_page_short(portal, page):
    sign_in(page, portal.url, "student06")  # the demo's student with a meeting coming up
    _go(page, "Meetings")
    _open_first_listed(page)
    expect(page.get_by_text(re.compile(r"· scheduled$"))).to_have_count(1, timeout=WAIT)
    expect(page.get_by_text("Its log opens here once the meeting has begun.")).to_be_visible()
    expect(page.get_by_role("button", name="Save the log")).to_have_count(0)
    expect(page.get_by_role("button", name="Cancel this meeting")).to_be_visible()
    height = _main_height(page)
    assert height < SHORT_ENOUGH, f"the Meetings page is {height} px tall"


def test_the_thank_you_due_is_in_sight_with_a_link_to_it(portal, page):
    sign_in(page, portal.url, "student07")  # the demo's student whose thank-you is late
    _go(page, "Meetings")
    _open_first_listed(page)
    expect(page.get_by_text(re.compile(r"^Next: send the thank-you\. It was due"))).to_be_visible(timeout=WAIT)
    link = page.get_by_role("link", name="Next: send the thank-you")
    expect(link).to_be_visible()  # not folded away inside the meeting
    link.click()
    wait_idle(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Thank-yous", timeout=WAIT)
    expect(page.get_by_text(re.compile(r"^Overdue: it was due"))).to_be_visible(timeout=WAIT)


def _fetch(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=20) as answer:
            return answer.status, answer.headers["Content-Type"], answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.headers["Content-Type"], refused.read().decode()


def test_the_private_calendar_address_is_served_until_it_is_turned_off(portal, page):
    sign_in(page, portal.url, "student18")  # the other cohort's student with a meeting coming up
    _go(page, "Meetings")
    page.get_by_text("Your meetings in your calendar app").click()
    page.get_by_role("button", name="Make my calendar address").click()
    wait_idle(page)
    expect(page.get_by_text("Copy it now")).to_be_visible(timeout=WAIT)
    address = page.locator("[data-testid='stCode'] code").inner_text().strip()
    assert re.fullmatch(r"https?://[^/]+/calendar/[\w-]{43}\.ics", address), address
    # A calendar app reads the address from the portal's own server, with no sign-in.
    feed = portal.url + urlsplit(address).path
    status, kind, body = _fetch(feed)
    assert status == 200 and kind.startswith("text/calendar"), (status, kind)
    assert body.startswith("BEGIN:VCALENDAR") and body.count("BEGIN:VEVENT") == 1
    assert "Informational interview: " in body and "Video call link to follow" in body
    page.get_by_role("button", name="Turn off my calendar address").click()
    wait_idle(page)
    expect(page.get_by_text("Calendar address turned off")).to_be_visible(timeout=WAIT)
    status, kind, body = _fetch(feed)
    assert (status, body) == (404, "No calendar at this address.")
