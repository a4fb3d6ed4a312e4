"""Who took student records out (core/admin/disclosures.py): every export, download and backup leaves a
record with who, when, from where, whose records, how many rows and why; the career office lists them
per student, and a student sees the files that held their records."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pandas as pd
import pytest

from core.admin import audit, disclosures
from core.admin.backup import download_backup
from core.errors import AccessDenied, ExportError
from core.identity.access import SYSTEM
from core.identity.accounts import set_active
from core.oversight import export
from core.store.db import rows
from tests.conftest import NOW, make_user
from tests.oversight_fixtures import Campaign


def _count(db, table: str) -> int:
    with db.cursor() as cur:
        return cur.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_a_portal_export_is_recorded_with_who_where_whose_rows_and_why(world):
    Campaign(world)
    made = export.export_file(world.db, world.counselor_x, "pipeline", cohort_id=world.cohort_x, name="p.csv",
                              address="203.0.113.7", purpose=disclosures.purpose_for(True, "  State board,\n review "),
                              now=NOW)
    rows_in_file = len(pd.read_csv(io.BytesIO(b"".join(made.chunks())), encoding="utf-8-sig"))
    made.discard()
    listed = disclosures.list_disclosures(world.db, world.admin)
    assert len(listed) == 1
    d = listed[0]
    assert (d["kind"], d["actor_id"], d["actor_role"], d["client_address"], d["file_name"], d["cohort"]) == (
        "pipeline", world.counselor_x.user_id, "counselor", "203.0.113.7", "p.csv", "Cohort X")
    assert (d["outside"], d["purpose"], d["row_count"]) == (True, "State board, review", rows_in_file)
    assert rows_in_file > 0
    # Whose records: the students of X with contacts in the file (bob and alice), never yara of cohort Y.
    whose = disclosures.get(world.db, world.admin, d["id"])["student_ids"]
    assert whose == sorted([world.alice.user_id, world.bob.user_id])
    assert d["students"] == 2


def test_the_rows_and_students_are_those_of_the_file_written(world):
    Campaign(world)
    for kind in export.KINDS:
        made = export.export_file(world.db, world.admin, kind, now=NOW)
        count, students = export.counted(made, export.columns_for(kind))
        made.discard()
        recorded = disclosures.list_disclosures(world.db, world.admin, kind=kind)[0]
        assert recorded["row_count"] == count
        assert disclosures.get(world.db, world.admin, recorded["id"])["student_ids"] == sorted(students)
    # the progress file has one row per membership: alice, bob, carl in X, yara in Y
    progress = disclosures.list_disclosures(world.db, world.admin, kind="progress")[0]
    assert (progress["row_count"], progress["students"]) == (4, 4)


def test_a_student_sees_the_files_that_held_her_records_and_the_career_office_lists_them_per_student(world):
    Campaign(world)
    export.export_file(world.db, world.counselor_y, "progress", address="198.51.100.2", now=NOW).discard()
    export.export_file(world.db, world.counselor_x, "activity", address="198.51.100.3",
                       purpose=disclosures.purpose_for(True, "Accreditation agency"), now=NOW + timedelta(hours=1)
                       ).discard()
    yara = disclosures.mine(world.db, world.yara)
    assert [(d["what"], d["actor"]) for d in yara] == [("cohort progress export", "Counselor Tester")]
    assert "client_address" not in yara[0]  # the address is the career office's to see
    alice = disclosures.mine(world.db, world.alice)
    assert [(d["what"], d["for_whom"]) for d in alice] == [
        ("activity log export", "Outside the institution: Accreditation agency")]
    per_student = disclosures.for_student(world.db, world.admin, world.alice.user_id)
    assert [(d["kind"], d["client_address"]) for d in per_student] == [("activity", "198.51.100.3")]
    for someone in (world.counselor_x, world.alice):
        with pytest.raises(AccessDenied):
            disclosures.for_student(world.db, someone, world.alice.user_id)
    with pytest.raises(AccessDenied):
        disclosures.mine(world.db, world.counselor_x)


def test_a_file_for_someone_outside_needs_a_purpose_and_a_long_one_is_refused():
    assert disclosures.purpose_for(False, "ignored") == disclosures.INSIDE
    for empty in (None, "", "   \n\x00 "):
        with pytest.raises(ExportError, match="needs a purpose"):
            disclosures.purpose_for(True, empty)
    with pytest.raises(ExportError, match="keep it within 500"):
        disclosures.purpose_for(True, "x" * 501)
    assert disclosures.purpose_for(True, "Board\x00 of\ud800 review").purpose == "Board of review"


def test_the_audit_log_tells_the_download_with_its_address(world):
    export.export_file(world.db, world.counselor_x, "progress", cohort_id=world.cohort_x, address="203.0.113.9",
                       purpose=disclosures.purpose_for(True, "Alumni office survey"), now=NOW).discard()
    logged = audit.list_events(world.db, world.admin, entity_type="disclosure")
    assert len(logged) == 1
    assert logged[0]["address"] == "203.0.113.9"
    assert logged[0]["sentence"] == ("Counselor Tester downloaded the cohort progress export of Cohort X "
                                     "(2 rows, 2 students) for someone outside the institution: "
                                     "Alumni office survey.")


def test_the_command_line_records_its_export_and_the_nightly_job_does_not(world, tmp_path, monkeypatch):
    # export_csv as the nightly job calls it: the files stay on the server, nothing is recorded.
    b"".join(export.export_csv(world.db, world.admin, "progress", now=NOW))
    assert _count(world.db, "disclosures") == 0
    b"".join(export.export_csv(world.db, world.admin, "progress", disclose=True, address=disclosures.COMMAND_LINE,
                               purpose=disclosures.purpose_for(True, "Auditor"), now=NOW))
    d = disclosures.list_disclosures(world.db, world.admin)[0]
    assert (d["actor"], d["client_address"], d["purpose"], d["row_count"]) == (
        "Admin Tester", "command line", "Auditor", 3)


def test_a_deactivated_account_records_nothing_and_gets_no_file(world):
    set_active(world.db, world.admin, world.counselor_x.user_id, False, now=NOW)
    with pytest.raises(AccessDenied):
        export.export_file(world.db, world.counselor_x, "progress", now=NOW)
    with pytest.raises(AccessDenied):
        disclosures.record(world.db, world.counselor_x, "comparison", rows=2, now=NOW)
    assert _count(world.db, "disclosures") == 0


def test_a_backup_download_counts_for_every_student_with_an_account_then(world, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "portal-backup.duckdb").write_bytes(b"backup bytes")
    download_backup(world.db, world.admin, folder / "portal-backup.duckdb", backups_dir=folder, address="192.0.2.1",
                    now=NOW + timedelta(days=1))
    later = make_user(world.db, "zoe", world.alice.role)  # created at NOW, before the backup
    with world.db.cursor() as cur:
        cur.execute("UPDATE users SET created_at = ? WHERE id = ?", [NOW + timedelta(days=2), later.user_id])
    assert [d["kind"] for d in disclosures.mine(world.db, world.yara)] == ["backup"]
    assert disclosures.mine(world.db, later) == []
    d = disclosures.for_student(world.db, world.admin, world.alice.user_id)[0]
    assert (d["whole_portal"], d["client_address"], d["row_count"]) == (True, "192.0.2.1", None)
    with world.db.cursor() as cur:
        detail = json.loads(rows(cur, "SELECT detail FROM events WHERE entity_type = 'disclosure'")[0]["detail"])
    assert detail["bytes"] == 12 and detail["kind"] == "backup"


def test_portal_export_on_the_command_line_is_recorded_and_asks_why_for_someone_outside(demo_copy, tmp_path):
    from core.store.db import Database

    out = tmp_path / "progress.csv"
    with pytest.raises(SystemExit, match="needs a purpose"):
        export.main(["progress", "--db", str(demo_copy), "--for-outside", "  ", "--out", str(out)])
    assert not out.exists()
    assert export.main(["progress", "--db", str(demo_copy), "--for-outside", "State auditor, FY2026",
                        "--out", str(out)]) == 0
    db = Database(demo_copy)
    try:
        (d,) = disclosures.list_disclosures(db, SYSTEM)
    finally:
        db.close()
    written = len(pd.read_csv(out, encoding="utf-8-sig"))
    assert (d["kind"], d["client_address"], d["purpose"], d["row_count"], d["students"]) == (
        "progress", "command line", "State auditor, FY2026", written, written)
