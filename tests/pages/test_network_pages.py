"""The network pages as people use them (AppTest): a student's volunteer directory and the notice on a target
many classmates asked; the career office's directory, its stats and the most-asked people with caps."""

from __future__ import annotations

import pytest

from core.campaign.contacts import create_contact, list_focus_occupations
from core.identity.accounts import load_actor
from core.models import ContactCreate
from core.network import volunteers
from core.store.db import get_database, rows, scalar
from tests.apptest_utils import demo_user_id, refused, run_page, texts

PAGES = {
    "pages/student_volunteers.py": {"student07"},
    "pages/admin_volunteers.py": {"admin"},
}


@pytest.mark.parametrize("page", sorted(PAGES))
@pytest.mark.parametrize("username", ["student07", "counselor.rivera", "admin"])
def test_each_page_opens_for_its_role_and_is_refused_to_others(portal_env, page, username):
    at = run_page(page, portal_env, username)
    assert not at.exception
    assert refused(at) != (username in PAGES[page])


def test_a_student_finds_a_volunteer_in_a_focus_occupation_and_adds_them(portal_env):
    db = get_database(portal_env)
    student = load_actor(db, demo_user_id(portal_env, "student07"))
    focus = {o["name"] for o in list_focus_occupations(db, student, student.user_id)}
    at = run_page("pages/student_volunteers.py", portal_env, "student07")
    shown = texts(at)
    from seeds.demo import VOLUNTEERS
    for first, last, _org, _title, occupation, *_ in VOLUNTEERS:
        assert (f"{first} {last}" in shown) == (occupation in focus), (first, occupation, focus)

    at.toggle(key="student_volunteers_focus").set_value(False).run()
    assert "Every conversation offered this term is taken." in texts(at)  # Leo, who offered none, is full
    grace = volunteers.directory(db, student, focus_only=False)
    first = next(v for v in grace if not v["is_full"] and v["my_contact_id"] is None)
    at.button(key=f"student_volunteers_add_{first['id']}").click().run()
    assert not at.exception
    assert f"Added {first['first_name']} {first['last_name']} to your targets" in texts(at)
    with db.cursor() as cur:
        contact_id = scalar(cur, "SELECT contact_id FROM volunteer_requests WHERE student_id = ? AND volunteer_id = ?",
                            [student.user_id, first["id"]])
        drafts = rows(cur, "SELECT body FROM outreach_messages WHERE contact_id = ?", [contact_id])
    assert len(drafts) == 1 and "I found your name through our career office" in drafts[0]["body"]
    # In the directory they now show as in the student's targets, with no second Add button.
    at.run()
    assert not [b for b in at.button if b.key == f"student_volunteers_add_{first['id']}"]


def test_a_target_classmates_already_asked_shows_how_many_never_who(portal_env):
    db = get_database(portal_env)
    student = load_actor(db, demo_user_id(portal_env, "student07"))
    mine = create_contact(db, student, ContactCreate(first_name="Imani", last_name="Cole", organization="Harbor Clinic",
                                                     email="imani.cole@harbor.example"))
    for username in ("student08", "student15"):
        other = load_actor(db, demo_user_id(portal_env, username))
        create_contact(db, other, ContactCreate(first_name="I.", last_name="Cole", organization="Harbor",
                                                email="Imani.Cole@harbor.example"))
    at = run_page("pages/student_targets.py", portal_env, None)
    from tests.apptest_utils import sign_in_state
    at.query_params["contact"] = str(mine.id)
    sign_in_state(at, student.user_id).run()
    warnings = [str(w.value) for w in at.warning]
    assert any(w.startswith("2 other students at your institution already reached out") for w in warnings), warnings
    page = texts(at)
    for name in ("student08", "student15"):
        assert name not in page


