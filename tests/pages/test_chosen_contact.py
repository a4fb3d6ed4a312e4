"""The chosen contact follows the student from page to page (AppTest): the person a link names, on Targets
or any other campaign page, is the one Research, Outreach and the rest open on; a person picked on a page
becomes the chosen one everywhere; a page listing only some people leaves the choice alone."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from core.campaign import contacts
from tests.apptest_utils import ROOT, sign_in_state
from tests.pages.student_page_helpers import _actor, _with_db


def _people(path, username: str) -> dict[str, int]:
    actor = _actor(path, username)
    return _with_db(path, lambda db: {f"{c['first_name']} {c['last_name']}": c["id"]
                                      for c in contacts.list_contacts(db, actor)})


def _portal(path, username: str) -> AppTest:
    """The whole portal (app.py) signed in as a demo user, so pages share one session as in a browser."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    sign_in_state(at, _actor(path, username).user_id)
    return at.run()


def _open(at: AppTest, page: str, contact: int | None = None) -> AppTest:
    """Open a page as the sidebar does (without the last page's address), or as a link naming a person."""
    at.query_params.pop("contact", None)
    if contact is not None:
        at.query_params["contact"] = str(contact)
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def test_a_person_a_link_opens_on_targets_is_the_one_research_and_outreach_open_on(portal_env):
    people = _people(portal_env, "student12")
    chosen = list(people.values())[-1]  # not the first of the list, where a page opens by default
    at = _open(_portal(portal_env, "student12"), "student_targets", chosen)  # as the to-do's "Open Targets for"
    for page in ("student_research", "student_outreach", "student_meetings", "student_keep_in_touch"):
        _open(at, page)
        assert at.selectbox(key=f"{page}_contact").value == chosen, page


def test_a_pick_on_any_page_is_the_chosen_one_and_a_page_of_some_people_leaves_it(portal_env):
    people = _people(portal_env, "student07")  # one person met (Thank-yous lists only them), three others
    at = _open(_portal(portal_env, "student07"), "student_research")
    first = at.selectbox(key="student_research_contact").value
    picked = next(cid for cid in people.values() if cid != first)
    at.selectbox(key="student_research_contact").select(picked).run()
    assert at.query_params["contact"] == str(picked)  # a reload keeps the person
    _open(at, "student_thank_you")
    met = at.selectbox(key="student_thank_you_contact")
    assert met.options and met.value != picked  # not met: Thank-yous shows whom it lists
    _open(at, "student_outreach")
    assert at.selectbox(key="student_outreach_contact").value == picked
    # A link naming someone else (the to-do's "Write to ...") opens on them, and they become the chosen one.
    other = next(cid for cid in people.values() if cid not in (first, picked))
    _open(at, "student_outreach", other)
    assert at.selectbox(key="student_outreach_contact").value == other
    _open(at, "student_research")
    assert at.selectbox(key="student_research_contact").value == other
