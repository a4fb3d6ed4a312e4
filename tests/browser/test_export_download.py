"""In the browser: each export is one click that saves the file the command line would write (same name,
same bytes: byte-order mark, formula guard), sent from disk by the portal's download route; a used link
gives nothing a second time and says why."""

from __future__ import annotations

import shutil

import pytest

from core.clock import utcnow
from core.identity.accounts import load_actor, user_id_for_username
from core.oversight.export import KINDS, export_bytes, file_name
from core.store.db import Database
from tests.browser.conftest import sign_in, wait_idle
from tests.browser.session_helpers import new_page

COHORT = "Health & Science Explorers, Fall 2026"
LABELS = {"progress": "Cohort progress (one row per student)", "pipeline": "Pipeline (one row per contact)",
          "activity": "Activity log (one row per event)"}


@pytest.fixture(scope="module")
def pristine(demo_file, tmp_path_factory):
    """A second copy of the demo database as the portal started from it (the portal's own copy is
    locked by the portal process): what the command line would export."""
    path = tmp_path_factory.mktemp("pristine") / "demo.duckdb"
    shutil.copy(demo_file, path)
    db = Database(path)
    yield db
    db.close()


def _expected(db: Database, kind: str, moments) -> tuple[set[str], set[bytes]]:
    """The file names and contents the command line gives at each moment (the portal made the file
    between them; progress and pipeline hold figures 'at export time')."""
    actor = load_actor(db, user_id_for_username(db, "counselor.rivera"))
    with db.cursor() as cur:
        cohort_id = cur.execute("SELECT id FROM cohorts WHERE name = ?", [COHORT]).fetchone()[0]
    names = {file_name(kind, COHORT, now=m) for m in moments}
    contents = {export_bytes(db, actor, kind, cohort_id=cohort_id, now=m) for m in moments}
    return names, contents


def test_each_export_is_one_click_and_the_file_the_command_line_writes(portal, page, pristine):
    sign_in(page, portal.url, "counselor.rivera")
    page.get_by_role("heading", name="Cohort dashboard").wait_for()
    page.get_by_role("tab", name="Export CSV").click()
    wait_idle(page)
    for kind in KINDS:
        link = page.get_by_role("link", name=LABELS[kind])
        before = utcnow()
        with page.expect_download() as info:
            link.click()  # opens the link in a new tab, which the browser turns into the saved file
        download = info.value
        data = download.path().read_bytes()
        names, contents = _expected(pristine, kind, (before, utcnow()))
        assert download.suggested_filename in names
        assert data.startswith(b"\xef\xbb\xbf")
        assert data in contents, kind
        wait_idle(page)
    assert len(page.context.pages) == 1  # the tabs the downloads opened closed themselves


def test_a_used_link_gives_nothing_again_and_says_why(portal, page):
    sign_in(page, portal.url, "counselor.rivera")
    page.get_by_role("heading", name="Cohort dashboard").wait_for()
    page.get_by_role("tab", name="Export CSV").click()
    wait_idle(page)
    link = page.get_by_role("link", name=LABELS["progress"])
    used = link.get_attribute("href")
    with page.expect_download():
        link.click()
    wait_idle(page)
    assert link.get_attribute("href") != used  # the button holds a fresh link for the next click

    again = page.context.new_page()
    response = again.goto(portal.url + used)
    assert response.status == 410
    assert "This download link was already used: each link works once." in again.inner_text("body")
    again.close()


def test_a_link_opened_in_another_browser_gives_nothing_and_still_works_where_it_was_drawn(portal, page, browser):
    sign_in(page, portal.url, "counselor.rivera")
    page.get_by_role("heading", name="Cohort dashboard").wait_for()
    page.get_by_role("tab", name="Export CSV").click()
    wait_idle(page)
    link = page.get_by_role("link", name=LABELS["progress"])
    drawn = link.get_attribute("href")

    stranger = new_page(browser)  # no cookies: someone the address was passed to
    signed_in_elsewhere = new_page(browser)  # another person's browser, signed in
    try:
        sign_in(signed_in_elsewhere, portal.url, "student07")
        for other in (stranger, signed_in_elsewhere):
            response = other.goto(portal.url + drawn)
            assert response.status == 403
            body = other.inner_text("body")
            assert body.startswith("Nothing was downloaded: this download link works only in the browser")
    finally:
        stranger.context.close()
        signed_in_elsewhere.context.close()

    assert link.get_attribute("href") == drawn  # the same link, not used up: her own click gets the file
    with page.expect_download() as info:
        link.click()
    assert info.value.path().read_bytes().startswith(b"\xef\xbb\xbf")
