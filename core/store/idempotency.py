"""Creates that happen once per form render: a double click or a resent request makes nothing twice.

The page draws each create form with a fresh key (ui.forms.form_key) and passes it to the core
function, which creates through `create_once`. The key is recorded in the same transaction as
the record; a second submit with the same key returns the first record's id instead.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from core.clock import utcnow
from core.models import Actor
from core.store import dialect
from core.store.db import Cursor, Database, scalar
from core.store.events import require_active

MAX_KEY_LENGTH = 100


def _existing(cur: Cursor, actor: Actor, key: str) -> int | None:
    return scalar(cur, "SELECT entity_id FROM form_submissions WHERE user_id = ? AND key = ?", [actor.user_id, key])


def create_once(db: Database, actor: Actor, key: str | None, entity_type: str,
                work: Callable[[Cursor], int], *, now: datetime | None = None) -> int:
    """Run work(cursor) -> new id in one transaction, unless this key already created something.

    Without a key (scripts, imports, seeding) it simply runs the work.
    """
    if key is None:
        return db.transaction(work)
    key = str(key)[:MAX_KEY_LENGTH]
    now = now or utcnow()

    def tx(cur: Cursor) -> int:
        require_active(cur, actor)  # a deactivated account learns no earlier id and writes no key
        existing = _existing(cur, actor, key)
        if existing is not None:
            return existing
        new_id = work(cur)
        cur.execute(
            "INSERT INTO form_submissions (user_id, key, entity_type, entity_id, created_at) VALUES (?, ?, ?, ?, ?)",
            [actor.user_id, key, entity_type, new_id, now])
        return new_id

    try:
        return db.transaction(tx)
    except dialect.CONSTRAINT_ERRORS:
        # Two submits raced past the check: the loser's key insert collides; the winner's record stands.
        # (PostgreSQL runs the loser once more first, and it finds the winner's key itself.)
        with db.cursor() as cur:
            existing = _existing(cur, actor, key)
        if existing is None:
            raise
        return existing

