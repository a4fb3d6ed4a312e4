"""What counts as a student's activity, defined once: campaign work.

A student's last activity, and so "stalled" on the counselor's dashboard, the cockpit's newly stalled
students, the counselors' digests and the progress export, moves only when the student works on their
campaign: a target added or edited, research saved, outreach drafted or sent, a reply recorded, a meeting
scheduled or logged, a thank-you or keep-in-touch note, a reflection, an outcome. Signing in, reading
notifications or comments, and changing settings (password, notification choices) never count, nor does
a comment on an item: it talks about the work, it is not the work.

The rule is read from the event log: an event is campaign work when the student wrote it about their own
campaign (actor_id = student_id) and it is about one of CAMPAIGN_WORK's kinds of records, its action not
one of TALK. core.store.events.record keeps the latest such moment per student (table student_activity);
LATEST_CAMPAIGN_WORK rebuilds that table from the log with the same rule (the migration that changed the
rule runs it, and a test holds the migration to this module).
"""

from __future__ import annotations

CAMPAIGN_WORK: dict[str, str] = {
    "contact": "a target added, imported, edited, archived or restored, or named as a referral",
    "focus_occupation": "a focus occupation chosen or dropped",
    "research": "research notes saved",
    "question": "a question planned, edited, reordered or removed",
    "outreach": "outreach drafted, edited or sent, or its reply recorded",
    "meeting": "a meeting scheduled, moved, cancelled or logged",
    "thank_you": "a thank-you drafted or sent",
    "follow_up": "a keep-in-touch note planned or sent",
    "reflection": "a reflection written",
    "outcome": "an outcome recorded",
}
"""The kinds of records (the events' entity_type) whose writes are campaign work, with what each covers."""

TALK = ("commented",)
"""Actions on a campaign record that are talk about the work, not the work (a comment on an outreach)."""

MEANING = ("campaign work: a target added or edited, research, outreach drafted or sent, a reply recorded, "
           "a meeting scheduled or logged, a thank-you or keep-in-touch note, a reflection or an outcome; "
           "signing in, reading notifications and changing settings do not count")
"""What activity means, in the words pages and export descriptions use."""


def is_campaign_work(entity_type: str, action: str) -> bool:
    """Whether an event of this kind and action, written by the student about their own campaign, is campaign work."""
    return entity_type in CAMPAIGN_WORK and action not in TALK


def _listed(values) -> str:
    return ", ".join(f"'{v}'" for v in sorted(values))


CAMPAIGN_WORK_SQL = f"entity_type IN ({_listed(CAMPAIGN_WORK)}) AND action NOT IN ({_listed(TALK)})"
"""is_campaign_work as a condition on a row of the events table."""

LATEST_CAMPAIGN_WORK = f"""SELECT student_id, max(occurred_at) AS last_activity_at FROM events
WHERE student_id IS NOT NULL AND actor_id = student_id AND {CAMPAIGN_WORK_SQL}
GROUP BY student_id"""
"""Each student's latest campaign work, from the event log: what table student_activity keeps."""
