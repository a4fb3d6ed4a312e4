"""On a phone-sized screen (390 x 844) the first screen of each page shows what the person came for: the sidebar
closes once a page is chosen in it, the notifications bell shows without opening the sidebar, the Targets table
shows each person's Stage without scrolling sideways, and the counselor's dashboard opens on "Needs you this week".

The browser does not call itself a phone (a narrow window of any browser): Streamlit's own closing of the
sidebar, which reads the browser's name, does not apply, the portal's must.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import sign_in, wait_idle

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 390, 844
_SIDEBAR_CLOSED = """() => {
  const sidebar = document.querySelector('[data-testid="stSidebar"]');
  return !!sidebar && sidebar.getBoundingClientRect().right <= 0;
}"""


@pytest.fixture
def phone(browser, request):
    """A page in a fresh 390 x 844 browser context; a screenshot is kept when a test fails."""
    from tests.browser.conftest import ARTIFACTS

    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    page = context.new_page()
    page.set_default_timeout(45_000)
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"))
    context.close()


def _on_first_screen(box: dict | None) -> bool:
    return (box is not None and box["x"] >= 0 and box["y"] >= 0
            and box["x"] + box["width"] <= WIDTH and box["y"] + box["height"] <= HEIGHT)


def _bell_on_first_screen(page) -> None:
    bell = page.locator(".st-key-portal_bell").get_by_role("link", name=re.compile(r"^Notifications"))
    bell.first.wait_for()
    page.evaluate("window.scrollTo(0, 0)")
    assert _on_first_screen(bell.first.bounding_box()), "the bell shows without opening the sidebar"


def _choose_in_sidebar(page, title: str, heading: str) -> None:
    """Open the sidebar with its button, choose a page, and find the sidebar closed over the page it opened."""
    wait_idle(page)
    page.wait_for_function(_SIDEBAR_CLOSED)  # a narrow screen starts with it closed
    page.get_by_role("button", name="Expand sidebar").click()
    link = page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True)
    link.click()
    page.get_by_role("heading", name=heading).first.wait_for()
    wait_idle(page)
    try:
        page.wait_for_function(_SIDEBAR_CLOSED, timeout=10_000)
    except PlaywrightTimeout:
        raise AssertionError(f"the sidebar stayed open over {title} after choosing it") from None


def _header_span(page, grid, help_text: str) -> tuple[float, float] | None:
    """Where, across the screen, the table's header shows the column whose help is `help_text` (the grid
    draws on a canvas: hovering a header shows its help); None when no part of it is on the screen."""
    box = grid.bounding_box()
    tip = page.get_by_role("tooltip").filter(has_text=help_text)
    seen = []
    for x in range(int(box["x"]) + 4, WIDTH, 12):
        page.mouse.move(x, box["y"] + 17)
        try:
            tip.first.wait_for(timeout=600)
        except PlaywrightTimeout:
            if seen:
                break
            continue
        seen.append(x)
    return (seen[0], seen[-1]) if seen else None


def test_a_student_on_a_phone_sees_the_bell_the_page_and_each_persons_stage(portal, phone):
    sign_in(phone, portal.url, "student07")
    _bell_on_first_screen(phone)
    _choose_in_sidebar(phone, "Targets", "Targets")
    _bell_on_first_screen(phone)

    grid = phone.get_by_test_id("stDataFrame").first
    grid.scroll_into_view_if_needed()
    span = _header_span(phone, grid, "How far you are with this person")
    assert span is not None, "the Stage column shows on the screen without scrolling sideways"
    assert 0 <= span[0] and span[1] < WIDTH


def test_a_counselor_on_a_phone_opens_on_who_needs_them(portal, phone):
    sign_in(phone, portal.url, "counselor.rivera")
    _bell_on_first_screen(phone)
    _choose_in_sidebar(phone, "Settings and goals", "Settings and goals")
    _choose_in_sidebar(phone, "Cohort dashboard", "Cohort dashboard")
    _bell_on_first_screen(phone)
    needs = phone.get_by_text(re.compile(r"^Needs you this week"))
    needs.first.wait_for()
    assert _on_first_screen(needs.first.bounding_box()), "Needs you this week is on the first screen"
