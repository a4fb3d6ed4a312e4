"""Who took student records out, as people see it: the audit log with addresses, its filters and its recorded CSV,
the career office's list per student, a student's own list on Account, and the one-time passwords' download."""

from __future__ import annotations

from datetime import timedelta

from core.admin import disclosures
from core.clock import utcnow
from core.identity.access import SYSTEM
from core.identity.accounts import load_actor, record_login_attempt, user_id_for_username
from core.oversight.export import export_file
from core.store.db import open_database
from tests.apptest_utils import open_download, run_page, texts

COHORT_A = "Health & Science Explorers, Fall 2026"


def _with_db(path, work):
    db = open_database(path)
    try:
        return work(db)
    finally:
        db.close()


def _one(path, sql: str, params: list):
    def work(db):
        with db.cursor() as cur:
            return cur.execute(sql, params).fetchone()[0]
    return _with_db(path, work)


_open_link = open_download


def _export_as(path, username: str, kind: str, **options) -> None:
    def work(db):
        actor = load_actor(db, user_id_for_username(db, username))
        export_file(db, actor, kind, **options).discard()
    _with_db(path, work)


def test_the_audit_log_shows_where_sign_ins_and_downloads_came_from_and_filters_by_kind(portal_env):
    _with_db(portal_env, lambda db: record_login_attempt(db, username="student12", address="203.0.113.40",
                                                         succeeded=True, now=utcnow() - timedelta(minutes=5)))
    _export_as(portal_env, "counselor.rivera", "progress", address="198.51.100.77",
               purpose=disclosures.purpose_for(True, "Dean's annual report"))
    at = run_page("pages/admin_audit.py", portal_env, "admin")
    kind = at.selectbox(key="admin_audit_kind")
    assert {"downloads of student records", "accounts and sign-ins"} <= set(kind.options)
    kind.set_value("user").run()
    frame = at.dataframe[0].value
    signed_in = frame[frame["What happened"] == "Lena Farouk signed in."]
    assert list(signed_in["From address"]) == ["203.0.113.40"]
    assert set(frame["What happened"]) >= {"Lena Farouk signed in."} and not any(
        "downloaded" in said for said in frame["What happened"])
    at.selectbox(key="admin_audit_kind").set_value("disclosure").run()
    frame = at.dataframe[0].value
    assert list(frame["From address"]) == ["198.51.100.77"]
    assert frame["What happened"][0].startswith("Dana Rivera downloaded the cohort progress export (")
    assert frame["What happened"][0].endswith("for someone outside the institution: Dean's annual report.")


def test_the_audit_csv_download_is_itself_recorded(portal_env):
    at = run_page("pages/admin_audit.py", portal_env, "admin")
    at.date_input(key="admin_audit_since").set_value(None)
    at.selectbox(key="admin_audit_action").set_value("joined_cohort").run()
    shown = len(at.dataframe[0].value)
    assert not _with_db(portal_env, lambda db: disclosures.list_disclosures(db, SYSTEM))
    made = _open_link(at, "Download these events (CSV)")
    lines = made.parts[0].read_bytes().decode("utf-8-sig").splitlines()
    made.discard()
    assert lines[0].startswith("occurred_at_utc,who,role,what_happened") and len(lines) == shown + 1
    (recorded,) = _with_db(portal_env, lambda db: disclosures.list_disclosures(db, SYSTEM))
    assert (recorded["kind"], recorded["row_count"], recorded["students"], recorded["outside"]) == (
        "audit", shown, shown, False)
    assert recorded["covers"].startswith("action: joined_cohort")


def test_the_career_office_lists_the_files_that_held_one_students_records(portal_env):
    _export_as(portal_env, "counselor.rivera", "pipeline", address="198.51.100.5")
    at = run_page("pages/admin_audit.py", portal_env, "admin")
    listed = at.dataframe[1].value
    assert list(listed["File"]) == ["pipeline export"] and list(listed["From address"]) == ["198.51.100.5"]
    students = at.selectbox(key="admin_audit_disclosures_student")
    lena = next(o for o in students.options if o.startswith("Lena Farouk (student,"))
    students.set_value(lena).run()
    assert list(at.dataframe[1].value["Who"]) == ["Dana Rivera"]
    # a student of the other cohort is not in Rivera's export
    business = _one(portal_env, """SELECT u.first_name || ' ' || u.last_name || ' (student, ' || u.username || ')'
                                   FROM users u JOIN cohort_members m ON m.student_id = u.id
                                   JOIN cohorts c ON c.id = m.cohort_id WHERE c.name <> ? ORDER BY u.username
                                   LIMIT 1""", [COHORT_A])
    at.selectbox(key="admin_audit_disclosures_student").set_value(business).run()
    assert "No file of student records was taken out for this student." in texts(at)


def test_a_student_sees_on_account_which_files_held_her_records(portal_env):
    _export_as(portal_env, "counselor.rivera", "progress", purpose=disclosures.purpose_for(True, "Grant report"))
    at = run_page("pages/account.py", portal_env, "student12")
    assert not at.exception
    assert "Who took your records out" in [s.value for s in at.subheader]
    (table,) = [d.value for d in at.dataframe]
    assert list(table["File"]) == ["cohort progress export"]
    assert list(table["Taken by"]) == ["Dana Rivera (counselor)"]
    assert list(table["For"]) == ["Outside the institution: Grant report"]
    assert "From address" not in table.columns
    elsewhere = _one(portal_env, """SELECT u.username FROM users u JOIN cohort_members m ON m.student_id = u.id
                                    JOIN cohorts c ON c.id = m.cohort_id WHERE c.name <> ? ORDER BY u.username
                                    LIMIT 1""", [COHORT_A])
    at = run_page("pages/account.py", portal_env, elsewhere)
    assert "No file holding your records has been taken out of the portal." in texts(at)
    at = run_page("pages/account.py", portal_env, "counselor.rivera")
    assert "Who took your records out" not in [s.value for s in at.subheader]


def test_the_one_time_passwords_download_is_recorded_with_the_new_students(portal_env):
    at = run_page("pages/admin_roster.py", portal_env, "admin")
    content = (f'first_name,last_name,email,cohort\nNoor,Haddad,noor.haddad@example.edu,"{COHORT_A}"\n'
               f'Ivo,Petrov,ivo.petrov@example.edu,"{COHORT_A}"\n').encode()
    at.file_uploader(key="admin_roster_file").set_value(("roster.csv", content, "text/csv")).run()
    [b for b in at.button if b.key == "admin_roster_confirm"][0].click().run()
    assert not at.exception
    made = _open_link(at, "Download the one-time passwords (CSV)")
    assert made.parts[0].read_bytes().decode("utf-8-sig").count("\r\n") == 3
    made.discard()
    (recorded,) = _with_db(portal_env, lambda db: disclosures.list_disclosures(db, SYSTEM))
    assert (recorded["kind"], recorded["row_count"], recorded["students"]) == ("passwords", 2, 2)
    whose = _with_db(portal_env, lambda db: disclosures.get(db, SYSTEM, recorded["id"])["student_ids"])
    new = [_one(portal_env, "SELECT id FROM users WHERE email = ?", [email])
           for email in ("noor.haddad@example.edu", "ivo.petrov@example.edu")]
    assert whose == sorted(new)
