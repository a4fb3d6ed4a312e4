"""Every upload of the portal (the admin roster import, the student's LinkedIn Connections.csv import) fed
a corpus of bad files: each gets the portal's own clear message, through the core function and through
the page, with no exception and nothing written (rows and events counted before and after).

The corpus: empty and blank files, binaries (PNG, a zip/xlsx), text that is neither UTF-8 nor
Windows-1252 (UTF-16 without a BOM, random bytes), a 131,073-character cell, a header alone, the wrong
columns, 100,000 lines, a file over the size limit, and cells holding formulas, HTML or a lone surrogate.
"""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.admin import roster
from core.campaign import linkedin_import
from core.store.db import open_database, scalar
from core.errors import ImportProblem, PortalError, RosterError
from tests.apptest_utils import demo_user_id, sign_in_state

ROOT = Path(__file__).resolve().parents[1]
ROSTER_HEADER = "first_name,last_name,email,cohort,student_id\n"
LINKEDIN_HEADER = ('Notes:\n"When exporting your connection data, you may notice that some of the email addresses '
                   'are missing."\n\nFirst Name,Last Name,URL,Email Address,Company,Position,Connected On\n')


def _xlsx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook><sheets><sheet name='Roster'/></sheets></workbook>")
    return out.getvalue()


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8
RANDOM = random.Random(42).randbytes(8000)


def _common(header: str, good_line: str) -> dict[str, tuple[bytes, str]]:
    """Bad files shared by both uploads: (content, words the person must read)."""
    return {
        "empty": (b"", "The file is empty"),
        "blank lines": (b" \r\n\r\n\t\n", "The file is empty"),
        "png": (PNG, "not a"),
        "xlsx": (_xlsx(), "not a"),
        "utf-16 without bom": ((header + good_line).encode("utf-16-le"), "not a"),
        "utf-16 with bom": ((header + good_line).encode("utf-16"), "not a"),
        "random bytes": (RANDOM, "not a"),
        "nul inside": ((header + good_line).encode().replace(b",", b"\x00,", 1), "not a"),
    }


ROSTER_CORPUS = {
    **_common(ROSTER_HEADER, "Ana,Lopez,ana@example.edu,Health & Science Explorers,S1\n"),
    "huge cell": ((ROSTER_HEADER + "A" * 131_073 + ",Lopez,ana@example.edu,X,S1\n").encode(),
                  "Line 2 has a cell of more than 131,072 characters"),
    "huge quoted cell": ((ROSTER_HEADER + '"' + "A" * 131_073 + '",Lopez,ana@example.edu,X,S1\n').encode(),
                         "Line 2 has a cell of more than 131,072 characters"),
    "header only": (ROSTER_HEADER.encode(), "The file has a header but no students"),
    "wrong columns": (b"item,cost\nrent,900\n", "The file lacks the columns name (or first_name and last_name)"),
    "linkedin export": ((LINKEDIN_HEADER + "Ana,Lee,,,Acme,Analyst,12 Mar 2024\n").encode(),
                        "The file lacks the column"),
    "100,000 lines": ((ROSTER_HEADER + "".join(f"S{i},Lopez,s{i}@example.edu,X,N{i}\n" for i in range(100_000))
                       ).encode(), "more than 20,000 students"),
    "over 20 MB": ((ROSTER_HEADER + "Ana,Lopez,ana@example.edu,X,S1\n" + "\n" * (21 * 1024 * 1024)).encode(),
                   "larger than 20 MB"),
}

LINKEDIN_CORPUS = {
    **_common(LINKEDIN_HEADER, "Ana,Lee,https://www.linkedin.com/in/ana,,Acme,Analyst,12 Mar 2024\n"),
    "huge cell": ((LINKEDIN_HEADER + "A" * 131_073 + ",Lee,,,Acme,Analyst,12 Mar 2024\n").encode(),
                  "more than 10,000 characters"),
    "huge quoted cell": ((LINKEDIN_HEADER + '"' + "A" * 131_073 + '",Lee,,,Acme,Analyst,12 Mar 2024\n').encode(),
                         "more than 10,000 characters"),
    "header only": (LINKEDIN_HEADER.encode(), "has LinkedIn's header but no connections"),
    "wrong columns": (b"item,cost\nrent,900\n", "does not look like LinkedIn's Connections.csv"),
    "a roster": ((ROSTER_HEADER + "Ana,Lopez,ana@example.edu,X,S1\n").encode(),
                 "does not look like LinkedIn's Connections.csv"),
    "100,000 lines": ((LINKEDIN_HEADER + "".join(f"P{i},Lee,https://www.linkedin.com/in/p{i},,Acme,Analyst,"
                                                 "12 Mar 2024\n" for i in range(100_000))).encode(),
                      "more than 30,000 people"),
    "over 20 MB": ((LINKEDIN_HEADER + "Ana,Lee,,,Acme,Analyst,12 Mar 2024\n" + "\n" * (21 * 1024 * 1024)).encode(),
                   "larger than 20 MB"),
}

# Cells a spreadsheet would run or a browser would render: stored as the text they are, shown inert.
HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
           "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "**bold** [link](http://evil.example)"]


def _q(value: str) -> str:
    """A CSV cell, quoted the way a spreadsheet writes one."""
    return '"' + value.replace('"', '""') + '"'


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


def _counts_db(db) -> tuple[int, ...]:
    with db.cursor() as cur:
        return tuple(scalar(cur, f"SELECT count(*) FROM {t}") for t in ("users", "cohort_members", "contacts", "events"))


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
    assert f"{len(HOSTILE)} new" in " ".join(str(m.value) for m in at.markdown)
    assert not at.get("html")
    assert all("<script>" not in str(m.value) for m in at.markdown)
    assert _counts(portal_env) == before
