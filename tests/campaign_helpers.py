"""Small helpers shared by the campaign tests: a contact of a student, and how many events of a kind were logged."""

from datetime import timedelta

from core.campaign import contacts
from core.models import ContactCreate
from tests.conftest import NOW


def _contact(world, actor=None, **extra):
    actor = actor or world.alice
    data = {"first_name": "Ana", "last_name": "Lee", "organization": "County Health", **extra}
    return contacts.create_contact(world.db, actor, ContactCreate(**data), now=NOW - timedelta(days=10)).id


def _events(world, action, entity_type):
    from core.store.db import scalar
    with world.db.cursor() as cur:
        return scalar(cur, "SELECT count(*) FROM events WHERE action = ? AND entity_type = ?", [action, entity_type])
