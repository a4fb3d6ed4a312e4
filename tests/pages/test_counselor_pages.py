"""AppTest for every counselor page and role: counselors and admins use them, students are refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.admin.cohorts import get_cohort, list_goals
from core.identity.accounts import user_id_for_username
from core.models import Actor, Role
from core.store.db import Database, open_database
from tests.apptest_utils import open_download, sign_in_state

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["pages/counselor_home.py", "pages/counselor_student.py", "pages/counselor_cohort.py"]
COHORT_A = "Health & Science Explorers, Fall 2026"


def _ids(path: Path, *usernames: str) -> list[int]:
    db = open_database(path)
    try:
        return [user_id_for_username(db, u) for u in usernames]
    finally:
        db.close()


def _cohort_id(path: Path, name: str) -> int:
    db = open_database(path)
    try:
        with db.cursor() as cur:
            return cur.execute("SELECT id FROM cohorts WHERE name = ?", [name]).fetchone()[0]
    finally:
        db.close()


def _app(page: str, user_id: int, **state) -> AppTest:
    at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    sign_in_state(at, user_id)
    for key, value in state.items():
        at.session_state[key] = value
    return at


def _download_links(at: AppTest) -> int:
    """How many export buttons the page shows, each a one-time link to the download route."""
    links = at.get("link_button")
    assert all(re.fullmatch(r"/download/[\w-]{43}", link.proto.url) for link in links), [
        link.proto.url for link in links]
    return len(links)


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


def test_a_stalled_student_who_signs_in_and_looks_around_is_still_stalled(portal_env):
    """Activity is campaign work (core/rules/activity.py): student12, the demo's stalled student, signs in and
    opens Home and Targets, changing nothing; the counselor's dashboard still counts her stalled, with her
    last activity weeks ago."""
    from tests.apptest_utils import run_page

    rivera, student12 = _ids(portal_env, "counselor.rivera", "student12")

    def dashboard():
        at = _app("pages/counselor_home.py", rivera).run()
        stalled = next(m.value for m in at.metric if m.label == "Stalled")
        table = at.dataframe[0].value
        return stalled, table.set_index("Student").loc["Lena Farouk", ["Flags", "Last activity"]].tolist()

    before, (flags, last) = dashboard()
    assert "Stalled" in flags and before == "2"
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    app.text_input[0].input("student12")
    app.text_input[1].input("Demo-2026!")
    app.button[0].click().run()
    assert app.session_state["actor_id"] == student12
    for page in ("pages/student_home.py", "pages/student_targets.py"):
        assert not run_page(page, portal_env, "student12").exception
    assert dashboard() == (before, [flags, last])


def test_dashboard_shows_only_the_counselors_cohort(portal_env):
    (okafor,) = _ids(portal_env, "counselor.okafor")
    at = _app("pages/counselor_home.py", okafor).run()
    assert [o for o in at.selectbox(key="counselor_home_cohort").options] == ["Business & Policy Explorers, Fall 2026"]
    assert "Lena Farouk" not in set(at.dataframe[0].value["Student"])


def test_admin_opens_on_one_row_per_cohort_and_finds_students_by_name(portal_env):
    (admin,) = _ids(portal_env, "admin")
    at = _app("pages/counselor_home.py", admin, counselor_home_cohort=-1).run()
    assert not at.exception
    summary = at.dataframe[0].value
    assert len(summary) == 2 and summary["Students"].sum() == 24
    assert [m.value for m in at.metric][:1] == ["24"]
    at.text_input(key="counselor_home_find").input("farouk").run()
    assert any("Lena" in m.value and "Farouk" in m.value for m in at.markdown)
    # The button is named for whom it opens, not "Open".
    assert [b.label for b in at.button if b.key.startswith("counselor_home_found_")] == ["Open Lena Farouk"]


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
        # Each comment's button names the student it opens.
        opens = [b.label for b in at.button if b.key.startswith("counselor_home_comment_open_")]
        assert opens and all(label.startswith("Open ") and label != "Open student" for label in opens)
    if tab == "Export CSV":
        assert "Include free-text notes" not in texts  # a counselor cannot export notes
        assert _download_links(at) == 3


def test_student_detail_for_the_requested_student(portal_env):
    rivera, student12 = _ids(portal_env, "counselor.rivera", "student12")
    at = _app("pages/counselor_student.py", rivera)
    at.query_params["student"] = str(student12)
    at.run()
    assert not at.exception
    assert at.title[0].value == "Lena Farouk"
    assert "Flags: Stalled, Off track" in [w.value for w in at.warning]


@pytest.mark.parametrize("value", ["foreign", "garbage", "missing", "superscript", "letters", "huge"])
def test_student_detail_never_trusts_the_address(portal_env, value):
    okafor, student12 = _ids(portal_env, "counselor.okafor", "student12")
    at = _app("pages/counselor_student.py", okafor)
    at.query_params["student"] = {"foreign": str(student12), "garbage": "12; DROP TABLE users",
                                  "missing": "999999", "superscript": "²", "letters": "abc",
                                  "huge": "99999999999999999999"}[value]
    at.run()
    assert not at.exception
    # Anything that is not one of his students gets the same plain refusal, and nobody's campaign.
    assert [e.value for e in at.error] == ["No such student, or not in a cohort you oversee."]
    assert "Lena" not in _texts(at)
    assert not [s for s in at.selectbox if s.key == "counselor_student_pick"]


def test_student_picker_choice_wins_over_the_address(portal_env):
    rivera, student12, student11 = _ids(portal_env, "counselor.rivera", "student12", "student11")
    at = _app("pages/counselor_student.py", rivera)
    at.query_params["student"] = str(student12)
    at.run()
    assert at.title[0].value == "Lena Farouk"
    at.selectbox(key="counselor_student_pick").set_value(student11).run()
    assert not at.exception
    assert at.selectbox(key="counselor_student_pick").value == student11
    assert at.title[0].value == "Kofi Wong"
    assert at.query_params["student"] == str(student11)
    # It stays there on the next run (a click elsewhere on the page).
    at.run()
    assert at.title[0].value == "Kofi Wong"
    # A new address (a link from the dashboard) still opens the student it names.
    at.query_params["student"] = str(student12)
    at.run()
    assert at.title[0].value == "Lena Farouk"
    assert at.selectbox(key="counselor_student_pick").value == student12


def test_counselor_comments_from_the_detail_page(portal_env):
    rivera, student12 = _ids(portal_env, "counselor.rivera", "student12")
    at = _app("pages/counselor_student.py", rivera)
    at.query_params["student"] = str(student12)
    at.run()
    at.text_area(key="counselor_student_campaign_comment_body").input("Try a second person at the same clinic.")
    at.button[[b.label for b in at.button].index("Post comment")].click().run()
    assert not at.exception
    assert "Try a second person at the same clinic." in [t.value for t in at.text]
    from core.oversight.comments import list_comments

    db = open_database(portal_env)
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
    assert [s.value for s in at.subheader][:3] == ["Timing", "Reminders by email", "Goals"]
    at.number_input(key="counselor_cohort_stalled").set_value(21)
    at.button[[b.label for b in at.button].index("Save timing")].click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Timing saved."]
    at.number_input(key="counselor_cohort_target").set_value(2)
    at.selectbox(key="counselor_cohort_metric").set_value(at.selectbox(key="counselor_cohort_metric").options[5])
    at.button[[b.label for b in at.button].index("Add goal")].click().run()
    assert [s.value for s in at.success] == ["Goal added."]
    db = open_database(portal_env)
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
    db = open_database(portal_env)
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
    assert _download_links(at) == 3


def _button(at: AppTest, label: str, nth: int = 0):
    return [b for b in at.button if b.label == label][nth]


def test_counselor_posts_edits_withdraws_and_undoes_a_comment(portal_env):
    rivera, student12 = _ids(portal_env, "counselor.rivera", "student12")
    at = _app("pages/counselor_student.py", rivera)
    at.query_params["student"] = str(student12)
    at.run()
    body = "counselor_student_campaign_comment_body"
    _button(at, "Post comment").click().run()  # empty: refused at the form, nothing posted
    assert "Write your comment first: it is empty." in [e.value for e in at.error]
    at.text_area(key=body).input("Call Ben on Monday.")
    _button(at, "Post comment").click().run()
    assert not at.exception
    assert "Call Ben on Monday." in [t.value for t in at.text]
    assert at.text_area(key=body).value == ""  # cleared after posting

    _button(at, "Edit").click().run()
    edit_box = [t for t in at.text_area if t.key.startswith("counselor_student_campaign_comment_edit_body_")][0]
    edit_box.input("Call Ben on Tuesday.")
    _button(at, "Save comment").click().run()
    assert not at.exception
    assert "Call Ben on Tuesday." in [t.value for t in at.text]
    assert any("edited" in c.value for c in at.caption)

    _button(at, "Withdraw").click().run()
    assert "Call Ben on Tuesday." not in [t.value for t in at.text]
    assert any("Comment withdrawn" in i.value for i in at.info)
    _button(at, "Undo").click().run()
    assert "Call Ben on Tuesday." in [t.value for t in at.text]

    from core.oversight.comments import list_comments

    db = open_database(portal_env)
    try:
        seen = list_comments(db, Actor(student12, Role.STUDENT), student12, subject_type="student",
                             subject_id=student12)
        with db.cursor() as cur:
            actions = [r[0] for r in cur.execute("SELECT action FROM events WHERE entity_type = 'comment' "
                                                 "ORDER BY id").fetchall()]
    finally:
        db.close()
    assert [(c["body"], c["edited_at"] is not None) for c in seen] == [("Call Ben on Tuesday.", True)]
    assert actions == ["edited", "withdrawn", "restored"]


def test_a_stale_comment_edit_shows_the_saved_text(portal_env):
    from core.models import CommentCreate, CommentEdit
    from core.oversight.comments import add_comment, edit_comment

    rivera, student12 = _ids(portal_env, "counselor.rivera", "student12")
    db = open_database(portal_env)
    try:
        cid = add_comment(db, Actor(rivera, Role.COUNSELOR), student12,
                          CommentCreate(subject_type="student", subject_id=student12, body="Version one"))
    finally:
        db.close()
    at = _app("pages/counselor_student.py", rivera)
    at.query_params["student"] = str(student12)
    at.run()
    _button(at, "Edit").click().run()
    db = open_database(portal_env)
    try:  # another tab saves first
        edit_comment(db, Actor(rivera, Role.COUNSELOR), cid, CommentEdit(body="Version from the other tab"))
    finally:
        db.close()
    at.text_area(key=f"counselor_student_campaign_comment_edit_body_{cid}").input("Version from this tab")
    _button(at, "Save comment").click().run()
    assert not at.exception
    assert any("changed since you opened it" in e.value for e in at.error)
    assert "Version from the other tab" in [t.value for t in at.text]


def test_counselor_edits_a_goal_and_undoes_retiring_it(portal_env):
    (rivera,) = _ids(portal_env, "counselor.rivera")
    cohort_id = _cohort_id(portal_env, COHORT_A)
    db = open_database(portal_env)
    try:
        before = list_goals(db, Actor(rivera, Role.COUNSELOR), cohort_id)
    finally:
        db.close()
    first = before[0]
    at = _app("pages/counselor_cohort.py", rivera).run()
    at.button(key=f"counselor_cohort_edit_{first['id']}").click().run()
    at.number_input(key=f"counselor_cohort_goal_target_{first['id']}").set_value(first["target_count"] + 1)
    _button(at, "Save goal").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Goal saved."]
    at.button(key=f"counselor_cohort_retire_{first['id']}").click().run()
    assert any("Goal retired" in i.value for i in at.info)
    db = open_database(portal_env)
    try:
        assert first["id"] not in [g["id"] for g in list_goals(db, Actor(rivera, Role.COUNSELOR), cohort_id)]
    finally:
        db.close()
    _button(at, "Undo").click().run()
    assert not at.exception
    db = open_database(portal_env)
    try:
        after = {g["id"]: g for g in list_goals(db, Actor(rivera, Role.COUNSELOR), cohort_id)}
    finally:
        db.close()
    assert after[first["id"]]["target_count"] == first["target_count"] + 1
    assert after[first["id"]]["version"] == first["version"] + 3  # edited, retired, restored


def test_stale_timing_save_is_refused(portal_env):
    from core.admin.cohorts import update_cohort
    from core.models import CohortUpdate

    (rivera,) = _ids(portal_env, "counselor.rivera")
    cohort_id = _cohort_id(portal_env, COHORT_A)
    at = _app("pages/counselor_cohort.py", rivera).run()
    db = open_database(portal_env)
    try:  # a colleague saves first
        update_cohort(db, Actor(rivera, Role.COUNSELOR), cohort_id, CohortUpdate(thank_you_window_hours=30))
    finally:
        db.close()
    at.number_input(key="counselor_cohort_stalled").set_value(21)
    _button(at, "Save timing").click().run()
    assert not at.exception
    assert any("changed since you opened it" in e.value for e in at.error)
    assert "30" in [t.value for t in at.text]
    db = open_database(portal_env)
    try:
        assert get_cohort(db, Actor(rivera, Role.COUNSELOR), cohort_id).stalled_after_days != 21
    finally:
        db.close()


def test_contact_picker_marks_archived_contacts(portal_env):
    from core.campaign.contacts import list_contacts, set_archived

    rivera, student12 = _ids(portal_env, "counselor.rivera", "student12")
    lena = Actor(student12, Role.STUDENT)
    db = open_database(portal_env)
    try:
        contacts = list_contacts(db, lena)
        gone = contacts[0]
        set_archived(db, lena, gone.id if hasattr(gone, "id") else gone["id"], True)
    finally:
        db.close()
    at = _app("pages/counselor_student.py", rivera)
    at.query_params["student"] = str(student12)
    at.run()
    picker = at.selectbox(key="counselor_student_contact")
    archived = [o for o in picker.options if o.endswith(" (archived)")]
    assert len(archived) == 1
    assert len(picker.options) == len(contacts)


def test_timeline_shows_edits_with_who_and_when(portal_env):
    from core.models import CommentCreate, CommentEdit
    from core.oversight.comments import add_comment, edit_comment

    rivera, student12 = _ids(portal_env, "counselor.rivera", "student12")
    db = open_database(portal_env)
    try:
        rivera_actor = Actor(rivera, Role.COUNSELOR)
        cid = add_comment(db, rivera_actor, student12, CommentCreate(subject_type="student", subject_id=student12,
                                                                     body="Draft"))
        edit_comment(db, rivera_actor, cid, CommentEdit(body="Final"))
    finally:
        db.close()
    at = _app("pages/counselor_student.py", rivera, counselor_student_edits_only=True)
    at.query_params["student"] = str(student12)
    at.run()
    assert not at.exception
    table = [d.value for d in at.dataframe if "What" in d.value.columns][0]
    assert list(table["What"]) == ["✏️ edited a comment"]
    assert table["Who"][0].endswith("Rivera")
    assert table["When"][0]


def test_the_student_sees_the_counselors_edit_marked_edited_and_not_a_withdrawn_comment(portal_env):
    from core.models import CommentCreate, CommentEdit
    from core.oversight.comments import add_comment, edit_comment, withdraw_comment

    rivera, student12 = _ids(portal_env, "counselor.rivera", "student12")
    counselor = Actor(rivera, Role.COUNSELOR)
    db = open_database(portal_env)
    try:
        kept = add_comment(db, counselor, student12, CommentCreate(subject_type="student", subject_id=student12,
                                                                  body="Call the clinic Monday"))
        edit_comment(db, counselor, kept, CommentEdit(body="Call the clinic Tuesday"))
        gone = add_comment(db, counselor, student12, CommentCreate(subject_type="student", subject_id=student12,
                                                                  body="Posted on the wrong student"))
        withdraw_comment(db, counselor, gone)
    finally:
        db.close()
    at = _app("pages/student_home.py", student12).run()
    assert not at.exception
    shown = _texts(at)
    assert "Call the clinic Tuesday" in shown and "Call the clinic Monday" not in shown
    assert "Posted on the wrong student" not in shown
    assert any(c.value.removeprefix(":green-badge[New] ").startswith("Dana Rivera") and "· edited " in c.value
               for c in at.caption)
    # The student cannot edit or withdraw the counselor's words.
    assert not [b for b in at.button if b.label in ("Edit", "Withdraw") and "comment" in (b.key or "")]


def test_the_cockpit_opens_on_who_needs_the_counselor_most_urgent_first(portal_env):
    (rivera,) = _ids(portal_env, "counselor.rivera")
    at = _app("pages/counselor_home.py", rivera).run()
    needs = [m.value for m in at.markdown if "-badge[" in m.value]
    assert needs and needs[0].startswith(":red-badge[Overdue thank-you]") and "Gabriel Sato" in needs[0]
    # Each "Open" says whom it opens: read aloud one after another they are not six "Open"s.
    opens = [b.label for b in at.button if b.key.startswith("counselor_home_needs_")]
    assert opens[0] == "Open Gabriel Sato" and len(set(opens)) == len(opens) == 6


def test_the_filters_come_from_the_address_and_go_back_to_it(portal_env):
    (rivera,) = _ids(portal_env, "counselor.rivera")
    at = _app("pages/counselor_home.py", rivera)
    at.query_params["flags"] = "stalled"
    at.query_params["q"] = "farouk"
    at.run()
    assert list(at.dataframe[0].value["Student"]) == ["Lena Farouk"]
    assert at.text_input(key="counselor_home_search").value == "farouk"
    at.text_input(key="counselor_home_search").set_value("").run()
    assert "q" not in at.query_params and at.query_params["flags"] == "stalled"


def test_a_nudge_reaches_every_student_shown(portal_env):
    from core.oversight.comments import list_comments

    (rivera,) = _ids(portal_env, "counselor.rivera")
    at = _app("pages/counselor_home.py", rivera, counselor_home_flags=["stalled"]).run()
    shown = list(at.dataframe[0].value["student_id"])
    assert len(shown) == 2
    at.checkbox(key=next(c.key for c in at.checkbox if c.key.endswith("_sure"))).check().run()
    at.button(key="counselor_home_nudge_send").click().run()
    assert not at.exception and at.success[0].value.startswith("Nudged 2 students")
    db = open_database(portal_env)
    try:
        from core.identity.accounts import load_actor

        for student_id in shown:
            student = load_actor(db, int(student_id))
            assert any(c["body"].startswith(f"Checking in, {student.name.split()[0]}: ") and c["author_id"] == rivera
                       for c in list_comments(db, student, int(student_id)))
    finally:
        db.close()


def test_the_nudge_is_for_the_students_the_filter_shows(portal_env):
    (rivera,) = _ids(portal_env, "counselor.rivera")
    at = _app("pages/counselor_home.py", rivera).run()
    template = at.selectbox(key="counselor_home_nudge_template")
    assert (template.value, template.options) == ("everyone", ["For: Every student shown"])
    # The counselor filters to the students off track: the nudge is for them, and names their goals.
    at.button_group(key="counselor_home_flags").set_value(["off_track"]).run()
    template = at.selectbox(key="counselor_home_nudge_template")
    assert (template.value, template.options) == ("off_track", ["For: Off track", "For: Every student shown"])
    shown = len(at.dataframe[0].value)
    assert any(c.label == f"Send it to these {shown} students" for c in at.checkbox)
    [preview] = [t.value for t in at.text if t.value.startswith("Hi ")]
    assert " you are behind on " in preview and "of the cohort's goals: " in preview and "{" not in preview
    # A check-in for everyone, then the filter changes: the template follows the filter again.
    template.set_value("everyone").run()
    at.button_group(key="counselor_home_flags").set_value(["stalled", "off_track"]).run()
    assert at.selectbox(key="counselor_home_nudge_template").value == "stalled"
    at.button_group(key="counselor_home_flags").set_value([]).run()
    assert at.selectbox(key="counselor_home_nudge_template").value == "everyone"
    assert not at.exception


def test_the_career_office_compares_cohorts_and_downloads_the_comparison(portal_env):
    (admin,) = _ids(portal_env, "admin")
    at = _app("pages/counselor_home.py", admin, counselor_home_cohort=-1).run()
    table = at.dataframe[0].value
    assert len(table) == 2 and "Cohort" in table.columns
    for heading in ("First meeting held %", "Thank-yous on time %", "Median days target to interview", "Stalled %"):
        assert heading in table.columns
    assert [b.label for b in at.get("link_button")] == ["Download the comparison (CSV)"]
    made = _open_link(at, "Download the comparison (CSV)")
    assert made.read_bytes().decode("utf-8-sig").count("\r\n") == 3  # the header and two cohorts
    recorded = _disclosures(portal_env)
    assert [(d["kind"], d["row_count"], d["outside"]) for d in recorded] == [("comparison", 2, False)]


def _open_link(at: AppTest, label: str) -> Path:
    """Open a download link as the browser that drew it would (tests/apptest_utils.py); the file's path."""
    return open_download(at, label).parts[0]


