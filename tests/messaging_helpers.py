"""What the messaging tests share: a Monday morning to start from, a contact, a request sent, a meeting, one
pass of the scheduled work, and an hour-by-hour walk that collects each email as it arrives."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.campaign import contacts, meetings, outreach
from core.messaging import mailer, reminders
from core.models import (
    Channel,
    ContactCreate,
    MeetingCreate,
    MeetingMode,
    OutreachCreate,
)

MON = datetime(2026, 3, 9, 12, 0)  # Monday 8:00 in New York (EDT, UTC-4)


def _contact(db, actor, first, org="County Health", at=MON):
    return contacts.create_contact(db, actor, ContactCreate(first_name=first, last_name="Lee", organization=org,
                                                            email=f"{first.lower()}@county.example"), now=at).id


def _request(db, actor, contact_id, at):
    mid = outreach.create_draft(db, actor, contact_id, OutreachCreate(channel=Channel.EMAIL, body="Twenty minutes?"),
                                now=at)
    outreach.mark_sent(db, actor, mid, channel=Channel.EMAIL, sent_at=at, now=at)
    return mid


def _schedule(db, actor, contact_id, starts_at):
    return meetings.schedule_meeting(db, actor, contact_id, MeetingCreate(
        starts_at_local=starts_at, timezone="UTC", mode=MeetingMode.VIDEO), now=MON)


def _run(db, settings, now):
    """One pass of the scheduled work at `now`: reminders, then email."""
    reminders.remind(db, now=now, settings=settings)
    mailer.send_pending(db, runner="test", now=now, settings=settings)


def _walk(db, settings, smtp, start, hours):
    """Run every hour; returns (hour, To, fact kind from the Message-ID) for each email as it arrives."""
    seen, out = 0, []
    for h in range(hours + 1):
        now = start + timedelta(hours=h)
        _run(db, settings, now)
        for message in smtp.messages[seen:]:
            out.append((now, message["To"], message["X-Portal-Fact"].split(":")[0]))
        seen = len(smtp.messages)
    return out
