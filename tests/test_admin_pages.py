"""Every career-office page runs for the admin and is refused to counselors and students (AppTest)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from pathlib import Path

from core.accounts import user_id_for_username
from core.db import Database, scalar

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["admin_home", "admin_cohorts", "admin_roster", "admin_accounts", "admin_registration", "admin_library",
         "admin_audit", "admin_health"]


def _run(page: str, username: str, db_path) -> AppTest:
    db = Database(db_path)
    user_id = user_id_for_username(db, username)
    db.close()
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=60)
    at.session_state["actor_id"] = user_id
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


def test_cohorts_page_creates_a_cohort_and_refuses_a_duplicate(portal_env):
    at = _run("admin_cohorts", "admin", portal_env)
    at.text_input(key="admin_cohorts_new_name").input("Arts Explorers, Spring 2027")
    at.button[0].click()  # the form's submit button is the first button on the page
    at.run()
    assert not at.exception
    assert at.success[0].value == "Created Arts Explorers, Spring 2027."
    at.text_input(key="admin_cohorts_new_name").input("arts explorers, spring 2027")
    at.button[0].click()
    at.run()
    assert "already exists" in at.error[0].value
    db = Database(portal_env)
    with db.cursor() as cur:
        assert scalar(cur, "SELECT count(*) FROM cohorts WHERE lower(name) LIKE 'arts explorers%'") == 1
    db.close()


def test_cohorts_page_shows_a_clear_message_for_an_empty_name(portal_env):
    at = _run("admin_cohorts", "admin", portal_env)
    at.button[0].click()
    at.run()
    assert [e.value for e in at.error] == ["Name is required"]


def test_accounts_page_deactivates_a_student(portal_env):
    at = _run("admin_accounts", "admin", portal_env)
    at.text_input(key="admin_accounts_search").input("student12")
    at.run()
    assert at.selectbox(key="admin_accounts_pick").value.endswith("(student12)")
    deactivate = [b for b in at.button if b.label == "Deactivate"][0]
    deactivate.click()
    at.run()
    assert "student12 is deactivated" in at.success[0].value.replace("\\", "")
    db = Database(portal_env)
    with db.cursor() as cur:
        assert scalar(cur, "SELECT active FROM users WHERE username = 'student12'") is False
    db.close()


def test_accounts_page_resets_a_password_and_shows_it_once(portal_env):
    at = _run("admin_accounts", "admin", portal_env)
    at.text_input(key="admin_accounts_search").input("student03")
    at.run()
    [b for b in at.button if b.label == "Reset password"][0].click()
    at.run()
    password = at.code[0].value
    db = Database(portal_env)
    from core.accounts import authenticator_credentials, check_password

    assert check_password(password, authenticator_credentials(db)["usernames"]["student03"]["password"])
    db.close()
    [b for b in at.button if b.label == "I have passed it on"][0].click()
    at.run()
    assert len(at.code) == 0


def test_library_page_edit_is_saved(portal_env):
    at = _run("admin_library", "admin", portal_env)
    body = [t for t in at.text_area if t.key and t.key.startswith("admin_library_edit_")][0]
    body.input("What does a good first year in this job look like?")
    [b for b in at.button if b.label == "Save"][0].click()
    at.run()
    assert not at.exception and at.success[0].value.startswith("Saved")
    db = Database(portal_env)
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
    db = Database(portal_env)
    from core.registration import cohort_for_code

    assert cohort_for_code(db, "fall-2026-hs") is not None
    db.close()


def test_health_page_backs_up_the_running_database(portal_env):
    at = _run("admin_health", "admin", portal_env)
    assert len(at.metric[0].value) == 4 and int(at.metric[0].value) >= 2  # schema version, e.g. 0002
    [b for b in at.button if b.label == "Back up now"][0].click()
    at.run()
    assert not at.exception and at.success[0].value.startswith("Backed up 27 accounts")
    copies = list((portal_env.parent / "backups").glob("portal-*.duckdb"))
    assert len(copies) == 1
    import duckdb

    con = duckdb.connect(str(copies[0]), read_only=True)
    assert con.execute("SELECT count(*) FROM users").fetchone()[0] == 27
    con.close()


def test_audit_page_filters_by_action(portal_env):
    at = _run("admin_audit", "admin", portal_env)
    at.date_input(key="admin_audit_since").set_value(None)
    at.selectbox(key="admin_audit_action").set_value("joined_cohort")
    at.run()
    assert not at.exception
    frame = at.dataframe[0].value
    assert len(frame) == 24 and set(frame["Action"]) == {"joined_cohort"}
