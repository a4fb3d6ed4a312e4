"""Every write of a campaign lands in the event log with who, whose, which cohort and what (core/store/events.py)."""

from datetime import timedelta

from core.campaign import contacts, research
from core.models import ContactCreate, ResearchUpdate
from core.store.db import rows
from tests.conftest import NOW


def test_every_write_lands_in_the_event_log(world):
    db, alice = world.db, world.alice
    c = contacts.create_contact(db, alice, ContactCreate(first_name="Rita"), now=NOW)
    research.save_research(db, alice, c.id, ResearchUpdate(about_person="10 years"), now=NOW + timedelta(hours=1))
    with db.cursor() as cur:
        found = rows(cur, """SELECT actor_id, student_id, cohort_id, contact_id, entity_type, action FROM events
                             WHERE contact_id = ? ORDER BY occurred_at""", [c.id])
    assert found == [
        {"actor_id": alice.user_id, "student_id": alice.user_id, "cohort_id": world.cohort_x, "contact_id": c.id,
         "entity_type": "contact", "action": "created"},
        {"actor_id": alice.user_id, "student_id": alice.user_id, "cohort_id": world.cohort_x, "contact_id": c.id,
         "entity_type": "research", "action": "saved"},
    ]
