"""The pipeline and progress files written in slices of students are the single query's files, byte for byte.

On a small benchmark institution (bench/dataset.build: 240 students, about 3,600 contacts) with a slice
of 150 contacts, so each export takes dozens of slices; some students share their cohort, last name and
first name (only the student id orders them), and one has more contacts than a slice holds.
"""

from __future__ import annotations

from datetime import date

import pytest

from bench.dataset import BENCH_ADMIN, BENCH_COUNSELOR, NOW, build
from core.identity.accounts import load_actor, user_id_for_username
from core.oversight import export
from core.oversight.export import BOM, export_file
from core.store.db import Database


@pytest.fixture(scope="module")
def institution(tmp_path_factory) -> Database:
    path = tmp_path_factory.mktemp("slices") / "institution.duckdb"
    build(path, students=240, cohorts=4)
    db = Database(path)
    with db.cursor() as cur:
        # Twelve students of the first cohort named alike: the file orders them by id alone, across slices.
        cur.execute("""UPDATE users SET first_name = 'Zoë', last_name = 'Same'
                       WHERE id IN (SELECT student_id FROM cohort_members WHERE cohort_id =
                                    (SELECT min(cohort_id) FROM cohort_members) ORDER BY student_id LIMIT 12)""")
        # Two cohorts swapped in name order against their ids.
        cur.execute("UPDATE cohorts SET name = 'Aardvark ' || name WHERE id = (SELECT max(id) FROM cohorts)")
    yield db
    db.close()


def _both(db: Database, monkeypatch, actor, kind: str, **options) -> tuple[bytes, bytes, int]:
    """The export as one query and in slices of 150 contacts: both files, and how many slices."""
    budget = "SLICE_CONTACTS" if kind == "pipeline" else "PROGRESS_SLICE_CONTACTS"
    monkeypatch.setattr(export, budget, 1 << 62)
    whole = export_file(db, actor, kind, now=NOW, **options)
    monkeypatch.setattr(export, budget, 150)
    sliced = export_file(db, actor, kind, now=NOW, **options)
    try:
        assert len(whole.parts) == 1
        assert not any(p.read_bytes().startswith(b"cohort,") for p in sliced.parts[1:])  # one header, first
        return b"".join(whole.chunks()), b"".join(sliced.chunks()), len(sliced.parts)
    finally:
        whole.discard()
        sliced.discard()


def _cohort(db: Database, position: int) -> int:
    with db.cursor() as cur:
        return cur.execute("SELECT id FROM cohorts ORDER BY id").fetchall()[position][0]


@pytest.mark.parametrize("kind", ["pipeline", "progress"])
@pytest.mark.parametrize("options", [
    {},
    {"include_notes": True},
    {"since": date(2026, 2, 1), "until": date(2026, 3, 5)},
    {"cohort": 1, "since": date(2026, 1, 20), "include_notes": True},
], ids=["everything", "notes", "period", "cohort-period-notes"])
def test_slices_give_the_single_querys_file(institution, monkeypatch, kind, options):
    admin = load_actor(institution, user_id_for_username(institution, BENCH_ADMIN))
    options = dict(options)
    if "cohort" in options:
        options["cohort_id"] = _cohort(institution, options.pop("cohort"))
    if kind == "progress":
        options.pop("include_notes", None)
    whole, sliced, slices = _both(institution, monkeypatch, admin, kind, **options)
    assert slices > 5
    assert sliced == whole
    assert whole.startswith(BOM + b"cohort,student_id,student_number,")
    lines = whole.decode("utf-8-sig").count("\r\n")
    assert lines > 50  # not an empty file compared with another
    if kind == "pipeline" and not options:
        assert "Same,".encode() in whole and "Aardvark ".encode() in whole


def test_a_counselors_slices_hold_only_their_cohorts(institution, monkeypatch):
    counselor = load_actor(institution, user_id_for_username(institution, BENCH_COUNSELOR))
    whole, sliced, slices = _both(institution, monkeypatch, counselor, "pipeline")
    assert sliced == whole and slices > 5
    with institution.cursor() as cur:
        theirs = {n for (n,) in cur.execute("""SELECT co.name FROM cohort_counselors cc JOIN cohorts co
                                                ON co.id = cc.cohort_id JOIN users u ON u.id = cc.counselor_id
                                                WHERE u.username = ?""", [BENCH_COUNSELOR]).fetchall()}
    import csv
    import io
    rows = list(csv.DictReader(io.StringIO(whole.decode("utf-8-sig"))))
    assert rows and {r["cohort"] for r in rows} <= theirs


def test_a_student_with_more_contacts_than_a_slice_is_a_slice_of_their_own(institution, monkeypatch):
    admin = load_actor(institution, user_id_for_username(institution, BENCH_ADMIN))
    with institution.cursor() as cur:
        slices = [[student for student, _ in s] for s in export._member_slices(cur, admin, None, 3)]
        weights = dict(cur.execute("SELECT student_id, count(*) FROM contacts GROUP BY student_id").fetchall())
    assert sum(len(s) for s in slices) == len({i for s in slices for i in s}) == 240
    assert all(len(s) == 1 for s in slices if sum(weights.get(i, 1) for i in s) > 3)
    assert any(weights.get(s[0], 0) > 3 for s in slices)


def test_an_export_of_no_student_is_the_header_alone(world):
    from core.admin.cohorts import create_cohort
    from core.models import CohortCreate
    from tests.conftest import TERM

    empty = create_cohort(world.db, world.admin, CohortCreate(name="Nobody yet", **TERM), now=NOW).id
    for kind in ("pipeline", "progress"):
        made = export_file(world.db, world.admin, kind, cohort_id=empty, now=NOW)
        try:
            assert len(made.parts) == 1
            assert b"".join(made.chunks()).count(b"\r\n") == 1
        finally:
            made.discard()
