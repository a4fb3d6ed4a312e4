"""Small helpers shared by the campaign tests: a contact of a student, a meeting held with it, and counts of
logged events and of rows."""

from datetime import datetime, timedelta

from core.campaign import contacts, meetings
from core.models import ContactCreate, MeetingCreate, MeetingLog, MeetingMode
from core.store.db import scalar
from tests.conftest import NOW


def _contact(world, actor=None, **extra):
    actor = actor or world.alice
    data = {"first_name": "Ana", "last_name": "Lee", "organization": "County Health", **extra}
    return contacts.create_contact(world.db, actor, ContactCreate(**data), now=NOW - timedelta(days=10)).id


def _events(world, action, entity_type):
    from core.store.db import scalar
    with world.db.cursor() as cur:
        return scalar(cur, "SELECT count(*) FROM events WHERE action = ? AND entity_type = ?", [action, entity_type])


def _held_meeting(world, cid: int) -> int:
    a, db = world.alice, world.db
    mid = meetings.schedule_meeting(db, a, cid, MeetingCreate(
        starts_at_local=datetime(2026, 3, 9, 10, 0), timezone="UTC", mode=MeetingMode.VIDEO),
        now=NOW - timedelta(days=3))
    meetings.log_meeting(db, a, mid, MeetingLog(insights="x"), held_at=datetime(2026, 3, 9, 10, 0), now=NOW)
    return mid


def _count(db, sql, params=()) -> int:
    with db.cursor() as cur:
        return scalar(cur, sql, list(params))


def _key_used(db, actor, key):
    """Whether the form key is recorded as having created something."""
    with db.cursor() as cur:
        return cur.execute("SELECT count(*) FROM form_submissions WHERE user_id = ? AND key = ?",
                           [actor.user_id, key]).fetchone()[0] == 1
