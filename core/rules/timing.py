"""The timing rules of the method: follow-up business days here, thank-you windows in core/rules/facts.py.

- A thank-you is due within the cohort's window after a meeting is held (default 48 hours;
  the seeds say 24 hours to two days): core.rules.facts.THANK_STATUS defines due, sent and overdue.
- A request with no reply after N business days (cohort setting, default 3) earns one polite
  follow-up, or a try with a second person at the same organization.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

# The one date a meeting shows: when it was held once it was, else when it is scheduled.
def shown_at_sql(alias: str = "") -> str:
    """SQL for a meeting's one shown date; alias names the meetings table in the query ("m")."""
    p = f"{alias}." if alias else ""
    return f"CASE WHEN {p}status = 'held' AND {p}held_at IS NOT NULL THEN {p}held_at ELSE {p}starts_at END"


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
