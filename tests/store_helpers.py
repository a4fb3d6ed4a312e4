"""Helpers shared by the tests that move a portal between stores (transfer, backup, commands): a portal with
a few records, and a fingerprint of every table."""

from core.campaign.contacts import create_contact
from core.models import ContactCreate
from core.store.db import Database
from core.store.transfer import checksum, columns, tables
from tests.conftest import NOW, World


def _portal_with_records(db: Database) -> World:
    world = World(db)
    for first in ("Ana", "Ben"):
        create_contact(db, world.alice, ContactCreate(first_name=first, last_name="Lee", organization="County"),
                       now=NOW)
    return world


def _fingerprint(db) -> dict[str, tuple[int, str]]:
    with db.cursor() as cur:
        return {t: checksum(cur, t, [n for n, _ in columns(cur, t)])
                for t in tables(cur) if t != "schema_migrations"}
