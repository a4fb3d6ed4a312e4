"""Every URL parameter a person can edit, with values that name nothing: each page answers with its
own message, never a traceback, and writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.store.db import open_database, scalar
from tests.apptest_utils import demo_user_id, sign_in_state
from tests.pages.student_page_helpers import _page

ROOT = Path(__file__).resolve().parents[2]


BAD_IDS = ["²", "abc", "-1", "0", "1.5", "99999999999999999999999", "", "1 OR 1=1", "<script>"]


STUDENT_PAGES = ["student_home", "student_targets", "student_research", "student_outreach", "student_meetings",
                 "student_thank_you", "student_reflection", "student_keep_in_touch", "student_referral_map"]


COUNSELOR_PAGES = ["counselor_home", "counselor_student", "counselor_cohort"]


def _events(path: Path) -> int:
    db = open_database(path)
    try:
        with db.cursor() as cur:
            return scalar(cur, "SELECT count(*) FROM events")
    finally:
        db.close()


def _run(path: Path, page: str, username: str, params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=60)
    sign_in_state(at, demo_user_id(path, username))
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


@pytest.mark.parametrize("page", STUDENT_PAGES)
def test_student_pages_answer_a_contact_that_names_nothing(portal_env, page):
    before = _events(portal_env)
    for value in BAD_IDS:
        at = _run(portal_env, page, "student07", {"contact": value, "meeting": value})
        assert not at.exception, (page, value, [e.value for e in at.exception])
    assert _events(portal_env) == before


@pytest.mark.parametrize("page", COUNSELOR_PAGES)
def test_counselor_pages_answer_a_student_that_names_nothing(portal_env, page):
    before = _events(portal_env)
    for value in BAD_IDS:
        at = _run(portal_env, page, "counselor.rivera", {"student": value, "cohort": value, "flags": value, "q": value})
        assert not at.exception, (page, value, [e.value for e in at.exception])
        if page == "counselor_student" and value:
            shown = " ".join(str(e.value) for e in [*at.error, *at.warning, *at.info])
            assert "No such student" in shown, (value, shown)
    assert _events(portal_env) == before


# ---------------------------------------------------------------- bad addresses (item 4 of the brief)

@pytest.mark.parametrize("value", ["²", "abc", "99999999999999999999999", "-1", "0", "1.5", " ", "١٢"])
@pytest.mark.parametrize("page", ["student_targets", "student_research", "student_outreach", "student_meetings",
                                  "student_thank_you", "student_keep_in_touch"])
def test_a_contact_address_that_names_nothing_gets_a_message(portal_env, page, value):
    at = _page(portal_env, page, "student11", query={"contact": value})
    assert not at.exception, [e.value for e in at.exception]
    shown = [w.value for w in at.warning]
    if value.strip():
        assert any("names no contact" in w for w in shown), shown
    assert at.title and at.title[0].value
