"""The student's home page (AppTest): the student's own name is inert text in the title."""

from __future__ import annotations

from core.store.db import Database
from tests.pages.student_page_helpers import _actor, _page, _with_db


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
