"""Helpers of the student page tests on Targets and Research (AppTest over the demo database): the acting student, a
page run signed in, its text, the add form, and counts of what was written."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from core.campaign import contacts
from core.identity.accounts import user_id_for_username
from core.models import Actor, Role
from core.store.db import Database, open_database, scalar
from tests.apptest_utils import sign_in_state

ROOT = Path(__file__).resolve().parents[2]


ADD = "FormSubmitter:student_targets_add_form_{}-Add target"


def _actor(path: Path, username: str) -> Actor:
    db = open_database(path)
    try:
        return Actor(user_id_for_username(db, username), Role.STUDENT)
    finally:
        db.close()


def _with_db(path: Path, fn):
    db = open_database(path)
    try:
        return fn(db)
    finally:
        db.close()


def _page(path: Path, page: str, username: str, *, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=60)
    sign_in_state(at, _actor(path, username).user_id)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at.run()


def _texts(at: AppTest) -> str:
    parts = []
    for kind in ("title", "subheader", "markdown", "text", "caption", "error", "warning", "info", "success"):
        parts.extend(str(e.value) for e in getattr(at, kind))
    return "\n".join(parts)


def _fill_add(at: AppTest, round_no: int, **values) -> None:
    for field, value in values.items():
        at.text_input(key=f"student_targets_add_{round_no}_{field}").input(value)


def _last_key(path: Path, entity_type: str) -> str:
    """The idempotency key the last create of this kind was made with."""
    def read(db: Database) -> str:
        with db.cursor() as cur:
            return scalar(cur, "SELECT key FROM form_submissions WHERE entity_type = ? ORDER BY created_at DESC "
                               "LIMIT 1", [entity_type])
    return _with_db(path, read)


def _count(path: Path, username: str, **extra) -> int:
    actor = _actor(path, username)
    return _with_db(path, lambda db: len(contacts.list_contacts(db, actor, include_archived=True, **extra)))
