"""Saved work a student can trust, in a real browser (issue 8): two tabs on one research record, a
double click on each create button of Targets and Research, a LinkedIn name holding a URL, and one
history entry per page opened."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import main_text, open_page, sign_in, wait_idle

WAIT = 20_000


def _go(page, title: str) -> None:
    """Open a page from the sidebar (again, if a rerun swallowed the click) and wait for its title."""
    open_page(page, title, title)
    wait_idle(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text(title, timeout=WAIT)


def _double_click(page, locator) -> None:
    """Two real mouse clicks about 250 ms apart on the same spot, as an impatient person makes them."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)
    page.wait_for_timeout(250)  # the gap between the two clicks is the scenario, not a wait for the app
    page.mouse.click(x, y)
    wait_idle(page)


def test_research_saved_in_a_stale_tab_is_refused_and_the_first_tabs_text_is_intact(portal, page, browser):
    sign_in(page, portal.url, "student07")
    _go(page, "Research")
    other_context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        tab_b = other_context.new_page()
        tab_b.set_default_timeout(45_000)
        sign_in(tab_b, portal.url, "student07")
        _go(tab_b, "Research")
        # Tab A saves person and organization.
        page.get_by_role("textbox", name="About the person").fill("A: leads the flu surveillance team")
        page.get_by_role("textbox", name="About the organization").fill("A: the county's public health agency")
        page.get_by_role("button", name="Save notes").click()
        wait_idle(page)
        expect(page.get_by_text("changed since you opened it")).to_have_count(0)
        # Tab B, opened before A saved, saves person only: refused, B's text kept.
        tab_b.get_by_role("textbox", name="About the person").fill("B: an epidemiologist for eight years")
        tab_b.get_by_role("button", name="Save notes").click()
        wait_idle(tab_b)
        expect(tab_b.get_by_text(re.compile("changed since you opened it"))).to_be_visible(timeout=WAIT)
        expect(tab_b.get_by_role("textbox", name="About the person")).to_have_value(
            "B: an epidemiologist for eight years")
        expect(tab_b.get_by_text("A: the county's public health agency")).to_be_visible()
    finally:
        other_context.close()
    # What is stored: a fresh page reads the database; A's organization is intact.
    page.reload()
    wait_idle(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Research", timeout=WAIT)
    expect(page.get_by_role("textbox", name="About the organization")).to_have_value(
        "A: the county's public health agency", timeout=WAIT)
    expect(page.get_by_role("textbox", name="About the person")).to_have_value("A: leads the flu surveillance team")


def test_double_clicks_on_add_target_and_add_my_question_create_one_record_each(portal, page):
    sign_in(page, portal.url, "student01")  # the demo's student without targets
    _go(page, "Targets")
    page.get_by_role("tab", name="Add a target").click()
    page.get_by_label("First name").fill("Ana")
    page.get_by_label("Last name").fill("Lee")
    page.get_by_label("Organization").fill("County Health Department")
    _double_click(page, page.get_by_role("button", name="Add target"))
    expect(page.get_by_text("Added Ana Lee")).to_be_visible(timeout=WAIT)
    # The form is empty again, and the list holds one person.
    expect(page.get_by_label("First name")).to_have_value("")
    page.get_by_role("tab", name="Your targets").click()
    expect(page.get_by_text("1 target(s).")).to_be_visible(timeout=WAIT)

    _go(page, "Research")
    page.get_by_label("Your own question").fill("What would you do differently if you started today?")
    _double_click(page, page.get_by_role("button", name="Add my question"))
    expect(page.get_by_text("1. What would you do differently if you started today?")).to_be_visible(timeout=WAIT)
    expect(page.get_by_text(re.compile(r"^2\. "))).to_have_count(0)
    expect(page.get_by_text("already in the plan")).to_have_count(0)
    # The same with a question chosen from the bank.
    page.get_by_label("Questions", exact=True).click()
    page.get_by_role("option", name="Which part of the work do you enjoy most?").click()
    page.keyboard.press("Escape")
    wait_idle(page)
    _double_click(page, page.get_by_role("button", name="Add chosen questions"))
    expect(page.get_by_text("2. Which part of the work do you enjoy most?")).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("already in the plan")).to_have_count(0)
    # Read again from the database: one of each.
    page.reload()
    wait_idle(page)
    expect(page.get_by_text("1. What would you do differently if you started today?")).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("2. Which part of the work do you enjoy most?")).to_be_visible(timeout=WAIT)
    expect(page.get_by_text(re.compile(r"^3\. "))).to_have_count(0)


def test_a_linkedin_name_holding_a_url_is_inert_text(portal, page):
    sign_in(page, portal.url, "student12")
    _go(page, "Targets")
    page.get_by_role("tab", name="Import from LinkedIn").click()
    csv = ("Notes:\n\"Some email addresses may be missing.\"\n\n"
           "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
           '"See http://evil.example",Zed,,,https://evil.example/org,Boss,12 Mar 2024\n')
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        files=[{"name": "Connections.csv", "mimeType": "text/csv", "buffer": csv.encode()}])
    wait_idle(page)
    page.get_by_role("button", name="Import 1 people").click()
    wait_idle(page)
    expect(page.get_by_text("Imported 1")).to_be_visible(timeout=WAIT)
    # Open the person: search narrows the table to them, then their row is chosen.
    page.get_by_role("tab", name="Your targets").click()
    page.get_by_role("textbox", name="Search your targets").fill("evil")
    page.get_by_role("textbox", name="Search your targets").press("Enter")
    wait_idle(page)
    expect(page.get_by_text("1 target(s).")).to_be_visible(timeout=WAIT)
    grid = page.get_by_test_id("stDataFrame").first
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 15, box["y"] + 35 + 17)  # the row marker of the first row
    wait_idle(page)
    panel = page.locator(".st-key-student_targets_selected_panel")
    expect(panel).to_be_visible(timeout=WAIT)
    # The name reads as typed (an invisible joiner may sit inside the address); nothing links to it. (A name
    # that starts like a formula is refused by the rule for people's names: tests/core/test_bad_uploads.py.)
    expect(panel.get_by_role("heading", level=3)).to_have_text(re.compile(r"See http.*evil.* Zed"))
    expect(panel.get_by_role("textbox", name="First name")).to_have_value("See http://evil.example")
    assert page.locator("[data-testid='stMain'] a[href*='evil']").count() == 0
    assert "https://evil.example/org" in main_text(page)
    # The same name elsewhere: Research's picker and Home.
    _go(page, "Research")
    assert page.locator("[data-testid='stMain'] a[href*='evil']").count() == 0


def test_back_after_home_targets_meetings_lands_on_targets_once(portal, page):
    sign_in(page, portal.url, "student07")
    _go(page, "Targets")
    targets_url = page.evaluate("location.href")
    _go(page, "Meetings")
    meetings_url = page.evaluate("location.href")
    assert "student_meetings" in meetings_url and targets_url != meetings_url
    page.go_back()
    wait_idle(page)
    assert "student_targets" in page.evaluate("location.href"), page.evaluate("location.href")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Targets", timeout=WAIT)
    page.go_back()
    wait_idle(page)
    assert "student_targets" not in page.evaluate("location.href"), page.evaluate("location.href")
