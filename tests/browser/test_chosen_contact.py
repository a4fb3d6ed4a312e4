"""In the browser: the person chosen on Targets is the one Research opens on, and the to-do list's link for
"Write to ..." opens Outreach on that person (the chosen contact follows the student from page to page)."""

from __future__ import annotations

from playwright.sync_api import expect

from core.campaign.contacts import list_contacts
from core.identity.accounts import user_id_for_username
from core.models import Actor, Role
from core.store.db import Database
from tests.browser.conftest import open_page, sign_in, wait_idle

WAIT = 20_000


def _people(demo_file, username: str) -> list[dict]:
    """The student's contacts in the order the pickers list them, with their stage."""
    db = Database(demo_file)  # the portal serves a copy; the original is free to read
    try:
        return list_contacts(db, Actor(user_id_for_username(db, username), Role.STUDENT))
    finally:
        db.close()


def _name(contact: dict) -> str:
    return f"{contact['first_name']} {contact['last_name']}"


def _picker(page):
    return page.get_by_role("combobox", name="Contact")


def test_the_person_chosen_on_targets_and_the_write_to_link_open_their_pages_on_them(portal, page, demo_file):
    people = _people(demo_file, "student12")  # the demo's stalled student: two researched, one said no
    chosen = people[-1]  # not the first of the list, where a page opens by default
    sign_in(page, portal.url, "student12")
    open_page(page, "Targets", "Targets")
    page.get_by_role("textbox", name="Search your targets").fill(chosen["last_name"])
    page.get_by_role("textbox", name="Search your targets").press("Enter")
    wait_idle(page)
    expect(page.get_by_text("1 target(s).")).to_be_visible(timeout=WAIT)
    grid = page.get_by_test_id("stDataFrame").first
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 15, box["y"] + 35 + 17)  # the row marker of the first row
    wait_idle(page)
    expect(page.locator(".st-key-student_targets_selected_panel").get_by_role("heading", level=3)).to_have_text(
        _name(chosen), timeout=WAIT)
    assert f"contact={chosen['id']}" in page.url, "a reload keeps the person"

    open_page(page, "Research", "Research")
    expect(_picker(page)).to_have_value(_name(chosen) + " · " + chosen["organization"], timeout=WAIT)

    # Home's "Write to ..." for a researched person other than the one chosen: its link opens Outreach on them.
    [write_to] = [c for c in people if c["stage"] == "research" and c["id"] != people[0]["id"]]
    open_page(page, "Home", "Hello, Lena")
    expect(page.get_by_text(f"Write to {_name(write_to)}")).to_be_visible(timeout=WAIT)
    page.get_by_role("link", name=f"Open Outreach for {_name(write_to)}").click()
    wait_idle(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Outreach", timeout=WAIT)
    expect(_picker(page)).to_have_value(_name(write_to) + " · " + write_to["organization"], timeout=WAIT)
    assert f"contact={write_to['id']}" in page.url
    # They are now the chosen one: Research opens on them too.
    open_page(page, "Research", "Research")
    expect(_picker(page)).to_have_value(_name(write_to) + " · " + write_to["organization"], timeout=WAIT)
