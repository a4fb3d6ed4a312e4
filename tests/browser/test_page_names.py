"""In the browser: each page names itself in the browser's tab (the document title), so a person with several
tabs, or a screen reader announcing the page, knows where they are."""

from __future__ import annotations

from tests.browser.conftest import open_page, sign_in, wait_idle

SUFFIX = " · Informational Interview Portal"


def test_each_page_has_its_own_title_in_the_browser_tab(portal, page):
    sign_in(page, portal.url, "student07")
    page.get_by_role("heading", name="To do").wait_for()
    wait_idle(page)
    assert page.title() == "Home" + SUFFIX
    open_page(page, "Research", "Research")
    wait_idle(page)
    assert page.title() == "Research" + SUFFIX
    open_page(page, "Referral map", "Referral map")
    wait_idle(page)
    assert page.title() == "Referral map" + SUFFIX
