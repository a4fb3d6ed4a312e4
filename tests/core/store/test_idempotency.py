"""A form's key creates its record once, even when submits of the form race (core/store/idempotency.py)."""

import threading

from core.campaign.contacts import list_contacts
from core.models import ContactCreate
from core.store.db import Database
from core.store.idempotency import create_once, was_used
from tests.conftest import NOW


def test_a_form_key_creates_once_even_when_submits_race(tmp_path, world):
    db = Database(tmp_path / "race.duckdb")
    from core.store.migrate import apply_migrations

    apply_migrations(db)
    from tests.conftest import make_user
    from core.models import Role

    student = make_user(db, "racer", Role.STUDENT)
    data = ContactCreate(first_name="Ada", last_name="Lovelace", organization="Engines Ltd")

    def work(cur):
        from core.campaign.contacts import insert_contact

        return insert_contact(cur, student, data, now=NOW)

    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(create_once(db, student, "form-1", "contact", work)))
               for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 6 and len(set(results)) == 1
    assert len(list_contacts(db, student)) == 1
    assert was_used(db, student, "form-1")
    # A new render of the form (a new key) creates again.
    create_once(db, student, "form-2", "contact", work)
    assert len(list_contacts(db, student)) == 2
    db.close()
