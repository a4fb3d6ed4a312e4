"""A form's key creates its record once, even when submits of the form race (core/store/idempotency.py)."""

from __future__ import annotations

import threading
from datetime import timedelta

from core.campaign import keep_in_touch, meetings, outreach, reflections, thanks
from core.campaign.contacts import list_contacts
from core.models import (
    Channel,
    ContactCreate,
    FollowUpCreate,
    FollowUpKind,
    MeetingCreate,
    MeetingMode,
    OutreachCreate,
    ReflectionCreate,
    ThankYouCreate,
)
from core.store.db import Database
from core.store.idempotency import create_once
from tests.campaign_helpers import _contact, _count, _held_meeting, _key_used
from tests.conftest import NOW


def test_a_form_key_creates_once_even_when_submits_race(tmp_path, world):
    db = Database(tmp_path / "race.duckdb")
    from core.store.migrate import apply_migrations

    apply_migrations(db)
    from core.models import Role
    from tests.conftest import make_user

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
    assert _key_used(db, student, "form-1")
    # A new render of the form (a new key) creates again.
    create_once(db, student, "form-2", "contact", work)
    assert len(list_contacts(db, student)) == 2
    db.close()


# ---------------------------------------------------------------- 5. creates once per form render

def test_each_pipeline_create_runs_once_per_key(world):
    a, db = world.alice, world.db
    cid = _contact(world)
    draft = OutreachCreate(channel=Channel.EMAIL, body="Hello")
    assert outreach.create_draft(db, a, cid, draft, idempotency_key="o") == outreach.create_draft(
        db, a, cid, draft, idempotency_key="o")
    when = MeetingCreate(starts_at_local=NOW + timedelta(days=1), timezone="UTC", mode=MeetingMode.PHONE)
    assert meetings.schedule_meeting(db, a, cid, when, idempotency_key="m", now=NOW) == meetings.schedule_meeting(
        db, a, cid, when, idempotency_key="m", now=NOW)
    follow = FollowUpCreate(kind=FollowUpKind.NEWS, body="news")
    assert keep_in_touch.add_follow_up(db, a, cid, follow, sent_at=NOW, idempotency_key="f") == \
        keep_in_touch.add_follow_up(db, a, cid, follow, sent_at=NOW, idempotency_key="f")
    mid = _held_meeting(world, cid)
    ty = ThankYouCreate(body="thanks")
    assert thanks.save_thank_you(db, a, cid, ty, meeting_id=mid, send=True, expected_version=0,
                                 idempotency_key="t") == \
        thanks.save_thank_you(db, a, cid, ty, meeting_id=mid, send=True, expected_version=0, idempotency_key="t")
    refl = ReflectionCreate(feelings="ok")
    assert reflections.save_reflection(db, a, mid, refl, expected_version=0, idempotency_key="r") == \
        reflections.save_reflection(db, a, mid, refl, expected_version=0, idempotency_key="r")
    assert _count(db, "SELECT count(*) FROM outreach_messages WHERE contact_id = ?", [cid]) == 1
    assert _count(db, "SELECT count(*) FROM meetings WHERE contact_id = ?", [cid]) == 2  # one scheduled + _held_meeting
    assert _count(db, "SELECT count(*) FROM follow_ups WHERE contact_id = ?", [cid]) == 1
    assert _count(db, "SELECT count(*) FROM thank_yous WHERE contact_id = ?", [cid]) == 1
    assert _count(db, "SELECT count(*) FROM reflections WHERE contact_id = ?", [cid]) == 1
