"""In the browser: the admin's backup download says what it holds, delivers the file, and lands in the audit log."""

from __future__ import annotations

import re

from tests.browser.conftest import main_text, sign_in, wait_idle
from tests.browser.session_helpers import open_page


def test_backup_download_is_labelled_delivered_and_audited(portal, page):
    sign_in(page, portal.url, "admin")
    open_page(page, "Health and backups", "Health and backups")
    assert "private reflections" in main_text(page) and "password hash" in main_text(page)
    page.get_by_role("button", name="Back up now").click()
    page.get_by_text("Backed up").wait_for()
    wait_idle(page)
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the latest backup").click()  # sent from disk by the download route
    download = info.value
    assert download.suggested_filename.startswith("portal-") and download.suggested_filename.endswith(".duckdb")
    assert download.path().stat().st_size > 10_000
    open_page(page, "Audit log", "Audit log")
    # The log is a data grid drawn on canvas; its cells are in the page for screen readers.
    told = re.compile(r"^Morgan Ellis downloaded a backup of the whole portal \(\d+\.\d MB\)\.$")
    page.get_by_text(told).first.wait_for(state="attached")
