"""A student walks one contact through the whole pipeline in the browser, then checks home and the referral map."""

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.conftest import choose, open_page, sign_in, wait_idle
from tests.browser.test_meetings_page import set_date, yesterday_in_the_portals_zone

WAIT = 15_000  # ms: a rerun after a save can take a few seconds on a loaded machine

GOOD_REQUEST = """Dear Ana,

Professor Park suggested I contact you. I am a student exploring public health and would value your advice on how \
you got into epidemiology.

I am not looking for a job. Could you spare 20 minutes for a call in the next few weeks?

Best regards,
Amara"""


def _go(page, title: str, heading: str | None = None) -> None:
    open_page(page, title, heading or title)
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading or title, timeout=WAIT)


def test_student_walks_a_contact_through_the_pipeline(portal, page):
    # student01 is the demo's "no_targets" student: an empty campaign to start from.
    sign_in(page, portal.url, "student01")
    expect(page.get_by_text("List three to five people")).to_be_visible(timeout=WAIT)

    # Target
    _go(page, "Targets")
    page.get_by_role("tab", name="Add a target").click()
    page.get_by_label("First name").fill("Ana")
    page.get_by_label("Last name").fill("Lee")
    page.get_by_label("Organization").fill("County Health Department")
    page.get_by_label("Title").fill("Epidemiologist")
    page.get_by_role("button", name="Add target").click()
    wait_idle(page)
    expect(page.get_by_text("Added Ana Lee")).to_be_visible(timeout=WAIT)

    # Research: notes, one question from the bank and one of the student's own
    _go(page, "Research")
    page.get_by_role("textbox", name="About the person").fill(
        "Epidemiologist for eight years; leads the flu surveillance team.")
    page.get_by_role("button", name="Save notes").click()
    wait_idle(page)
    page.get_by_label("Questions", exact=True).click()
    page.get_by_role("option", name="Which part of the work do you enjoy most?").click()
    page.keyboard.press("Escape")
    wait_idle(page)
    page.get_by_role("button", name="Add chosen questions").click()
    wait_idle(page)
    page.get_by_label("Your own question").fill("What would you do differently if you started today?")
    page.get_by_role("button", name="Add my question").click()
    wait_idle(page)
    expect(page.get_by_text("1. Which part of the work do you enjoy most?")).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("2. What would you do differently if you started today?")).to_be_visible(timeout=WAIT)
    expect(page.get_by_text(re.compile(r"^3\. "))).to_have_count(0)

    # Outreach: draft, check, save, mark sent, record the reply
    _go(page, "Outreach")
    message = page.get_by_role("textbox", name="Message")
    message.fill(GOOD_REQUEST)
    message.press("Control+Enter")
    wait_idle(page)
    expect(page.get_by_text("Draft checker: 7 of 7 pieces of advice met")).to_be_visible(timeout=WAIT)
    page.get_by_role("button", name="Save draft").click()
    wait_idle(page)
    page.get_by_role("button", name="Mark sent").click()
    wait_idle(page)
    expect(page.get_by_text(re.compile(r"Request · Email · sent"))).to_be_visible(timeout=WAIT)
    choose(page, "Their reply", "Accepted")
    expect(page.get_by_role("combobox", name="Their reply")).to_have_value("Accepted")
    page.get_by_role("button", name="Record reply").click()
    wait_idle(page)
    expect(page.get_by_text(re.compile(r"Request · Email · sent .* · Accepted"))).to_be_visible(timeout=WAIT)

    # Meeting: scheduled at the time it was held (yesterday: the portal asks first), then logged with one referral
    _go(page, "Meetings")
    page.get_by_label("Place or link").fill("Café on Main Street")
    set_date(page, "Date", yesterday_in_the_portals_zone())
    page.get_by_role("button", name="Schedule").click()
    wait_idle(page)
    expect(page.get_by_text(re.compile(r"is in the past\."))).to_be_visible(timeout=WAIT)
    page.get_by_text("Yes, schedule it at that time").click()
    page.get_by_role("button", name="Schedule").click()
    wait_idle(page)
    expect(page.get_by_text("Meeting scheduled.")).to_be_visible(timeout=WAIT)
    with page.expect_download() as download:
        page.get_by_role("button", name="Add to calendar (.ics)").click()
    wait_idle(page)  # a download button reruns the script; fill the log once that run is over
    calendar = Path(download.value.path()).read_text()
    assert "BEGIN:VEVENT" in calendar and "TZID=America/New_York" in calendar and "Ana Lee" in calendar
    page.get_by_label("Insights").fill("Most of the work is explaining data to people who decide.")
    page.get_by_label("Advice", exact=True).fill("Take the summer course in biostatistics.")
    page.get_by_label("Referral 1: first name").fill("Noor")
    page.get_by_label("Referral 1: last name").fill("Singh")
    page.get_by_label("Referral 1: organization").fill("State Health Lab")
    page.get_by_text("May use Ana's name").first.click()
    page.get_by_role("button", name="Save the log").click()
    wait_idle(page)
    expect(page.get_by_text("Meeting logged; 1 referral(s) added to your targets.")).to_be_visible(timeout=WAIT)

    # Thank-you: drafted from the log, marked sent
    _go(page, "Thank-yous")
    expect(page.get_by_text(re.compile(r"hours left"))).to_be_visible(timeout=WAIT)
    expect(page.get_by_label(re.compile("Your thank-you"))).to_have_value(re.compile("biostatistics"), timeout=WAIT)
    page.get_by_role("button", name="Mark sent").first.click()
    wait_idle(page)
    expect(page.get_by_text(re.compile(r"Thank-you sent"))).to_be_visible(timeout=WAIT)

    # Reflection
    _go(page, "Reflection")
    page.get_by_label(re.compile("How do you feel about what you learned")).fill("Energised: closer to what I hoped.")
    page.get_by_role("button", name="Save reflection").click()
    wait_idle(page)
    expect(page.get_by_text("Reflection saved.")).to_be_visible(timeout=WAIT)

    # Home: the to-do list and goals reflect everything done
    _go(page, "Home", heading="Hello, Amara")
    expect(page.get_by_text("1 of 2 interviews held", exact=False)).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("1 of 2 thank-yous sent", exact=False)).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("2 of 6 targets", exact=False)).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("Send your thank-you")).to_have_count(0)
    expect(page.get_by_text("Reflect on your meeting")).to_have_count(0)

    # Referral map: Ana led to Noor
    _go(page, "Referral map")
    chart = page.get_by_test_id("stGraphVizChart").first  # the map; the stage legend is drawn after it
    expect(chart.locator("svg")).to_be_visible(timeout=WAIT)
    expect(chart.locator("svg")).to_contain_text("Ana Lee", timeout=WAIT)
    expect(chart.locator("svg")).to_contain_text("Noor Singh", timeout=WAIT)
    expect(page.get_by_text("1 referral(s)", exact=False)).to_be_visible(timeout=WAIT)
