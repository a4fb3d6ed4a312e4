"""Outreach messages: the reply recorded beside the outreach stage, draft edits version-checked and deletes recorded
(core/campaign/outreach.py)."""

from __future__ import annotations

import pytest

from core.campaign import contacts, outreach
from core.errors import StaleEdit
from core.models import Channel, OutreachCreate, Reply, stage_label
from core.oversight import timeline
from tests.campaign_helpers import _contact
from tests.conftest import NOW

# ---------------------------------------------------------------- 2. labels

def test_the_stage_names_the_reply_once_recorded(world):
    a, db = world.alice, world.db
    cid = _contact(world)
    mid = outreach.create_draft(db, a, cid, OutreachCreate(channel=Channel.EMAIL, body="Hello"), now=NOW)
    outreach.mark_sent(db, a, mid, channel=Channel.EMAIL, sent_at=NOW, now=NOW)
    c = contacts.get_contact(db, a, cid)
    assert stage_label(c.stage, c.outreach_reply) == "Outreach sent"
    outreach.record_reply(db, a, mid, Reply.ACCEPTED, now=NOW)
    c = contacts.get_contact(db, a, cid)
    assert stage_label(c.stage, c.outreach_reply) == "Outreach sent · accepted"
    [row] = [r for r in contacts.target_table(db, a) if r["id"] == cid]
    assert row["outreach_reply"] == "accepted"
    [cc] = [x for x in timeline.student_campaign(db, world.counselor_x, a.user_id)["contacts"] if x["id"] == cid]
    assert stage_label(cc["stage"], cc["outreach_reply"]) == "Outreach sent · accepted"


# ---------------------------------------------------------------- 4. edits, versions, the timeline

def test_outreach_draft_edit_is_version_checked_and_delete_is_recorded(world):
    a, db = world.alice, world.db
    cid = _contact(world)
    mid = outreach.create_draft(db, a, cid, OutreachCreate(channel=Channel.EMAIL, body="v1"), now=NOW)
    outreach.update_draft(db, a, mid, OutreachCreate(channel=Channel.EMAIL, body="v2"), expected_version=1, now=NOW)
    with pytest.raises(StaleEdit) as refused:
        outreach.update_draft(db, a, mid, OutreachCreate(channel=Channel.EMAIL, body="v3"), expected_version=1, now=NOW)
    assert refused.value.current["body"] == "v2"
    outreach.delete_draft(db, a, mid, now=NOW)
    assert outreach.list_messages(db, a, cid) == []
    events = [(e["action"], e["entity_type"], e["is_edit"])
              for e in timeline.student_timeline(db, world.counselor_x, a.user_id) if e["entity_type"] == "outreach"]
    assert events == [("drafted", "outreach", False), ("edited", "outreach", True), ("deleted", "outreach", False)]
