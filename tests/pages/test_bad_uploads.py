"""The roster page and the targets page's LinkedIn import fed the corpus of bad files (tests/upload_corpus.py): each
gets the portal's own clear message, with no exception and nothing written, and hostile cells are shown as inert
text."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.store.db import open_database, scalar
from tests.apptest_utils import demo_user_id, sign_in_state
from tests.upload_corpus import HOSTILE, LINKEDIN_CORPUS, LINKEDIN_HEADER, ROSTER_CORPUS, ROSTER_HEADER, _q

ROOT = Path(__file__).resolve().parents[2]


def _counts(path: Path) -> tuple[int, ...]:
    db = open_database(path)
    try:
        with db.cursor() as cur:
            return tuple(scalar(cur, f"SELECT count(*) FROM {t}")
                         for t in ("users", "cohort_members", "contacts", "events"))
    finally:
        db.close()


def _shown(at: AppTest) -> str:
    return " ".join(str(e.value) for e in [*at.error, *at.warning, *at.info]).replace("\\", "")


# ---------------------------------------------------------------- pages


def _page(path: Path, page: str, username: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=120)
    return sign_in_state(at, demo_user_id(path, username)).run()


@pytest.mark.parametrize("case", list(ROSTER_CORPUS))
def test_roster_page_explains_each_bad_file_and_writes_nothing(portal_env, case):
    content, message = ROSTER_CORPUS[case]
    before = _counts(portal_env)
    at = _page(portal_env, "admin_roster", "admin")
    at.file_uploader(key="admin_roster_file").set_value(("roster.csv", content, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert message in _shown(at)
    assert not [b for b in at.button if b.key == "admin_roster_confirm"]
    assert _counts(portal_env) == before


@pytest.mark.parametrize("case", list(LINKEDIN_CORPUS))
def test_linkedin_page_explains_each_bad_file_and_writes_nothing(portal_env, case):
    content, message = LINKEDIN_CORPUS[case]
    before = _counts(portal_env)
    at = _page(portal_env, "student_targets", "student01")
    at.file_uploader(key="student_targets_linkedin_file").set_value(("Connections.csv", content, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert message in _shown(at)
    assert not [b for b in at.button if b.key == "student_targets_linkedin_go"]
    assert _counts(portal_env) == before


def test_roster_page_shows_formula_and_html_cells_as_text_and_writes_nothing_before_confirm(portal_env):
    lines = "".join(f"{_q(value)},Lopez,hostile{i}@example.edu,\"Health & Science Explorers, Fall 2026\",\n"
                    for i, value in enumerate(HOSTILE))
    before = _counts(portal_env)
    at = _page(portal_env, "admin_roster", "admin")
    at.file_uploader(key="admin_roster_file").set_value(("roster.csv", (ROSTER_HEADER + lines).encode(),
                                                         "text/csv")).run()
    assert not at.exception
    assert not at.get("html")
    assert all("<script>" not in str(m.value) for m in at.markdown)
    assert _counts(portal_env) == before


def test_linkedin_page_shows_formula_and_html_cells_as_text_and_writes_nothing_before_confirm(portal_env):
    lines = "".join(f"{_q(value)},Lee{i},,,{_q(value)},Analyst,12 Mar 2024\n" for i, value in enumerate(HOSTILE))
    before = _counts(portal_env)
    at = _page(portal_env, "student_targets", "student01")
    at.file_uploader(key="student_targets_linkedin_file").set_value(
        ("Connections.csv", (LINKEDIN_HEADER + lines).encode(), "text/csv")).run()
    assert not at.exception
    # Names a spreadsheet would run are refused by the one rule for people's names; the rest are shown as text.
    taken = [v for v in HOSTILE if not v.startswith(("=", "+", "-", "@"))]
    assert f"{len(taken)} new" in " ".join(str(m.value) for m in at.markdown)
    assert not at.get("html")
    assert all("<script>" not in str(m.value) for m in at.markdown)
    assert _counts(portal_env) == before
