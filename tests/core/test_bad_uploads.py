"""Every upload of the portal (the admin roster import, the student's LinkedIn Connections.csv import) fed the corpus
of bad files (tests/upload_corpus.py) through the core functions: each gets the portal's own clear message, with no
exception and nothing written (rows and events counted before and after)."""

from __future__ import annotations

import pytest

from core.admin import roster
from core.campaign import linkedin_import
from core.errors import ImportProblem, PortalError, RosterError
from core.store.db import scalar
from tests.upload_corpus import HOSTILE, LINKEDIN_CORPUS, LINKEDIN_HEADER, ROSTER_CORPUS, ROSTER_HEADER, _q


def _counts_db(db) -> tuple[int, ...]:
    with db.cursor() as cur:
        return tuple(scalar(cur, f"SELECT count(*) FROM {t}")
                     for t in ("users", "cohort_members", "contacts", "events"))


# ---------------------------------------------------------------- core


@pytest.mark.parametrize("case", list(ROSTER_CORPUS))
def test_roster_core_refuses_each_bad_file_in_words(world, case):
    content, message = ROSTER_CORPUS[case]
    before = _counts_db(world.db)
    with pytest.raises(RosterError) as caught:
        roster.preview(world.db, world.admin, content)
    assert message in str(caught.value)
    assert isinstance(caught.value, PortalError)
    assert _counts_db(world.db) == before


@pytest.mark.parametrize("case", list(LINKEDIN_CORPUS))
def test_linkedin_core_refuses_each_bad_file_in_words(world, case):
    content, message = LINKEDIN_CORPUS[case]
    before = _counts_db(world.db)
    with pytest.raises(ImportProblem) as caught:
        linkedin_import.parse_connections(content)
    assert message in str(caught.value)
    assert "Nothing was imported" in str(caught.value) or case in ("empty", "blank lines", "over 20 MB")
    assert _counts_db(world.db) == before


def test_roster_line_with_a_lone_surrogate_is_refused_not_stored(world):
    text = ROSTER_HEADER + "Ana\ud800,Lopez,ana@example.edu,Cohort X,S1\nBo,Chan,bo@example.edu,Cohort X,S2\n"
    plan = roster.preview(world.db, world.admin, text)
    assert [(x.action, x.why) for x in plan.lines][0] == (
        "reject", "holds characters that are not text (a broken copy and paste); retype the line")
    result = roster.apply(world.db, world.admin, plan, rounds=4)
    assert [x.email for x in result.created] == ["bo@example.edu"]


def test_surrogate_escaped_bytes_are_read_as_windows_1252_not_lost(world):
    content = (ROSTER_HEADER + "Ana,Lopez,ana@example.edu,Cohort X,S1\n").encode().replace(b"Ana", b"An\xed\xb3\xbf")
    plan = roster.preview(world.db, world.admin, content)
    assert plan.lines[0].first_name == "An\u00ed\u00b3\u00bf" and plan.lines[0].action == "create"


def test_formula_and_html_cells_are_kept_as_text_and_defused_in_the_passwords_file(world):
    lines = "".join(f"{_q(value)},Lopez,s{i}@example.edu,Cohort X,\n" for i, value in enumerate(HOSTILE))
    plan = roster.preview(world.db, world.admin, (ROSTER_HEADER + lines).encode())
    assert [x.first_name for x in plan.lines] == HOSTILE and plan.count("create") == len(HOSTILE)
    result = roster.apply(world.db, world.admin, plan, rounds=4)
    with world.db.cursor() as cur:
        stored = [r[0] for r in cur.execute("SELECT first_name FROM users WHERE email LIKE 's%@example.edu' "
                                            "ORDER BY email").fetchall()]
    assert stored == HOSTILE
    sheet = roster.passwords_csv(result.created).decode("utf-8-sig").splitlines()[1:]
    assert all(line[:1] not in "=+-@" for line in sheet)


def test_linkedin_formula_and_html_cells_are_kept_as_text(world):
    lines = "".join(f"{_q(value)},Lee{i},,,{_q(value)},Analyst,12 Mar 2024\n" for i, value in enumerate(HOSTILE))
    parsed = linkedin_import.parse_connections((LINKEDIN_HEADER + lines).encode())
    assert [c.first_name for c in parsed.connections] == HOSTILE
    assert [c.organization for c in parsed.connections] == HOSTILE
