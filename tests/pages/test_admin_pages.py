"""Every career-office page runs for the admin and is refused to counselors and students (AppTest)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.identity.accounts import user_id_for_username
from core.store.db import open_database, scalar
from tests.apptest_utils import run_page, sign_in_state, texts

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["admin_home", "admin_cohorts", "admin_roster", "admin_accounts", "admin_registration", "admin_sso",
         "admin_library", "admin_audit", "admin_health", "admin_outbox"]


def _run(page: str, username: str, db_path) -> AppTest:
    db = open_database(db_path)
    user_id = user_id_for_username(db, username)
    db.close()
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=60)
    sign_in_state(at, user_id)
    return at.run()


@pytest.mark.parametrize("page", PAGES)
def test_admin_page_runs_for_the_admin(portal_env, page):
    at = _run(page, "admin", portal_env)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("username", ["counselor.rivera", "student07"])
def test_admin_page_is_refused_to_others(portal_env, page, username):
    at = _run(page, username, portal_env)
    assert not at.exception
    assert [e.value for e in at.error] == [
        f"This page is for the career office (admins). You are signed in as a "
        f"{'counselor' if username.startswith('counselor') else 'student'}."]
    assert len(at.title) == 0 and len(at.dataframe) == 0 and len(at.button) == 0


def _term(at: AppTest, prefix: str = "admin_cohorts_new") -> None:
    from datetime import date

    at.date_input(key=f"{prefix}_start").set_value(date(2027, 1, 11))
    at.date_input(key=f"{prefix}_end").set_value(date(2027, 5, 7))


def test_cohorts_page_creates_a_cohort_and_refuses_a_duplicate(portal_env):
    at = _run("admin_cohorts", "admin", portal_env)
    at.text_input(key="admin_cohorts_new_name").input("Arts Explorers, Spring 2027")
    _term(at)
    at.button[0].click()  # the form's submit button is the first button on the page
    at.run()
    assert not at.exception
    assert at.success[0].value == "Created Arts Explorers, Spring 2027."
    at.text_input(key="admin_cohorts_new_name").input("arts explorers, spring 2027")
    _term(at)
    at.button[0].click()
    at.run()
    assert "already exists" in at.error[0].value
    db = open_database(portal_env)
    with db.cursor() as cur:
        assert scalar(cur, "SELECT count(*) FROM cohorts WHERE lower(name) LIKE 'arts explorers%'") == 1
        assert cur.execute("SELECT term_start, term_end FROM cohorts WHERE name = 'Arts Explorers, Spring 2027'"
                           ).fetchone() == (date(2027, 1, 11), date(2027, 5, 7))
    db.close()


def test_cohorts_page_shows_a_clear_message_for_an_empty_name(portal_env):
    at = _run("admin_cohorts", "admin", portal_env)
    _term(at)
    at.button[0].click()
    at.run()
    assert [e.value for e in at.error] == ["Name is required"]


def test_a_cohort_cannot_be_created_without_its_term(portal_env):
    at = _run("admin_cohorts", "admin", portal_env)
    at.text_input(key="admin_cohorts_new_name").input("No Term Explorers")
    at.button[0].click()
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Term start is required: pick the first day of the term",
                                           "Term end is required: pick the last day of the term"]
    assert not at.success
    db = open_database(portal_env)
    with db.cursor() as cur:
        assert scalar(cur, "SELECT count(*) FROM cohorts WHERE name = 'No Term Explorers'") == 0
    db.close()


def test_a_cohort_term_cannot_be_removed_on_edit(portal_env):
    at = _run("admin_cohorts", "admin", portal_env)
    cid = int(at.selectbox(key="admin_cohorts_pick").value and _picked_id(at, portal_env))
    at.date_input(key=f"admin_cohorts_edit_{cid}_end").set_value(None)
    [b for b in at.button if b.label == "Save changes"][0].click()
    at.run()
    assert [e.value for e in at.error] == ["Term end is required: pick the last day of the term"]
    db = open_database(portal_env)
    with db.cursor() as cur:
        assert scalar(cur, "SELECT term_end FROM cohorts WHERE id = ?", [cid]) is not None
    db.close()


def _picked_id(at: AppTest, db_path) -> int:
    name = at.selectbox(key="admin_cohorts_pick").value.removesuffix(" (archived)")
    db = open_database(db_path)
    with db.cursor() as cur:
        found = scalar(cur, "SELECT id FROM cohorts WHERE name = ?", [name])
    db.close()
    return found


def test_a_stale_cohort_edit_is_refused_showing_the_other_change(portal_env):
    from core.admin.cohorts import update_cohort
    from core.models import Actor, CohortUpdate, Role

    at = _run("admin_cohorts", "admin", portal_env)
    cid = _picked_id(at, portal_env)
    db = open_database(portal_env)
    admin_id = user_id_for_username(db, "admin")
    update_cohort(db, Actor(admin_id, Role.ADMIN), cid, CohortUpdate(stalled_after_days=30))  # another tab
    db.close()
    at.text_input(key=f"admin_cohorts_name_{cid}").input("Renamed in this tab")
    [b for b in at.button if b.label == "Save changes"][0].click()
    at.run()
    assert not at.exception
    assert any("changed since you opened it" in e.value for e in at.error)
    assert "30" in [t.value for t in at.text]  # the other tab's value is shown
    db = open_database(portal_env)
    with db.cursor() as cur:
        assert scalar(cur, "SELECT name FROM cohorts WHERE id = ?", [cid]) != "Renamed in this tab"
    db.close()


def test_assigning_a_counselor_confirms_and_archiving_offers_undo(portal_env):
    at = _run("admin_cohorts", "admin", portal_env)
    cid = _picked_id(at, portal_env)
    assign = [b for b in at.button if b.label == "Assign"]
    assert assign
    assign[0].click()
    at.run()
    assert not at.exception
    assert at.success and at.success[0].value.startswith("Assigned ")
    at.checkbox(key=f"admin_cohorts_confirm_{cid}").check()
    at.run()
    [b for b in at.button if b.label == "Archive"][0].click()
    at.run()
    assert any("Cohort archived" in s.value for s in at.success)
    db = open_database(portal_env)
    with db.cursor() as cur:
        assert scalar(cur, "SELECT archived_at IS NOT NULL FROM cohorts WHERE id = ?", [cid])
    db.close()
    [b for b in at.button if b.label == "Undo"][0].click()
    at.run()
    assert not at.exception
    db = open_database(portal_env)
    with db.cursor() as cur:
        assert scalar(cur, "SELECT archived_at IS NULL FROM cohorts WHERE id = ?", [cid])
        actions = [r[0] for r in cur.execute("SELECT action FROM events WHERE entity_type = 'cohort' AND entity_id = ? "
                                             "ORDER BY id", [cid]).fetchall()]
    db.close()
    assert actions[-3:] == ["assigned", "archived", "unarchived"]


def _account(db_path, username: str) -> dict:
    db = open_database(db_path)
    with db.cursor() as cur:
        found = cur.execute("SELECT first_name, last_name, email, role, active, password_hash FROM users "
                            "WHERE username = ?", [username]).fetchone()
    db.close()
    return dict(zip(["first_name", "last_name", "email", "role", "active", "password_hash"], found, strict=True))


def _manage(portal_env, username: str) -> AppTest:
    at = _run("admin_accounts", "admin", portal_env)
    at.text_input(key="admin_accounts_search").input(username)
    at.run()
    assert at.selectbox(key="admin_accounts_pick").value.endswith(f"({username})")
    return at


def _asked(at: AppTest) -> list[str]:
    return [w.value.replace("\\", "").replace("\u2060", "") for w in at.warning]  # as read: no escapes, joiners


def test_deactivating_an_account_asks_first_naming_the_person(portal_env):
    at = _manage(portal_env, "student12")
    who = _account(portal_env, "student12")
    [b for b in at.button if b.label == "Deactivate"][0].click()
    at.run()
    assert not at.exception
    assert _account(portal_env, "student12")["active"] is True  # nothing happens on the first click
    assert not at.success
    assert _asked(at) == [f"**Deactivate {who['first_name']} {who['last_name']} (student, {who['email']})?** They are "
                          "signed out at once and can no longer sign in. Their campaign and history are kept; you can "
                          "reactivate them later."]
    confirm = [b for b in at.button if b.label.startswith("Confirm")]
    assert [b.label.replace("\\", "") for b in confirm] == [
        f"Confirm: deactivate {who['first_name']} {who['last_name']}"]
    assert [b.label for b in at.button if b.label == "Cancel"]
    confirm[0].click()
    at.run()
    assert not at.exception
    assert "student12 is deactivated" in at.success[0].value.replace("\\", "")
    assert _account(portal_env, "student12")["active"] is False
    assert not _asked(at)


def test_cancelling_a_deactivation_changes_nothing(portal_env):
    at = _manage(portal_env, "student12")
    [b for b in at.button if b.label == "Deactivate"][0].click()
    at.run()
    [b for b in at.button if b.label == "Cancel"][0].click()
    at.run()
    assert not at.exception
    assert not _asked(at) and not at.success
    assert not [b for b in at.button if b.label.startswith("Confirm")]
    assert _account(portal_env, "student12")["active"] is True
    at.run()  # and it stays undone on the next run
    assert _account(portal_env, "student12")["active"] is True and not _asked(at)


def test_resetting_a_password_asks_first_and_shows_the_new_one_once(portal_env):
    from core.identity.accounts import check_password

    at = _manage(portal_env, "student03")
    who = _account(portal_env, "student03")
    [b for b in at.button if b.label == "Reset password"][0].click()
    at.run()
    assert not at.exception
    assert len(at.code) == 0 and _account(portal_env, "student03")["password_hash"] == who["password_hash"]
    name = f"{who['first_name']} {who['last_name']}"
    assert _asked(at) == [f"**Reset the password of {name} (student, {who['email']})?** "
                          "Their current password stops working at once and they are signed out; you get a one-time "
                          "password to give them."]
    [b for b in at.button if b.label.startswith("Confirm")][0].click()
    at.run()
    password = at.code[0].value
    assert check_password(password, _account(portal_env, "student03")["password_hash"])
    [b for b in at.button if b.label == "I have passed it on"][0].click()
    at.run()
    assert len(at.code) == 0


def test_cancelling_a_password_reset_keeps_the_password(portal_env):
    at = _manage(portal_env, "student03")
    before = _account(portal_env, "student03")["password_hash"]
    [b for b in at.button if b.label == "Reset password"][0].click()
    at.run()
    [b for b in at.button if b.label == "Cancel"][0].click()
    at.run()
    assert not at.exception
    assert len(at.code) == 0 and not _asked(at)
    assert _account(portal_env, "student03")["password_hash"] == before


def test_library_page_edit_is_saved(portal_env):
    at = _run("admin_library", "admin", portal_env)
    body = [t for t in at.text_area if t.key and t.key.startswith("admin_library_edit_")][0]
    body.input("What does a good first year in this job look like?")
    [b for b in at.button if b.label == "Save"][0].click()
    at.run()
    assert not at.exception and at.success[0].value.startswith("Saved")
    db = open_database(portal_env)
    with db.cursor() as cur:
        assert scalar(cur, "SELECT count(*) FROM library_items WHERE body = ? AND edited_by IS NOT NULL",
                      ["What does a good first year in this job look like?"]) == 1
    db.close()


def test_registration_page_opens_registration_with_a_code(portal_env):
    at = _run("admin_registration", "admin", portal_env)
    cohort_key = [t for t in at.toggle if t.key.startswith("admin_registration_open_")][0]
    cohort_key.set_value(True)
    [t for t in at.text_input if t.key.startswith("admin_registration_code_")][0].input("FALL-2026-HS")
    [b for b in at.button if b.label == "Save"][0].click()
    at.run()
    assert not at.exception and at.success[0].value.startswith("Saved")
    db = open_database(portal_env)
    from core.identity.registration import cohort_for_code

    assert cohort_for_code(db, "fall-2026-hs") is not None
    db.close()


def test_health_page_backs_up_the_running_database(portal_env, tmp_path):
    at = _run("admin_health", "admin", portal_env)
    schema = next(m.value for m in at.metric if m.label == "Schema version")
    assert len(schema) == 4 and int(schema) >= 2  # e.g. 0002
    [b for b in at.button if b.label == "Back up now"][0].click()
    at.run()
    assert not at.exception and at.success[0].value.startswith("Backed up 27 accounts")
    if str(portal_env).startswith("postgresql://"):
        # A pg_dump archive in the data folder's backups, listing the users table's data.
        import subprocess

        from core.admin.backup import postgres_program

        [archive] = list((tmp_path / "backups").glob("portal-*.dump"))
        listed = subprocess.run([postgres_program("pg_restore"), "--list", str(archive)],
                                capture_output=True, text=True, check=True).stdout
        assert "TABLE DATA public users" in listed
        return
    copies = list((portal_env.parent / "backups").glob("portal-*.duckdb"))
    assert len(copies) == 1
    import duckdb

    con = duckdb.connect(str(copies[0]), read_only=True)
    assert con.execute("SELECT count(*) FROM users").fetchone()[0] == 27
    con.close()


def test_audit_page_tells_each_event_as_a_sentence_with_names(portal_env):
    at = _run("admin_audit", "admin", portal_env)
    at.date_input(key="admin_audit_since").set_value(None)
    at.selectbox(key="admin_audit_action").set_value("joined_cohort")
    at.run()
    assert not at.exception
    frame = at.dataframe[0].value
    assert list(frame.columns) == ["When", "Who", "Role", "What happened", "Student", "Cohort", "From address"]
    assert len(frame) == 24
    for said, student, cohort in zip(frame["What happened"], frame["Student"], frame["Cohort"], strict=True):
        assert said == f"The portal added {student} to {cohort}."


def test_audit_page_filters_by_person(portal_env):
    at = _run("admin_audit", "admin", portal_env)
    at.date_input(key="admin_audit_since").set_value(None)
    person = at.selectbox(key="admin_audit_person")
    assert "Dana Rivera (counselor, counselor.rivera)" in person.options
    person.set_value("Dana Rivera (counselor, counselor.rivera)")
    at.run()
    assert not at.exception
    told = list(at.dataframe[0].value["What happened"])
    assert "The portal assigned Dana Rivera to Health & Science Explorers, Fall 2026." in told
    assert "The portal created an account for Dana Rivera (counselor)." in told
    assert told and all("Dana Rivera" in said for said in told)
    assert not [said for said in told if "{" in said or "_" in said]


@pytest.mark.parametrize("content, message", [
    (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00", "The file is not a CSV text file"),
    (b"first_name,last_name,email,cohort\nAna,Lopez,ana@x.edu," + b"y" * 131_073 + b"\n",
     "Line 2 has a cell of more than 131,072 characters"),
    (b"", "The file is empty."),
    (b"first_name,last_name,email,cohort\n", "The file has a header but no students."),
])
def test_roster_page_explains_a_file_that_is_not_a_roster(portal_env, content, message):
    at = _run("admin_roster", "admin", portal_env)
    db = open_database(portal_env)
    with db.cursor() as cur:
        before = scalar(cur, "SELECT count(*) FROM users")
    db.close()
    at.file_uploader(key="admin_roster_file").set_value(("roster.csv", content, "text/csv")).run()
    assert not at.exception
    assert [e.value for e in at.error] and message in at.error[0].value.replace("\\", "")
    assert not [b for b in at.button if b.key == "admin_roster_confirm"]
    db = open_database(portal_env)
    with db.cursor() as cur:
        assert scalar(cur, "SELECT count(*) FROM users") == before
    db.close()


def test_library_retire_offers_undo_and_a_stale_edit_is_refused(portal_env):
    from core.admin.library import LibraryItemInput, edit_item, list_items
    from core.models import Actor, Role

    at = _run("admin_library", "admin", portal_env)
    db = open_database(portal_env)
    admin = Actor(user_id_for_username(db, "admin"), Role.ADMIN)
    first = list_items(db, admin, "question")[0]
    db.close()
    at.text_area(key=f"admin_library_edit_{first['id']}_body").input("My wording")
    db = open_database(portal_env)
    edit_item(db, admin, first["id"], LibraryItemInput(kind="question", category=first["category"],
                                                       body="The other admin's wording"))
    db.close()
    [b for b in at.button if b.label == "Save"][0].click()
    at.run()
    assert not at.exception
    assert any("changed since you opened it" in e.value for e in at.error)
    assert "The other admin's wording" in [t.value for t in at.text]

    at = _run("admin_library", "admin", portal_env)
    at.button(key=f"admin_library_retire_{first['id']}").click().run()
    assert any("Retired." in s.value for s in at.success)
    db = open_database(portal_env)
    assert first["id"] not in [i["id"] for i in list_items(db, admin, "question")]
    db.close()
    at.button(key="admin_library_undo_button").click().run()
    assert not at.exception
    db = open_database(portal_env)
    assert first["id"] in [i["id"] for i in list_items(db, admin, "question")]
    db.close()


def test_assigning_a_counselor_names_the_counselor_and_the_cohort_inertly(portal_env):
    from core.admin.cohorts import create_cohort
    from core.models import Actor, CohortCreate, Role

    name = "<b>Night</b> =SUM(1) [x](javascript:alert(1))"
    db = open_database(portal_env)
    admin = Actor(user_id_for_username(db, "admin"), Role.ADMIN)
    cid = create_cohort(db, admin, CohortCreate(name=name, term_start=date(2027, 1, 11),
                                                term_end=date(2027, 5, 7))).id
    db.close()
    at = _run("admin_cohorts", "admin", portal_env)
    at.selectbox(key="admin_cohorts_pick").set_value(name).run()
    pick = at.selectbox(key=f"admin_cohorts_assign_pick_{cid}")
    counselor = pick.options[-1]
    pick.set_value(counselor)
    [b for b in at.button if b.label == "Assign"][0].click()
    at.run()
    assert not at.exception
    shown = [s.value for s in at.success]
    assert len(shown) == 1
    assert shown[0].replace("\\", "") == (f"Assigned {counselor} to {name}: "
                                          "they see its students on their dashboard now.")
    assert "\\<b\\>" in shown[0] and "\\[x\\]\\(javascript" in shown[0]  # markdown cannot turn it into markup
    username = counselor.rsplit("(", 1)[1].rstrip(")")
    db = open_database(portal_env)
    with db.cursor() as cur:
        assert scalar(cur, """SELECT count(*) FROM cohort_counselors cc JOIN users u ON u.id = cc.counselor_id
                              WHERE cc.cohort_id = ? AND u.username = ?""", [cid, username]) == 1
    db.close()


def test_the_health_page_says_what_a_backup_holds_where_it_is_offered(portal_env):
    at = run_page("pages/admin_health.py", portal_env, "admin")
    assert not at.exception
    shown = texts(at)
    assert "private reflections" in shown and "password hash" in shown and "audit log" in shown


def test_back_up_now_encrypts_the_backup_when_a_backup_key_is_set(portal_env, monkeypatch):
    from core.admin.backup import is_encrypted
    from core.config import get_settings

    at = run_page("pages/admin_health.py", portal_env, "admin")
    assert any("not encrypted" in w.value for w in at.warning), "without a key the page says backups are plain"
    monkeypatch.setenv("PORTAL_BACKUP_KEY", "Rk3v9-Zq7LwT2pXe8uNcYb4sHd6gJmAf0oQi1V5t")
    get_settings.cache_clear()
    at = run_page("pages/admin_health.py", portal_env, "admin")
    assert not any("not encrypted" in w.value for w in at.warning) and "**encrypted** with the backup key" in texts(at)
    next(b for b in at.button if b.label == "Back up now").click().run(timeout=120)
    assert not at.exception and not at.error, [e.value for e in at.error]
    [done] = [s.value for s in at.success]
    assert done.endswith(".enc, encrypted."), done
    made = Path(at.session_state["admin_health_last"])
    assert made.name.endswith(".enc") and is_encrypted(made)
    assert [p.name for p in made.parent.iterdir()] == [made.name], "no plain copy beside it"


def _open_tab(at: AppTest) -> str:
    """The label of the tab the page shows open (the tab container's selected index, as the browser gets it)."""
    for node in at.main:
        if getattr(node, "type", None) == "tab_container":
            return [t.label for t in at.tabs][node.proto.tab_container.default_tab_index]
    raise AssertionError("no tabs on the page")


def test_the_counselors_tab_stays_open_after_assigning(portal_env):
    at = _run("admin_cohorts", "admin", portal_env)
    assert _open_tab(at) == "Name, term and timing"
    at.session_state["admin_cohorts_tab"] = "Counselors"  # the person opens the Counselors tab
    at.run()
    assert _open_tab(at) == "Counselors"
    [b for b in at.button if b.label == "Assign"][0].click()
    at.run()
    assert not at.exception
    assert at.success and at.success[0].value.startswith("Assigned ")
    assert _open_tab(at) == "Counselors"
    [b for b in at.button if b.label == "Unassign"][0].click()
    at.run()
    assert "no longer follows" in at.success[0].value and _open_tab(at) == "Counselors"


def test_the_health_page_says_plainly_when_emails_would_link_to_this_machine(portal_env, monkeypatch):
    from core.config import get_settings

    monkeypatch.setenv("PORTAL_SMTP_HOST", "mail.example.edu")
    monkeypatch.setenv("PORTAL_SMTP_FROM", "portal@example.edu")
    monkeypatch.delenv("PORTAL_BASE_URL", raising=False)
    get_settings.cache_clear()
    at = run_page("pages/admin_health.py", portal_env, "admin")
    assert not at.exception
    assert "Problems to fix" in [s.value for s in at.subheader]
    [problem] = [e.value for e in at.error]
    assert "PORTAL_BASE_URL" in problem and "http://localhost:8501" in problem and "cannot open" in problem

    monkeypatch.setenv("PORTAL_BASE_URL", "https://interviews.example.edu")
    get_settings.cache_clear()
    at = run_page("pages/admin_health.py", portal_env, "admin")
    assert not at.exception and not at.error
    assert "Problems to fix" not in [s.value for s in at.subheader]
    assert "Links in emails open https://interviews.example.edu." in texts(at)


def test_roster_preview_warns_before_moving_a_student_with_campaign_work(portal_env):
    at = _run("admin_roster", "admin", portal_env)
    content = ("first_name,last_name,email,cohort\n"
               "Amara,Adeyemi,student01@demo.example.edu,\"Business & Policy Explorers, Fall 2026\"\n"
               "Ben,Hoang,student02@demo.example.edu,\"Business & Policy Explorers, Fall 2026\"\n").encode()
    at.file_uploader(key="admin_roster_file").set_value(("roster.csv", content, "text/csv")).run()
    assert not at.exception
    warnings = [w.value.replace("\\", "") for w in at.warning]
    assert len(warnings) == 1, warnings
    assert "1 student(s) with campaign work change cohort" in warnings[0]
    assert "Line 3: Ben Hoang moves from Health & Science Explorers, Fall 2026 to Business & Policy Explorers, " \
           "Fall 2026 and has campaign work (5 targets" in warnings[0]
    assert "Amara" not in warnings[0]  # student01 has no campaign work: her move needs no warning
    assert [b for b in at.button if b.key == "admin_roster_confirm"]  # nothing written until confirmed
    db = open_database(portal_env)
    with db.cursor() as cur:
        assert scalar(cur, """SELECT c.name FROM cohort_members m JOIN cohorts c ON c.id = m.cohort_id
                              JOIN users u ON u.id = m.student_id WHERE u.username = 'student02'""") \
            == "Health & Science Explorers, Fall 2026"
    db.close()
