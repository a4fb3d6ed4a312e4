"""In the browser: a deactivated student's open tab is told once, signed out, and stays quiet.

Its own module: the test stops its portal at the end to count, in the database file, what the
tab wrote while it stayed open.
"""

from __future__ import annotations

import re
import time

from core.store.db import Database
from tests.browser.conftest import sign_in, wait_idle
from tests.browser.session_helpers import INACTIVE, as_admin, auth_cookies, nav_click

STUDENT = "student21"
OPEN_FOR_SECONDS = 30


def test_a_deactivated_students_open_tab_is_told_once_and_writes_at_most_one_event(portal, page, browser):
    sign_in(page, portal.url, STUDENT)
    page.get_by_text("Signed in as").wait_for()

    # The career office deactivates the account (Accounts page, through core) while the tab stays open.
    as_admin(browser, portal.url, STUDENT, "Deactivate", re.compile(rf"{STUDENT} is deactivated"))

    nav_click(page, "Targets")
    page.get_by_text(INACTIVE).wait_for()
    page.get_by_label("Username").wait_for()

    # The tab stays open: the waiting is the scenario. Each look finds it idle, signed out, the message shown once.
    deadline = time.monotonic() + OPEN_FOR_SECONDS
    looks = 0
    while time.monotonic() < deadline:
        wait_idle(page, settle_ms=2_000)
        assert page.get_by_text(INACTIVE).count() == 1
        assert page.get_by_text("Signed in as").count() == 0
        assert page.get_by_label("Username").is_visible()
        looks += 1
    assert looks >= 5
    assert not auth_cookies(page), "the re-login cookie is deleted"

    portal.process.terminate()
    portal.process.wait(timeout=30)
    with Database(portal.db_path).cursor() as cur:
        (user_id,) = cur.execute("SELECT id FROM users WHERE username = ?", [STUDENT]).fetchone()
        (deactivated,) = cur.execute("""SELECT max(id) FROM events WHERE entity_type = 'user' AND entity_id = ?
                                        AND action = 'deactivated'""", [user_id]).fetchone()
        (events,) = cur.execute("SELECT count(*) FROM events WHERE id > ?", [deactivated]).fetchone()
        (attempts,) = cur.execute("SELECT count(*) FROM login_attempts WHERE id > ? AND username = ?",
                                  [deactivated, STUDENT]).fetchone()
    assert events <= 1, f"{events} events written while the deactivated tab stayed open"
    assert attempts == 0, f"{attempts} sign-in attempts written while the deactivated tab stayed open"