def _disclosures(path) -> list[dict]:
    from core.admin.disclosures import list_disclosures
    from core.identity.access import SYSTEM

    db = open_database(path)
    try:
        return list_disclosures(db, SYSTEM)
    finally:
        db.close()


def test_an_export_for_someone_outside_asks_why_first_and_records_it(portal_env):
    rivera, student12 = _ids(portal_env, "counselor.rivera", "student12")
    at = _app("pages/counselor_home.py", rivera, counselor_home_tabs="Export CSV").run()
    assert _download_links(at) == 3
    at.radio(key="counselor_home_download_disclosure_outside").set_value(True).run()
    assert _download_links(at) == 0  # no file for someone outside without a purpose
    assert "needs a purpose" in at.info[0].value
    at.text_input(key="counselor_home_download_disclosure_purpose").input("Alumni survey, by the dean").run()
    assert not at.exception and _download_links(at) == 3
    _open_link(at, "Cohort progress (one row per student)")
    (recorded,) = _disclosures(portal_env)
    assert (recorded["kind"], recorded["actor_id"], recorded["outside"], recorded["purpose"]) == (
        "progress", rivera, True, "Alumni survey, by the dean")
    assert recorded["row_count"] > 0


def test_a_students_reply_is_new_on_their_page_until_the_counselor_has_read_it(portal_env):
    from datetime import timedelta

    from core.clock import utcnow
    from core.identity.accounts import load_actor
    from core.models import CommentCreate
    from core.oversight.cockpit import unread_replies
    from core.oversight.comments import add_comment

    (rivera, lena) = _ids(portal_env, "counselor.rivera", "student12")
    db = open_database(portal_env)
    try:
        counselor, student = load_actor(db, rivera), load_actor(db, lena)
        add_comment(db, counselor, lena, CommentCreate(subject_type="student", subject_id=lena,
                                                       body="How is it going?"),
                    now=utcnow() - timedelta(minutes=5))
        add_comment(db, student, lena, CommentCreate(subject_type="student", subject_id=lena, body="Slowly, sorry!"))
        assert unread_replies(db, counselor).get(lena) == 1
    finally:
        db.close()
    at = _app("pages/counselor_student.py", rivera)
    at.query_params["student"] = str(lena)
    at.run()
    assert not at.exception
    assert any(c.value.startswith(":green-badge[New] Lena Farouk") for c in at.caption)
    db = open_database(portal_env)
    try:
        assert lena not in unread_replies(db, load_actor(db, rivera)), "opening the student reads the threads"
    finally:
        db.close()


def test_the_order_lives_in_the_address_and_urgency_comes_first(portal_env):
    (rivera,) = _ids(portal_env, "counselor.rivera")
    at = _app("pages/counselor_home.py", rivera).run()
    assert at.dataframe[0].value["Student"].iloc[0] == "Gabriel Sato"  # the overdue thank-you
    at.selectbox(key="counselor_home_sort").set_value("name").run()
    assert at.query_params["sort"] == "name"
    assert list(at.dataframe[0].value["Student"])[:2] == ["Amara Adeyemi", "Hana Brooks"]
    again = _app("pages/counselor_home.py", rivera)
    again.query_params["sort"] = "inactive"
    again.run()
    assert again.selectbox(key="counselor_home_sort").value == "inactive"
    assert again.dataframe[0].value["Student"].iloc[0] == "Amara Adeyemi"  # nothing done since joining
