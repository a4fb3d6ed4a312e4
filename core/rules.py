"""The timing rules of the method, in one place: thank-you windows and follow-up business days.

- A thank-you is due within the cohort's window after a meeting is held (default 48 hours;
  the seeds say 24 hours to two days). The view thank_you_status holds due_at per meeting.
- A request with no reply after N business days (cohort setting, default 3) earns one polite
  follow-up, or a try with a second person at the same organization.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

THANK_YOU_STATUS_SQL = "thank_you_status"


def add_business_days(start_utc: datetime, days: int, zone: str) -> datetime:
    """The moment `days` business days (Mon-Fri) after start, counted on the local calendar of zone.

    Weekend days are skipped; the time of day is kept. Returned as naive UTC.
    """
    local = start_utc.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(zone))
    added = 0
    while added < days:
        local = (local + timedelta(days=1))
        if local.weekday() < 5:
            added += 1
    # Re-anchor to the zone so a daylight-saving change keeps the wall-clock time.
    local = local.replace(tzinfo=None).replace(tzinfo=ZoneInfo(zone))
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def follow_up_due_at(sent_at_utc: datetime, business_days: int, zone: str) -> datetime:
    """When a request with no reply is due a follow-up."""
    return add_business_days(sent_at_utc, business_days, zone)


def thank_you_due_at(held_at_utc: datetime, window_hours: int) -> datetime:
    """When the thank-you for a meeting held at held_at is due."""
    return held_at_utc + timedelta(hours=window_hours)


def is_overdue(due_at: datetime, sent_at: datetime | None, now: datetime) -> bool:
    """Overdue: not sent and the due moment has passed (a note sent exactly at due_at is on time)."""
    return sent_at is None and now > due_at
