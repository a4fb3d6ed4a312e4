"""The timing rules of the method, and their defaults: the one place each is defined.

- A thank-you is due within the cohort's window after a meeting is held (THANK_YOU_WINDOW_HOURS,
  48 hours by default; the seeds say 24 hours to two days): core.rules.facts.THANK_STATUS defines
  due, sent and overdue from it.
- A student with no action of their own for the cohort's STALLED_AFTER_DAYS (14) is stalled
  (core.oversight.dashboard's flag).
- A request with no reply after the cohort's FOLLOW_UP_BUSINESS_DAYS (3) earns one polite
  follow-up, then a try with a second person at the same organization (follow_up_step, over the
  `waiting` facts of core.rules.facts.WAITING).

Each cohort keeps its own three settings (columns of `cohorts`); a new cohort starts with the
portal's settings (PORTAL_THANK_YOU_WINDOW_HOURS, PORTAL_STALLED_AFTER_DAYS,
PORTAL_FOLLOW_UP_BUSINESS_DAYS in core.config), whose defaults are the ones below. A student in no
cohort is held to these defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class TimingSetting:
    """A timing setting of the method: its default, and the range a cohort may set it to."""

    default: int
    low: int
    high: int


THANK_YOU_WINDOW_HOURS = TimingSetting(default=48, low=1, high=24 * 14)
STALLED_AFTER_DAYS = TimingSetting(default=14, low=1, high=365)
FOLLOW_UP_BUSINESS_DAYS = TimingSetting(default=3, low=1, high=30)


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


def follow_up_step(waiting: dict[str, Any], business_days: int, zone: str) -> tuple[str, datetime] | None:
    """What a request without an answer calls for, and from when: one polite follow-up after N business
    days, then a second person at the organization N business days after that follow-up (None: nothing).

    `waiting` is a row of core.rules.facts.WAITING."""
    if waiting["answered"] or waiting["meetings"] or waiting["request_at"] is None:
        return None
    if waiting["follow_up_at"] is None:
        return "follow_up", follow_up_due_at(waiting["request_at"], business_days, zone)
    return "second_person", follow_up_due_at(waiting["follow_up_at"], business_days, zone)
