"""Saved pipeline work a student can trust, in a real browser: a double click on each create button of
the pipeline (outreach, meetings, referrals, thank-you, reflection, keep in touch, where I landed) makes one
record and no error box, and a meeting log or reflection saved in a stale tab is refused with the first tab's
text kept."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import choose, sign_in, wait_idle
from tests.browser.test_meetings_page import set_date, yesterday_in_the_portals_zone
from tests.browser.test_targets_and_research import WAIT, _double_click, _go


def _no_error_box(page) -> None:
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)


def _reload(page, title: str) -> None:
    page.reload()
    wait_idle(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text(title, timeout=WAIT)


def test_double_clicks_on_each_pipeline_create_button_make_one_record_each(portal, page):
    sign_in(page, portal.url, "student01")  # the demo's student without targets
    _go(page, "Targets")
    page.get_by_role("tab", name="Add a target").click()
    page.get_by_label("First name").fill("Mia")
    page.get_by_label("Last name").fill("Park")
    page.get_by_label("Organization").fill("Harbor Lab")
    page.get_by_role("button", name="Add target").click()
    wait_idle(page)
    expect(page.get_by_text("Added Mia Park")).to_be_visible(timeout=WAIT)

    # Outreach: save the draft, mark it sent, each by a double click.
    _go(page, "Outreach")
    _double_click(page, page.get_by_role("button", name="Save draft"))
    _no_error_box(page)
    _reload(page, "Outreach")
    expect(page.get_by_text(re.compile(r"^Request · Email · draft$"))).to_have_count(1, timeout=WAIT)
    _double_click(page, page.get_by_role("button", name="Mark sent"))
    _no_error_box(page)
    _reload(page, "Outreach")
    expect(page.get_by_text(re.compile(r"^Request · Email · sent"))).to_have_count(1, timeout=WAIT)
    expect(page.get_by_text(re.compile(r"· draft$"))).to_have_count(0)
    # The sent request stays open until its reply is recorded.
    choose(page, "Their reply", "Accepted")
    wait_idle(page)
    page.get_by_role("button", name="Record reply").click()
    wait_idle(page)
    expect(page.get_by_text("Outreach sent · accepted")).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("They said yes. Next: schedule the meeting.")).to_be_visible()

    # Meetings: schedule (tomorrow by default), then log it, add a referral.
    _go(page, "Meetings")
    _double_click(page, page.get_by_role("button", name="Schedule"))
    _no_error_box(page)
    _reload(page, "Meetings")
    expect(page.get_by_text(re.compile(r"· scheduled$"))).to_have_count(1, timeout=WAIT)
    page.get_by_test_id("stSidebarNav").get_by_text("Home", exact=True).click()
    wait_idle(page)
    expect(page.get_by_text("Prepare for your meeting")).to_have_count(1, timeout=WAIT)
    _go(page, "Meetings")
    # It was held a day before the planned time: moved to yesterday (the portal asks first), its log opens.
    page.get_by_text("Change the time or place").click()
    set_date(page, "New date", yesterday_in_the_portals_zone())
    page.get_by_role("button", name="Move the meeting").click()
    wait_idle(page)
    expect(page.get_by_text(re.compile(r"is in the past\.")).first).to_be_visible(timeout=WAIT)
    page.get_by_text("Yes, move it to that time").click()
    page.get_by_role("button", name="Move the meeting").click()
    wait_idle(page)
    expect(page.get_by_text(re.compile("^Meeting moved"))).to_be_visible(timeout=WAIT)
    page.get_by_label("Insights").fill("Fieldwork matters more than the title.")
    _double_click(page, page.get_by_role("button", name="Save the log"))
    _no_error_box(page)
    expect(page.get_by_text(re.compile(r"· held$"))).to_have_count(1, timeout=WAIT)
    page.get_by_text(re.compile(r"· held$")).click()  # a held meeting's section starts folded
    page.get_by_label("Referral 1: first name").fill("Noor")
    page.get_by_label("Referral 1: last name").fill("Zed")  # sorts after Mia Park, who stays the page's contact
    page.get_by_label("Referral 1: organization").fill("Tide Institute")
    _double_click(page, page.get_by_role("button", name="Add referral"))
    _no_error_box(page)
    expect(page.get_by_label("Referral 2: first name")).to_have_value("", timeout=WAIT)  # the form is new and empty
    _reload(page, "Meetings")
    expect(page.get_by_text(re.compile(r"· held$"))).to_have_count(1, timeout=WAIT)
    page.get_by_text(re.compile(r"· held$")).click()
    expect(page.get_by_text(re.compile(r"^Noor Zed"))).to_have_count(1, timeout=WAIT)

    # Thank-you: save the draft, then save and send it.
    _go(page, "Thank-yous")
    box = page.get_by_role("textbox", name=re.compile("Your thank-you"))
    box.fill("Dear Mia, thank you for the tour of the harbor lab.")
    _double_click(page, page.get_by_role("button", name="Save draft"))
    _no_error_box(page)
    _reload(page, "Thank-yous")
    expect(page.get_by_role("textbox", name=re.compile("Your thank-you"))).to_have_value(
        "Dear Mia, thank you for the tour of the harbor lab.", timeout=WAIT)
    _double_click(page, page.get_by_role("button", name="Mark sent"))
    _no_error_box(page)
    _reload(page, "Thank-yous")
    expect(page.get_by_text(re.compile(r"^Sent \d"))).to_have_count(1, timeout=WAIT)

    # Reflection.
    _go(page, "Reflection")
    page.get_by_role("textbox").first.fill("Energised: the field work suits me.")
    _double_click(page, page.get_by_role("button", name="Save reflection"))
    _no_error_box(page)
    expect(page.get_by_text(re.compile("^Your counselor can read it"))).to_be_visible(timeout=WAIT)
    # The picker knows at once.
    expect(page.get_by_text("not yet reflected")).to_have_count(0)

    # Keep in touch: one entry however fast the clicks.
    _go(page, "Keep in touch")
    page.get_by_role("textbox", name="Message").first.fill("I read the report you mentioned.")
    _double_click(page, page.get_by_role("button", name="Save", exact=True))
    _no_error_box(page)
    _reload(page, "Keep in touch")
    expect(page.get_by_text(re.compile(r"News · sent \d"))).to_have_count(1, timeout=WAIT)

    # Where I landed: one outcome however fast the clicks.
    page.get_by_role("tab", name="Where I landed").click()
    page.get_by_label("Organization").fill("Harbor Lab")
    _double_click(page, page.get_by_role("button", name="Record outcome"))
    _no_error_box(page)
    _reload(page, "Keep in touch")
    page.get_by_role("tab", name="Where I landed").click()
    expect(page.get_by_text("Internship · Harbor Lab", exact=True)).to_have_count(1, timeout=WAIT)


def test_a_reflection_saved_in_a_stale_tab_is_refused_and_the_first_tabs_text_is_intact(portal, page, browser):
    sign_in(page, portal.url, "student07")
    _go(page, "Reflection")
    other_context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        tab_b = other_context.new_page()
        tab_b.set_default_timeout(45_000)
        sign_in(tab_b, portal.url, "student07")
        _go(tab_b, "Reflection")
        page.get_by_role("textbox").first.fill("A: I could see myself there.")
        page.get_by_role("button", name="Save reflection").click()
        wait_idle(page)
        expect(page.get_by_text("Reflection saved.")).to_be_visible(timeout=WAIT)
        tab_b.get_by_role("textbox").first.fill("B: not for me after all.")
        tab_b.get_by_role("button", name="Save reflection").click()
        wait_idle(tab_b)
        expect(tab_b.get_by_text(re.compile("changed since you opened it"))).to_be_visible(timeout=WAIT)
        expect(tab_b.get_by_role("textbox").first).to_have_value("B: not for me after all.")
    finally:
        other_context.close()
    page.reload()
    wait_idle(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Reflection", timeout=WAIT)
    expect(page.get_by_role("textbox").first).to_have_value("A: I could see myself there.", timeout=WAIT)