def test_the_career_office_sees_requests_and_caps_the_most_asked(portal_env):
    db = get_database(portal_env)
    for username in ("student07", "student08", "student15"):
        actor = load_actor(db, demo_user_id(portal_env, username))
        create_contact(db, actor, ContactCreate(first_name="Ravi", last_name="Shah", organization="Northwind",
                                                email="ravi@northwind.example"), allow_duplicate=True)
    at = run_page("pages/admin_volunteers.py", portal_env, "admin")
    assert not at.exception
    directory = at.dataframe[0].value
    assert len(directory) == 8 and set(directory["Status"]) >= {"taking requests", "full this term"}
    people = at.dataframe[1].value
    assert "Ravi Shah" in list(people["Person"])
    at.selectbox(key="admin_volunteers_cap_pick").select(
        next(o for o in at.selectbox(key="admin_volunteers_cap_pick").options if o.startswith("Ravi Shah")))
    at.number_input(key="admin_volunteers_cap_n").set_value(2)
    at.button(key="FormSubmitter:admin_volunteers_cap_form-Set this cap").click().run()
    assert not at.exception
    student = load_actor(db, demo_user_id(portal_env, "student09"))
    demand = volunteers.demand_for_new(db, student, ContactCreate(first_name="Ravi", last_name="Shah",
                                                               organization="Northwind",
                                                               email="ravi@northwind.example"))
    assert demand.other_students == 3 and demand.capped


def test_pausing_a_volunteer_hides_them_from_students(portal_env):
    db = get_database(portal_env)
    at = run_page("pages/admin_volunteers.py", portal_env, "admin")
    label = at.selectbox(key="admin_volunteers_pick").value
    vid = next(v["id"] for v in volunteers.volunteer_report(db, load_actor(db, demo_user_id(portal_env, "admin")))
               if label.endswith(v["email"]))
    at.button(key=f"admin_volunteers_pause_{vid}").click().run()
    assert not at.exception
    student = load_actor(db, demo_user_id(portal_env, "student07"))
    assert vid not in {v["id"] for v in volunteers.directory(db, student, focus_only=False)}


def test_where_next_shows_each_occupation_and_who_next(portal_env):
    at = run_page("pages/student_direction.py", portal_env, "student09")  # the demo's "reflected" student
    assert not at.exception
    held = [m for m in at.metric if m.label == "Conversations held"]
    assert held and sum(int(m.value) for m in held) >= 1
    charts = at.get("vega_lite_chart")
    assert len(charts) == 1 and "Average fit" in charts[0].proto.spec  # the fit per occupation, as a chart
    assert "Who next" in [h.value for h in at.header]
    for username in ("counselor.rivera", "admin"):
        assert refused(run_page("pages/student_direction.py", portal_env, username))


def test_the_counselor_sees_what_the_conversations_say_without_private_ratings(portal_env):
    from streamlit.testing.v1 import AppTest

    from tests.apptest_utils import ROOT, sign_in_state

    def counselor_view(username: str):
        at = AppTest.from_file(str(ROOT / "pages/counselor_student.py"), default_timeout=60)
        at.query_params["student"] = str(demo_user_id(portal_env, username))
        sign_in_state(at, demo_user_id(portal_env, "counselor.rivera")).run()
        assert not at.exception
        assert "What the conversations say" in [s.value for s in at.subheader]
        return next(d.value for d in at.dataframe if "Occupation" in d.value.columns)

    shared = counselor_view("student09")  # reflections shared with the counselor
    assert shared["Rated"].sum() >= 1
    private = counselor_view("student10")  # the demo's keep-in-touch student keeps reflections private
    assert private["Rated"].sum() == 0 and private["Held"].sum() >= 1
    own = run_page("pages/student_direction.py", portal_env, "student10")
    assert sum(int(m.value) for m in own.metric if m.label == "Rated") >= 1  # the student sees their own


def test_a_capacity_below_zero_gets_its_own_message_not_the_formula_one(portal_env):
    at = run_page("pages/admin_volunteers.py", portal_env, "admin")
    field = at.number_input(key="admin_volunteers_add_0_capacity")
    assert field.min == 0 and field.help.startswith("Capacity is a whole number of 0 or more")
    at.file_uploader(key="admin_volunteers_file").set_value((
        "volunteers.csv", b"first_name,last_name,email,capacity_per_term\nIda,Moss,ida@example.org,-1\n",
        "text/csv")).run()
    assert not at.exception
    preview = next(d.value for d in at.dataframe if "Why / what changes" in d.value.columns)
    assert list(preview["Why / what changes"]) == ["Capacity is a whole number of 0 or more, not '-1'"]
    assert "formula" not in texts(at)
