"""The student's home page (AppTest): the student's own name is inert text in the title; the to-do list names
the next step at every stage (never "nothing waiting" while something is), and shows five items with the rest
under "N more"."""

from __future__ import annotations

from core.campaign import contacts
from core.models import ContactCreate
from core.store.db import Database
from tests.pages.student_page_helpers import _actor, _page, _texts, _with_db


def test_the_students_own_name_is_inert_in_the_home_title(portal_env):
    actor = _actor(portal_env, "student01")

    def rename(db: Database) -> None:
        with db.cursor() as cur:
            cur.execute("UPDATE users SET first_name = ? WHERE id = ?",
                        ["![x](http://evil.example/x.png)", actor.user_id])
    _with_db(portal_env, rename)
    at = _page(portal_env, "student_home", "student01")
    assert not at.exception
    title = at.title[0].value
    assert "](http" not in title and "http://evil.example" not in title and title.startswith("Hello, ")


def _names_by_stage(path, username: str) -> dict[str, list[str]]:
    def read(db: Database) -> dict[str, list[str]]:
        with db.cursor() as cur:
            found = cur.execute("""SELECT p.stage, c.first_name || ' ' || c.last_name FROM contact_progress p
                                   JOIN contacts c ON c.id = p.contact_id JOIN users u ON u.id = c.student_id
                                   WHERE u.username = ? AND c.archived_at IS NULL""", [username]).fetchall()
        out: dict[str, list[str]] = {}
        for stage, name in found:
            out.setdefault(stage, []).append(name)
        return out
    return _with_db(path, read)


def test_a_stalled_student_is_shown_her_next_steps_never_nothing_waiting(portal_env):
    # student12: two people researched and never written to, and a no five weeks old.
    names = _names_by_stage(portal_env, "student12")
    assert len(names["research"]) == 2 and len(names["outreach"]) == 1
    at = _page(portal_env, "student_home", "student12")
    assert not at.exception
    shown = _texts(at).replace("\\", "")  # as read: without markdown's escapes
    assert "Nothing waiting" not in shown
    for name in names["research"]:
        assert f"Write to {name}" in shown
        assert f"Open Outreach for {name}" in shown  # the link to page and person (a caption outside navigation)
    assert "They said no: try another person at the organization, or ask them who else to talk to" in shown
    assert names["outreach"][0] in shown and f"Open Targets for {names['outreach'][0]}" in shown
    # Behind the cohort's pace on interviews: the step that moves it says so.
    assert "Behind your cohort's pace on interviews held: 0 so far" in shown


def test_the_first_five_to_dos_show_and_the_rest_open_under_n_more(portal_env):
    actor = _actor(portal_env, "student01")  # the demo's student without targets

    def add_people(db: Database) -> None:
        for n in range(7):
            contacts.create_contact(db, actor, ContactCreate(first_name=f"Person{n}", last_name="Lee"))
    _with_db(portal_env, add_people)
    at = _page(portal_env, "student_home", "student01")
    assert not at.exception
    cards = [m.value for m in at.markdown if "before you write" in m.value]
    assert len(cards) == 7 and "Nothing waiting" not in _texts(at)
    [more] = [e for e in at.expander if e.label.endswith("more to do")]
    assert more.label == "2 more to do"
    assert [m.value for m in more.markdown if "before you write" in m.value] == cards[5:]
