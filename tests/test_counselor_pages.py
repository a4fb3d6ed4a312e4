"""AppTest for every counselor page and role: counselors and admins use them, students are refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.accounts import user_id_for_username
from core.cohorts import get_cohort, list_goals
from core.db import Database
from core.models import Actor, Role

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["pages/counselor_home.py", "pages/counselor_student.py", "pages/counselor_cohort.py"]
COHORT_A = "Health & Science Explorers, Fall 2026"


def _ids(path: Path, *usernames: str) -> list[int]:
    db = Database(path)
    try:
        return [user_id_for_username(db, u) for u in usernames]
    finally:
        db.close()


def _cohort_id(path: Path, name: str) -> int:
    db = Database(path)
    try:
        with db.cursor() as cur:
            return cur.execute("SELECT id FROM cohorts WHERE name = ?", [name]).fetchone()[0]
    finally:
        db.close()


def _app(page: str, user_id: int, **state) -> AppTest:
    at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    at.session_state["actor_id"] = user_id
    for key, value in state.items():
        at.session_state[key] = value
    return at


def _texts(at: AppTest) -> str:
    parts = [t.value for t in at.title] + [t.value for t in at.caption] + [t.value for t in at.markdown]
    parts += [t.value for t in at.text] + [t.value for t in at.error] + [t.value for t in at.warning]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("username", ["counselor.rivera", "admin"])
def test_counselors_and_admins_use_every_page(portal_env, page, username):
    (user_id,) = _ids(portal_env, username)
    at = _app(page, user_id).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title and at.title[0].value


@pytest.mark.parametrize("page", PAGES)
def test_students_are_refused(portal_env, page):
    (user_id,) = _ids(portal_env, "student07")
    at = _app(page, user_id).run()
    assert not at.exception
    assert [e.value for e in at.error] == ["This page is for counselors and the career office (admins). "
                                           "You are signed in as a student."]
    assert not at.title and not at.dataframe and not at.selectbox and not at.button


def test_dashboard_rows_and_stalled_filter(portal_env):
    (rivera,) = _ids(portal_env, "counselor.rivera")
    at = _app("pages/counselor_home.py", rivera).run()
    table = at.dataframe[0].value
    assert len(table) == 12
    assert "Lena Farouk" in set(table["Student"])
    at = _app("pages/counselor_home.py", rivera, counselor_home_flags=["stalled"]).run()
    stalled = at.dataframe[0].value
    assert "Lena Farouk" in set(stalled["Student"]) and len(stalled) < 12
    assert all("Stalled" in flags for flags in stalled["Flags"])
    at = _app("pages/counselor_home.py", rivera, counselor_home_search="farouk").run()
    assert list(at.dataframe[0].value["Student"]) == ["Lena Farouk"]


def test_dashboard_shows_only_the_counselors_cohort(portal_env):
    (okafor,) = _ids(portal_env, "counselor.okafor")
    at = _app("pages/counselor_home.py", okafor).run()
    assert [o for o in at.selectbox(key="counselor_home_cohort").options] == ["Business & Policy Explorers, Fall 2026"]
    assert "Lena Farouk" not in set(at.dataframe[0].value["Student"])


def test_admin_sees_all_cohorts_together(portal_env):
    (admin,) = _ids(portal_env, "admin")
    at = _app("pages/counselor_home.py", admin, counselor_home_cohort=-1).run()
    assert not at.exception
    assert len(at.dataframe[0].value) == 24


@pytest.mark.parametrize("tab", ["Charts", "Recent comments", "Export CSV"])
def test_dashboard_tabs_render(portal_env, tab):
    (rivera,) = _ids(portal_env, "counselor.rivera")
    at = _app("pages/counselor_home.py", rivera, counselor_home_tabs=tab).run()
    assert not at.exception, at.exception
    assert not at.error
    texts = _texts(at)
    if tab == "Charts":
        assert "Cohort funnel" in [s.value for s in at.subheader]
    if tab == "Recent comments":
        assert "Send the thank-you today, while it is fresh." in texts
    if tab == "Export CSV":
        assert "Include free-text notes" not in texts  # a counselor cannot export notes
        assert len(at.get("download_button")) == 3


def test_student_detail_for_the_requested_student(portal_env):
    rivera, student12 = _ids(portal_env, "counselor.rivera", "student12")
    at = _app("pages/counselor_student.py", rivera)
    at.query_params["student"] = str(student12)
    at.run()
    assert not at.exception
    assert at.title[0].value == "Lena Farouk"
    assert "Flags: Stalled, Off track" in [w.value for w in at.warning]


@pytest.mark.parametrize("value", ["foreign", "garbage", "missing"])
def test_student_detail_never_trusts_the_address(portal_env, value):
    okafor, student12 = _ids(portal_env, "counselor.okafor", "student12")
    at = _app("pages/counselor_student.py", okafor)
    at.query_params["student"] = {"foreign": str(student12), "garbage": "12; DROP TABLE users",
                                  "missing": "999999"}[value]
    at.run()
    assert not at.exception
    if value == "garbage":  # not a number: treated as no choice, the picker shows his own students
        assert "Lena Farouk" not in _texts(at)
    else:
        assert [e.value for e in at.error] == ["No such student, or not in a cohort you oversee."]
        assert "Lena" not in _texts(at)


def test_counselor_comments_from_the_detail_page(portal_env):
    rivera, student12 = _ids(portal_env, "counselor.rivera", "student12")
    at = _app("pages/counselor_student.py", rivera)
    at.query_params["student"] = str(student12)
    at.run()
    at.text_area(key="counselor_student_campaign_comment_body").input("Try a second person at the same clinic.")
    at.button[[b.label for b in at.button].index("Post comment")].click().run()
    assert not at.exception
    assert "Try a second person at the same clinic." in [t.value for t in at.text]
    from core.comments import list_comments

    db = Database(portal_env)
    try:
        seen = list_comments(db, Actor(student12, Role.STUDENT), student12, subject_type="student",
                             subject_id=student12)
    finally:
        db.close()
    assert [c["body"] for c in seen] == ["Try a second person at the same clinic."]


def test_settings_change_timing_and_goals(portal_env):
    (rivera,) = _ids(portal_env, "counselor.rivera")
    cohort_id = _cohort_id(portal_env, COHORT_A)
    at = _app("pages/counselor_cohort.py", rivera).run()
    assert [s.value for s in at.subheader][:2] == ["Timing", "Goals"]
    at.number_input(key="counselor_cohort_stalled").set_value(21)
    at.button[[b.label for b in at.button].index("Save timing")].click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Timing saved."]
    at.number_input(key="counselor_cohort_target").set_value(2)
    at.selectbox(key="counselor_cohort_metric").set_value(at.selectbox(key="counselor_cohort_metric").options[5])
    at.button[[b.label for b in at.button].index("Add goal")].click().run()
    assert [s.value for s in at.success] == ["Goal added."]
    db = Database(portal_env)
    try:
        admin = Actor(_ids_in(db, "admin"), Role.ADMIN)
        assert get_cohort(db, admin, cohort_id).stalled_after_days == 21
        goals = list_goals(db, admin, cohort_id)
    finally:
        db.close()
    assert [(g["metric"], g["target_count"]) for g in goals][-1] == ("reflections", 2)
    assert len(goals) == 4


def _ids_in(db: Database, username: str) -> int:
    return user_id_for_username(db, username)


def test_names_with_markup_are_shown_as_typed(portal_env):
    rivera, student12 = _ids(portal_env, "counselor.rivera", "student12")
    db = Database(portal_env)
    try:
        with db.cursor() as cur:
            cur.execute("UPDATE users SET first_name = ? WHERE id = ?", ["**Lena** [x](http://evil)", student12])
    finally:
        db.close()
    at = _app("pages/counselor_student.py", rivera)
    at.query_params["student"] = str(student12)
    at.run()
    assert not at.exception
    from ui.widgets import md_escape

    assert at.title[0].value == md_escape("**Lena** [x](http://evil) Farouk")
    assert "**Lena**" not in at.title[0].value


def test_admin_export_tab_offers_notes_and_a_period(portal_env):
    from datetime import date

    (admin,) = _ids(portal_env, "admin")
    at = _app("pages/counselor_home.py", admin, counselor_home_tabs="Export CSV",
              counselor_home_period=(date(2026, 1, 1),)).run()
    assert not at.exception and not at.error
    assert [c.label for c in at.checkbox] == [
        "Include free-text notes (research, meeting notes, non-private reflections)"]
    assert len(at.get("download_button")) == 3
