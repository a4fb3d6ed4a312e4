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

# The latest reply recorded per contact (contact_id, outreach_reply): the stage badge shows
# "accepted" or "declined" beside "Outreach sent" from it, on every page.
LATEST_REPLY_SQL = """(SELECT contact_id, reply AS outreach_reply FROM (
    SELECT contact_id, reply, row_number() OVER (PARTITION BY contact_id ORDER BY replied_at DESC, id DESC) AS n
    FROM outreach_messages WHERE reply IS NOT NULL) latest_replies WHERE n = 1)"""

# The one date a meeting shows: when it was held once it was, else when it is scheduled.
def shown_at_sql(alias: str = "") -> str:
    """SQL for a meeting's one shown date; alias names the meetings table in the query ("m")."""
    p = f"{alias}." if alias else ""
    return f"CASE WHEN {p}status = 'held' AND {p}held_at IS NOT NULL THEN {p}held_at ELSE {p}starts_at END"

# The current thank-you per meeting and kind: the sent one if any (the first sent), else the latest
# draft. A referrer thank-you is one per contact, whichever meeting it was drafted from. The
# student's Thank-you page and the counselor's timeline both read this.
CURRENT_THANK_YOUS_SQL = """(SELECT * EXCLUDE (n) FROM (
    SELECT t.*, row_number() OVER (
        PARTITION BY t.contact_id, t.kind, CASE WHEN t.kind = 'interview' THEN t.meeting_id END
        ORDER BY t.sent_at IS NULL, t.sent_at, t.updated_at DESC, t.id DESC) AS n
    FROM thank_yous t) ranked_thank_yous WHERE n = 1)"""


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
