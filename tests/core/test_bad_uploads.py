"""Every upload of the portal (the admin roster import, the student's LinkedIn Connections.csv import) fed the corpus
of bad files (tests/upload_corpus.py) through the core functions: each gets the portal's own clear message, with no
exception and nothing written (rows and events counted before and after)."""

from __future__ import annotations

import pytest

from core.admin import roster
from core.campaign import linkedin_import
from core.errors import ImportProblem, PortalError, RosterError
from core.models import name_problem
from core.network import volunteers
from core.store.db import scalar
from tests.upload_corpus import (
    BAD_NAMES,
    HOSTILE,
    LINKEDIN_CORPUS,
    LINKEDIN_HEADER,
    ROSTER_CORPUS,
    ROSTER_HEADER,
    _q,
)

VOLUNTEER_HEADER = ("first_name,last_name,email,organization,title,occupation,topics,contact_preference,"
                    "capacity_per_term\n")


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
        "reject", "first name holds characters that are not text (often a broken copy and paste); retype that part")
    result = roster.apply(world.db, world.admin, plan, rounds=4)
    assert [x.email for x in result.created] == ["bo@example.edu"]


def test_surrogate_escaped_bytes_are_read_as_windows_1252_not_lost(world):
    content = (ROSTER_HEADER + "Ana,Lopez,ana@example.edu,Cohort X,S1\n").encode().replace(b"Ana", b"An\xed\xb3\xbf")
    plan = roster.preview(world.db, world.admin, content)
    assert plan.lines[0].first_name == "An\u00ed\u00b3\u00bf" and plan.lines[0].action == "create"


def test_html_names_are_kept_as_text_formula_names_refused_and_the_passwords_file_defused(world):
    lines = "".join(f"{_q(value)},Lopez,s{i}@example.edu,Cohort X,\n" for i, value in enumerate(HOSTILE))
    plan = roster.preview(world.db, world.admin, (ROSTER_HEADER + lines).encode())
    taken = [v for v in HOSTILE if not v.startswith(("=", "+", "-", "@"))]
    assert [x.first_name for x in plan.lines if x.action == "create"] == taken and len(taken) == 3
    result = roster.apply(world.db, world.admin, plan, rounds=4)
    with world.db.cursor() as cur:
        stored = [r[0] for r in cur.execute("SELECT first_name FROM users WHERE email LIKE 's%@example.edu' "
                                            "ORDER BY email").fetchall()]
    assert stored == taken
    sheet = roster.passwords_csv(result.created).decode("utf-8-sig").splitlines()[1:]
    assert all(line[:1] not in "=+-@" for line in sheet)


def test_linkedin_formula_and_html_cells_are_kept_as_text_but_formula_names_refused(world):
    lines = "".join(f"Ana{i},Lee{i},,,{_q(value)},Analyst,12 Mar 2024\n{_q(value)},Lee{i},,,Acme,Analyst,12 Mar 2024\n"
                    for i, value in enumerate(HOSTILE))
    parsed = linkedin_import.parse_connections((LINKEDIN_HEADER + lines).encode())
    assert [c.organization for c in parsed.connections if c.first_name.startswith("Ana")] == HOSTILE
    names = [c.first_name for c in parsed.connections if not c.first_name.startswith("Ana")]
    assert names == [v for v in HOSTILE if not v.startswith(("=", "+", "-", "@"))]
    assert len(parsed.rejected) == 4


# ---------------------------------------------------------------- one rule for people's names


@pytest.mark.parametrize("case", list(BAD_NAMES))
def test_roster_refuses_a_name_no_form_takes_and_keeps_the_other_lines(world, case):
    name = BAD_NAMES[case]
    text = (ROSTER_HEADER + f"{_q(name)},Lopez,ana@example.edu,Cohort X,S1\n"
            f"Bo,{_q(name)},bo@example.edu,Cohort X,S2\nCy,Chan,cy@example.edu,Cohort X,S3\n")
    plan = roster.preview(world.db, world.admin, text.encode())
    assert [x.action for x in plan.lines] == ["reject", "reject", "create"]
    assert plan.lines[0].why == f"first name {name_problem(name.strip())}"
    assert plan.lines[1].why == f"last name {name_problem(name.strip())}"
    result = roster.apply(world.db, world.admin, plan, rounds=4)
    assert [x.email for x in result.created] == ["cy@example.edu"]


@pytest.mark.parametrize("case", list(BAD_NAMES))
def test_volunteer_import_refuses_a_name_by_the_same_rule(world, case):
    name = BAD_NAMES[case]
    text = (VOLUNTEER_HEADER + f"{_q(name)},Lee,ana@example.org,Org,T,Occ,,email,2\n"
            f"Bo,{_q(name)},bo@example.org,Org,T,Occ,,email,2\nCy,Chan,cy@example.org,Org,T,Occ,,email,2\n")
    plan = volunteers.preview_import(world.db, world.admin, text.encode())
    assert [x.action for x in plan.lines] == ["reject", "reject", "create"]
    assert plan.lines[0].why == f"first name {name_problem(name.strip())}"
    assert plan.lines[1].why == f"last name {name_problem(name.strip())}"


@pytest.mark.parametrize("case", list(BAD_NAMES))
def test_linkedin_import_refuses_a_name_by_the_same_rule(world, case):
    name = BAD_NAMES[case]
    text = (LINKEDIN_HEADER + f"{_q(name)},Lee,,,Acme,Analyst,12 Mar 2024\n"
            f"Bo,{_q(name)},,,Acme,Analyst,12 Mar 2024\nCy,Chan,,,Acme,Analyst,12 Mar 2024\n")
    parsed = linkedin_import.parse_connections(text.encode())
    assert [c.full_name for c in parsed.connections] == ["Cy Chan"]
    assert [why for _, why in parsed.rejected] == [f"First name {name_problem(name.strip())}",
                                                   f"Last name {name_problem(name.strip())}"]


@pytest.mark.parametrize("ending", ["\r", "\r\n", "mixed"])
def test_roster_and_volunteer_files_read_with_any_line_ending(world, ending):
    def joined(lines: list[str]) -> bytes:
        ends = ["\r", "\n", "\r\n"] if ending == "mixed" else [ending]
        return "".join(line + ends[i % len(ends)] for i, line in enumerate(lines)).encode()

    plan = roster.preview(world.db, world.admin, joined([
        ROSTER_HEADER.strip(), "Ana,Lopez,ana@example.edu,Cohort X,S1", "Bo,Chan,bo@example.edu,Cohort X,S2",
        '"Cy","Ng",cy@example.edu,Cohort X,S3']))
    assert [(x.first_name, x.last_name, x.action) for x in plan.lines] == [
        ("Ana", "Lopez", "create"), ("Bo", "Chan", "create"), ("Cy", "Ng", "create")]
    found = volunteers.preview_import(world.db, world.admin, joined([
        VOLUNTEER_HEADER.strip(), "Dana,Okafor,dana@example.org,Org,T,Occ,,email,2",
        'Luis,Ferreira,luis@example.org,Org,T,Occ,"first jobs, career change",email,1',
        "Mei,Tanaka,mei@example.org,Org,T,Occ,,video,3"]))
    assert [(x.data.first_name, x.data.topics, x.action) for x in found.lines] == [
        ("Dana", "", "create"), ("Luis", "first jobs, career change", "create"), ("Mei", "", "create")]
