"""A student downloads their records from Account; the career office copies or erases a student's records from
Student records (AppTest on the demo)."""

from __future__ import annotations

import io
import json
import zipfile

from streamlit.testing.v1 import AppTest

from core.store.db import open_database, scalar
from tests.apptest_utils import ROOT, demo_user_id, open_download, run_page, sign_in_state, texts


def _zip_behind(at: AppTest, label: str) -> zipfile.ZipFile:
    made = open_download(at, label)
    try:
        return zipfile.ZipFile(io.BytesIO(b"".join(made.chunks())))
    finally:
        made.discard()


def _student07(portal_env) -> tuple[int, str]:
    db = open_database(portal_env)
    with db.cursor() as cur:
        found = cur.execute("SELECT id, first_name || ' ' || last_name FROM users WHERE username = 'student07'"
                            ).fetchone()
    db.close()
    return found[0], found[1]


def test_a_student_downloads_all_their_data_from_account(portal_env):
    at = run_page("pages/account.py", portal_env, "student07")
    assert not at.exception, at.exception
    assert "Your data" in texts(at)
    archive = _zip_behind(at, "Download all my data (ZIP)")
    assert {"README.txt", "contacts.json", "contacts.csv", "reflections.json", "events.csv"} <= set(archive.namelist())
    student_id, _ = _student07(portal_env)
    assert json.loads(archive.read("users.json"))[0]["id"] == student_id
    assert all(c["student_id"] == student_id for c in json.loads(archive.read("contacts.json")))
    assert "Private reflections are included." in archive.read("README.txt").decode()


def test_staff_have_no_student_archive_on_account(portal_env):
    at = run_page("pages/account.py", portal_env, "counselor.rivera")
    assert not at.exception
    assert "Your data" not in texts(at)
    assert not [b for b in at.get("link_button") if "data" in b.proto.label]


def _records_page(portal_env, username: str = "admin") -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "admin_records.py"), default_timeout=60)
    sign_in_state(at, demo_user_id(portal_env, username))
    return at.run()


def _pick_student07(at: AppTest) -> str:
    at.text_input(key="admin_records_search").input("student07").run()
    [label] = at.selectbox(key="admin_records_pick").options
    return label


def test_the_career_office_copies_a_students_records_without_private_reflections(portal_env):
    at = _records_page(portal_env)
    assert not at.exception, at.exception
    assert at.title[0].value == "Student records"
    _pick_student07(at)
    student_id, name = _student07(portal_env)
    archive = _zip_behind(at, f"Download {name}'s records (ZIP)")
    assert all(not r["is_private"] for r in json.loads(archive.read("reflections.json")))
    assert "Private reflections are left out" in archive.read("README.txt").decode()
    db = open_database(portal_env)
    with db.cursor() as cur:
        assert scalar(cur, """SELECT count(*) FROM disclosures d JOIN disclosure_students s ON s.disclosure_id = d.id
                               WHERE d.kind = 'archive' AND s.student_id = ?""", [student_id]) == 1
    db.close()


def test_the_career_office_erases_a_student_after_typing_the_name(portal_env):
    at = _records_page(portal_env)
    _pick_student07(at)
    student_id, name = _student07(portal_env)
    at.text_input(key=f"admin_records_typed_{student_id}").input("student07")
    at.button[0].click().run()
    assert not at.exception
    assert f"type their full name exactly: {name}" in at.error[0].value
    assert at.text_input(key=f"admin_records_typed_{student_id}").value == "student07"  # what was typed stays
    db = open_database(portal_env)
    with db.cursor() as cur:
        assert scalar(cur, "SELECT count(*) FROM erasures") == 0
    db.close()

    at.text_input(key=f"admin_records_typed_{student_id}").input(name)
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert at.success[0].value.startswith(f"Erased {name}'s records on ")
    db = open_database(portal_env)
    with db.cursor() as cur:
        assert scalar(cur, "SELECT first_name || ' ' || last_name FROM users WHERE id = ?", [student_id]) == \
            "an erased student"
        assert scalar(cur, "SELECT count(*) FROM erasures WHERE student_id = ?", [student_id]) == 1
    db.close()
    # The erased student is no longer offered.
    at.text_input(key="admin_records_search").input("erased").run()
    assert "No student matches that search." in texts(at)


def test_student_records_is_refused_to_counselors_and_students(portal_env):
    for username, role in (("counselor.rivera", "counselor"), ("student07", "student")):
        at = _records_page(portal_env, username)
        assert [e.value for e in at.error] == [
            f"This page is for the career office (admins). You are signed in as a {role}."]
        assert not at.get("link_button") and not at.button
