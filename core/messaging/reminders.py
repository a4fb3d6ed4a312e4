"""Which reminders are due, computed from the recorded facts at the moment of asking, and giving them.

Nothing here is a copy of a fact: a thank-you already sent, a reply recorded, a meeting cancelled
or a contact archived simply makes its reminder stop being due. The timing rules are the ones the
to-do list shows (core/rules/facts.py THANK_STATUS and WAITING, core/rules/timing.py follow_up_step), so a
reminder never disagrees with the student's Home.

Each reminder is about one fact and one due moment (`fact_key`). Giving it writes a notification
row, unique per person and fact_key, and (when the person takes that kind by email) an email in
the outbox, unique per address and fact_key: a rerun, a crash half-way or two runners at once give
each reminder once.

People's hours: a reminder planned at night (outside notify_from_hour..notify_until_hour in the
portal's time zone) goes at the next morning's first hour, unless that is after the moment it is
about; then it goes as planned (a late reminder beats a useless one). A reminder is given only
while what it is about is recent (HORIZON): a portal that turns reminders on, or a runner that was
stopped for a week, does not send about long-past facts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from core.clock import utcnow
from core.config import Settings, get_settings
from core.identity.access import SYSTEM, active_only, require_role, visible_students_sql
from core.messaging import mailer, notify
from core.models import Actor, Role
from core.oversight.cockpit import REASONS, needs_me
from core.rules import facts, timing
from core.store import dialect
from core.store.db import Cursor, Database, rows, rows_table

log = logging.getLogger(__name__)

HORIZON = timedelta(days=3)
"""How long after the moment it is about a reminder may still be given."""
THANK_YOU_LEAD = timedelta(hours=6)
"""How long before a thank-you window closes the student hears that it is due."""
MEETING_LEAD = timedelta(hours=24)
"""How long before a meeting the student hears about it."""
KEEP_IN_TOUCH_HOUR = 9
"""The local hour of the day a planned keep-in-touch note falls due."""

# The page each kind of comment subject is seen on, for the student (url paths).
COMMENT_PAGES = {
    "student": "student_home", "contact": "student_targets", "outreach": "student_outreach",
    "meeting": "student_meetings", "thank_you": "student_thank_you", "reflection": "student_reflection",
    "follow_up": "student_keep_in_touch", "outcome": "student_keep_in_touch",
}
_SUBJECT_CONTACT = {
    "outreach": "outreach_messages", "meeting": "meetings", "thank_you": "thank_yous",
    "reflection": "reflections", "follow_up": "follow_ups",
}


@dataclass(frozen=True)
class Due:
    """One reminder for one person about one fact and its due moment.

    `title`, `body` and `values` may hold people's own text (names, comments): text, never markup.
    """

    user_id: int
    kind: str
    fact_key: str
    title: str
    body: str
    page: str
    params: str
    send_at: datetime
    expires_at: datetime
    due_at: datetime | None = None
    meeting_id: int | None = None
    values: dict[str, str] = field(default_factory=dict)
    # When its email may go, if later than `send_at`: a comment shows on the bell at once, while its
    # email waits for people's hours. None: with the notification.
    email_at: datetime | None = None


def peoples_hours(planned: datetime, due: datetime | None, settings: Settings) -> datetime:
    """When a reminder planned for `planned` (naive UTC) goes: then, if within people's hours; else at
    the next morning's first hour, unless that is after `due`, when it goes as planned."""
    zone = ZoneInfo(settings.timezone)
    local = planned.replace(tzinfo=timezone.utc).astimezone(zone)
    start, end = settings.notify_from_hour, settings.notify_until_hour
    if start <= local.hour < end:
        return planned
    day = local.date() if local.hour < start else local.date() + timedelta(days=1)
    morning = datetime.combine(day, time(start), tzinfo=zone).astimezone(timezone.utc).replace(tzinfo=None)
    if due is not None and morning > due:
        return planned
    return morning


def _local_moment(day: date, hour: int, settings: Settings) -> datetime:
    zone = ZoneInfo(settings.timezone)
    return datetime.combine(day, time(hour), tzinfo=zone).astimezone(timezone.utc).replace(tzinfo=None)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M")


def _name(first: str | None, last: str | None) -> str:
    return f"{first or ''} {last or ''}".strip()


def _when(moment: datetime, settings: Settings) -> str:
    local = moment.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(settings.timezone))
    return local.strftime("%A %d %B at %H:%M").replace(" 0", " ")


# Students who receive reminders: active accounts, in no cohort or in one not archived.
_STUDENTS = """sc AS (
    SELECT u.id AS student_id FROM users u
    LEFT JOIN cohort_members m ON m.student_id = u.id
    LEFT JOIN cohorts c ON c.id = m.cohort_id
    WHERE u.role = 'student' AND u.active AND c.archived_at IS NULL {only})"""


def _scope(student_id: int | None) -> tuple[str, list[Any]]:
    if student_id is None:
        return _STUDENTS.format(only=""), []
    return _STUDENTS.format(only="AND u.id = ?"), [student_id]


@active_only
def due_reminders(db: Database, actor: Actor, *, now: datetime | None = None, student_id: int | None = None,
                  settings: Settings | None = None, include_digests: bool = True) -> list[Due]:
    """Every reminder due at `now` and not given yet, for the whole portal (the career office or the
    runner), or for one student's facts. Computed from the facts as they are at `now`."""
    require_role(actor, Role.ADMIN)
    now = now or utcnow()
    settings = settings or get_settings()
    found: list[Due] = []
    with db.cursor() as cur:
        found += _student_reminders(cur, now, student_id, settings)
        found += _replies_to_counselors(cur, now, student_id, settings)
        if student_id is None:
            found += _failures(cur, now, settings)
        given = _given(cur, now, [d.user_id for d in found])
    if include_digests and student_id is None:
        found += _digests(db, now, settings)
        with db.cursor() as cur:
            given |= _given(cur, now, [d.user_id for d in found if d.kind == "digest"])
    return [d for d in found if (d.user_id, d.fact_key) not in given and d.send_at <= now < d.expires_at]


def _given(cur: Cursor, now: datetime, user_ids: list[int]) -> set[tuple[int, str]]:
    """(person, fact_key) of the notifications already given that a due reminder could repeat."""
    if not user_ids:
        return set()
    return {(r["user_id"], r["fact_key"]) for r in rows(
        cur, """SELECT user_id, fact_key FROM notifications WHERE created_at >= ?
                AND user_id IN (SELECT unnest(CAST(? AS BIGINT[])))""",
        [now - HORIZON - MEETING_LEAD - timedelta(days=8), sorted(set(user_ids))])}


def _student_reminders(cur: Cursor, now: datetime, student_id: int | None, settings: Settings) -> list[Due]:
    scope, params = _scope(student_id)
    out: list[Due] = []
    lower = now - HORIZON

    # Thank-yous: due (a few hours before the window closes) and overdue (once, when it passes).
    for t in rows(cur, f"""
            WITH {facts.NOW}, {scope}{facts.ctes(facts.THANK_STATUS)}
            SELECT t.meeting_id, t.contact_id, t.student_id, t.held_at, t.due_at, c.first_name, c.last_name,
                   c.organization
            FROM thank_status t JOIN contacts c ON c.id = t.contact_id
            WHERE t.sent_at IS NULL AND t.archived_at IS NULL AND t.due_at >= ?""", [now, *params, lower]):
        who = _name(t["first_name"], t["last_name"])
        values = {"contact_first_name": t["first_name"] or "", "contact_last_name": t["last_name"] or "",
                  "organization": t["organization"] or "", "due": _when(t["due_at"], settings)}
        params_q = f"contact={t['contact_id']}"
        before = max(t["held_at"], t["due_at"] - THANK_YOU_LEAD)
        out.append(Due(t["student_id"], "thank_you_due", f"thank_you_due:m{t['meeting_id']}:{_stamp(t['due_at'])}",
                       f"Your thank-you to {who} is due", f"Send it before {values['due']}.",
                       "student_thank_you", params_q, peoples_hours(before, t["due_at"], settings), t["due_at"],
                       due_at=t["due_at"], values={**values, "moment": "due"}))
        out.append(Due(t["student_id"], "thank_you_due",
                       f"thank_you_overdue:m{t['meeting_id']}:{_stamp(t['due_at'])}",
                       f"Your thank-you to {who} is overdue",
                       "The window has passed, but a late thank-you still counts: send it today.",
                       "student_thank_you", params_q,
                       # Overdue once the moment has passed: a note sent exactly at it is on time.
                       peoples_hours(t["due_at"] + timedelta(minutes=1), None, settings),
                       t["due_at"] + HORIZON, due_at=t["due_at"], values={**values, "moment": "overdue"}))

    # Notes owed to whoever referred the student to someone they then met.
    for r in rows(cur, f"""
            WITH {facts.NOW}, {scope}{facts.ctes(facts.THANK_STATUS)}
            SELECT min(t.due_at) AS due_at, min(t.held_at) AS held_at, c.id AS contact_id, c.student_id,
                   c.first_name, c.last_name, c.organization, rc.first_name AS referrer_first_name,
                   rc.last_name AS referrer_last_name
            FROM thank_status t JOIN contacts c ON c.id = t.contact_id
            JOIN contacts rc ON rc.id = c.referred_by_contact_id AND rc.student_id = c.student_id
            WHERE c.archived_at IS NULL AND NOT EXISTS (
                SELECT 1 FROM thank_yous ty WHERE ty.contact_id = c.id AND ty.kind = 'referrer'
                AND ty.sent_at IS NOT NULL)
            GROUP BY c.id, c.student_id, c.first_name, c.last_name, c.organization, rc.first_name, rc.last_name
            HAVING min(t.due_at) >= ?""", [now, *params, lower]):
        referrer = _name(r["referrer_first_name"], r["referrer_last_name"])
        who = _name(r["first_name"], r["last_name"])
        planned = max(r["held_at"], r["due_at"] - THANK_YOU_LEAD)
        out.append(Due(r["student_id"], "referrer_note", f"referrer_note:c{r['contact_id']}",
                       f"Tell {referrer} how your meeting with {who} went",
                       f"{referrer} introduced you to {who}: a short note of thanks keeps that door open.",
                       "student_thank_you", f"contact={r['contact_id']}", peoples_hours(planned, r["due_at"], settings),
                       r["due_at"] + HORIZON, due_at=r["due_at"],
                       values={"contact_first_name": r["first_name"] or "", "contact_last_name": r["last_name"] or "",
                               "organization": r["organization"] or "", "referrer_name": referrer,
                               "due": _when(r["due_at"], settings)}))

    # Requests with no answer: one polite follow-up, then a second person at the organization.
    days_for = {r["student_id"]: r for r in rows(cur, f"""
        WITH {scope} SELECT sc.student_id, coalesce(c.follow_up_business_days, ?) AS days
        FROM sc LEFT JOIN cohort_members m ON m.student_id = sc.student_id LEFT JOIN cohorts c ON c.id = m.cohort_id
        WHERE EXISTS (SELECT 1 FROM outreach_messages o WHERE o.student_id = sc.student_id AND o.sent_at >= ?
                      AND o.reply IS NULL)""",
        [*params, timing.FOLLOW_UP_BUSINESS_DAYS.default, now - timedelta(days=40)])}
    if days_for:
        for w in rows(cur, f"""
                WITH sc AS (SELECT unnest(CAST(? AS BIGINT[])) AS student_id), {facts.WAITING}
                SELECT w.*, c.first_name, c.last_name, c.organization FROM waiting w
                JOIN contacts c ON c.id = w.contact_id WHERE c.archived_at IS NULL""", [sorted(days_for)]):
            step = timing.follow_up_step(w, int(days_for[w["student_id"]]["days"]), settings.timezone)
            if step is None or step[1] < lower or step[1] > now:
                continue
            kind, due = step
            who = _name(w["first_name"], w["last_name"])
            org = w["organization"] or "the organization"
            if kind == "follow_up":
                kind = "follow_up_due"
                title, body, page = (f"Time for one polite follow-up to {who}",
                                     "No answer yet to your request: one short, friendly follow-up is fair.",
                                     "student_outreach")
                key = f"follow_up_due:c{w['contact_id']}:{_stamp(w['request_at'])}"
            else:
                kind, title, body, page = ("second_person", f"Try a second person at {org}",
                                           f"{who} has not answered your follow-up either: ask someone else there.",
                                           "student_targets")
                key = f"second_person:c{w['contact_id']}:{_stamp(w['follow_up_at'])}"
            out.append(Due(w["student_id"], kind, key, title, body, page, f"contact={w['contact_id']}",
                           peoples_hours(due, None, settings), due + HORIZON, due_at=due,
                           values={"contact_first_name": w["first_name"] or "",
                                   "contact_last_name": w["last_name"] or "",
                                   "organization": w["organization"] or ""}))

    # Meetings tomorrow, with the calendar file and the planned questions in the email.
    for m in rows(cur, f"""
            WITH {scope}
            SELECT m.id, m.student_id, m.contact_id, m.starts_at, m.mode, m.location, c.first_name, c.last_name,
                   c.organization
            FROM meetings m JOIN contacts c ON c.id = m.contact_id
            WHERE m.student_id IN (SELECT student_id FROM sc) AND m.status = 'scheduled' AND c.archived_at IS NULL
              AND m.starts_at > ? AND m.starts_at <= ?""", [*params, now, now + MEETING_LEAD + timedelta(hours=12)]):
        who = _name(m["first_name"], m["last_name"])
        when = _when(m["starts_at"], settings)
        out.append(Due(m["student_id"], "meeting_tomorrow", f"meeting_tomorrow:m{m['id']}:{_stamp(m['starts_at'])}",
                       f"Your meeting with {who} is coming up", f"{when}. Look over the questions you planned.",
                       "student_meetings", f"contact={m['contact_id']}",
                       peoples_hours(m["starts_at"] - MEETING_LEAD, m["starts_at"], settings), m["starts_at"],
                       due_at=m["starts_at"], meeting_id=m["id"],
                       values={"contact_first_name": m["first_name"] or "", "contact_last_name": m["last_name"] or "",
                               "organization": m["organization"] or "", "due": when}))

    # Keep-in-touch notes the student planned for a day.
    for f in rows(cur, f"""
            WITH {scope}
            SELECT f.id, f.student_id, f.contact_id, f.due_on, c.first_name, c.last_name, c.organization
            FROM follow_ups f JOIN contacts c ON c.id = f.contact_id
            WHERE f.student_id IN (SELECT student_id FROM sc) AND f.sent_at IS NULL AND c.archived_at IS NULL
              AND f.due_on BETWEEN ? AND ?""",
            [*params, (lower - timedelta(days=1)).date(), now.date() + timedelta(days=1)]):
        moment = _local_moment(f["due_on"], KEEP_IN_TOUCH_HOUR, settings)
        who = _name(f["first_name"], f["last_name"])
        out.append(Due(f["student_id"], "keep_in_touch", f"keep_in_touch:f{f['id']}:{f['due_on'].isoformat()}",
                       f"Your keep-in-touch note to {who} is due today", "You planned it for today.",
                       "student_keep_in_touch", f"contact={f['contact_id']}", moment, moment + HORIZON, due_at=moment,
                       values={"contact_first_name": f["first_name"] or "", "contact_last_name": f["last_name"] or "",
                               "organization": f["organization"] or ""}))

    # Comments on the student's work by someone else (a counselor, or the career office).
    subject_contact = " ".join(
        f"WHEN '{kind}' THEN (SELECT s.contact_id FROM {table} s WHERE s.id = k.subject_id)"
        for kind, table in _SUBJECT_CONTACT.items())
    for k in rows(cur, f"""
            WITH {scope}
            SELECT k.id, k.student_id, k.subject_type, k.subject_id, k.body, k.created_at,
                   a.first_name, a.last_name,
                   CASE k.subject_type WHEN 'contact' THEN k.subject_id {subject_contact} ELSE NULL END AS contact_id
            FROM comments k JOIN users a ON a.id = k.author_id
            WHERE k.student_id IN (SELECT student_id FROM sc) AND k.author_id <> k.student_id
              AND k.deleted_at IS NULL AND k.created_at >= ?""", [*params, lower]):
        author = _name(k["first_name"], k["last_name"])
        out.append(Due(k["student_id"], "comment", f"comment:{k['id']}", f"{author} commented on your work",
                       _excerpt(k["body"]), COMMENT_PAGES[k["subject_type"]],
                       f"contact={k['contact_id']}" if k["contact_id"] else "",
                       k["created_at"], k["created_at"] + HORIZON,
                       values={"author_name": author, "comment": k["body"]},
                       email_at=peoples_hours(k["created_at"], None, settings)))
    return out


def _excerpt(text: str, limit: int = 200) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _replies_to_counselors(cur: Cursor, now: datetime, student_id: int | None, settings: Settings) -> list[Due]:
    """A student's comment in a thread a counselor (or the career office) wrote in earlier: to each of
    them who may still read the student's work, at once."""
    scope, params = _scope(student_id)
    out = []
    for k in rows(cur, f"""
            WITH {scope}
            SELECT DISTINCT k.id, k.student_id, k.body, k.created_at, mine.author_id AS counselor_id,
                   s.first_name, s.last_name
            FROM comments k
            JOIN comments mine ON mine.student_id = k.student_id AND mine.subject_type = k.subject_type
                 AND mine.subject_id = k.subject_id AND mine.author_id <> k.student_id AND mine.deleted_at IS NULL
                 AND mine.created_at < k.created_at
            JOIN users c ON c.id = mine.author_id AND c.active
            JOIN users s ON s.id = k.student_id
            WHERE k.student_id IN (SELECT student_id FROM sc) AND k.author_id = k.student_id
              AND k.deleted_at IS NULL AND k.created_at >= ?
              AND (c.role = 'admin' OR EXISTS (
                   SELECT 1 FROM cohort_members m JOIN cohort_counselors cc ON cc.cohort_id = m.cohort_id
                   WHERE m.student_id = k.student_id AND cc.counselor_id = c.id))""", [*params, now - HORIZON]):
        student = _name(k["first_name"], k["last_name"])
        out.append(Due(k["counselor_id"], "student_reply", f"student_reply:{k['id']}", f"{student} answered you",
                       _excerpt(k["body"]), "counselor_student", f"student={k['student_id']}",
                       k["created_at"], k["created_at"] + HORIZON,
                       values={"student_name": student, "comment": k["body"]},
                       email_at=peoples_hours(k["created_at"], None, settings)))
    return out


def _failures(cur: Cursor, now: datetime, settings: Settings) -> list[Due]:
    """Scheduled work that failed, one alert per run, and emails that could not be sent, one alert per
    hour for all of that hour's: to every active admin."""
    admins = [r["id"] for r in rows(cur, "SELECT id FROM users WHERE role = 'admin' AND active")]
    failures = rows(cur, f"""SELECT 'run:' || id AS key, 'Scheduled work failed: ' || job AS title,
                                   coalesce(error, 'failed') AS error, coalesce(finished_at, started_at) AS failed_at,
                                   'admin_health' AS page
                            FROM job_runs WHERE status IN ('failed', 'interrupted') AND started_at >= ?
                            UNION ALL
                            SELECT 'email:' || {dialect.timestamp_text(cur, 'hour', '%Y%m%d%H')},
                                   CASE WHEN n = 1 THEN '1 email could not be sent'
                                        ELSE n || ' emails could not be sent' END,
                                   last_error, failed_at, 'admin_outbox'
                            FROM (SELECT date_trunc('hour', coalesce(claimed_at, created_at)) AS hour, count(*) AS n,
                                         max(coalesce(claimed_at, created_at)) AS failed_at,
                                         (array_agg(coalesce(last_error, 'failed')
                                                    ORDER BY coalesce(claimed_at, created_at) DESC))[1] AS last_error
                                  FROM email_outbox WHERE state = 'failed' AND kind <> 'job_failed' AND created_at >= ?
                                  GROUP BY hour) AS by_hour""",
                    [now - HORIZON, now - HORIZON])
    return [Due(admin, "job_failed", f"job_failed:{f['key']}", f["title"], _excerpt(f["error"], 300), f["page"],
                "", f["failed_at"], f["failed_at"] + HORIZON, values={"what": f["title"], "error": f["error"]})
            for f in failures for admin in admins]


def digest_moment(frequency: str, now: datetime, settings: Settings) -> datetime | None:
    """The latest moment a digest of this frequency was due at or before `now` (None: off)."""
    if frequency == "off":
        return None
    local_today = now.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(settings.timezone)).date()
    for back in range(0, 8):
        day = local_today - timedelta(days=back)
        if frequency == "weekly" and day.weekday() != settings.digest_weekday:
            continue
        moment = _local_moment(day, settings.digest_hour, settings)
        if moment <= now:
            return moment
    return None


def _digests(db: Database, now: datetime, settings: Settings) -> list[Due]:
    """The digest of each counselor (weekly unless they chose otherwise) and each admin who asked for one.

    Its students are the cockpit's (core/oversight/cockpit.py needs_me), so "newly stalled" means what the
    dashboard means: no campaign work (core/rules/activity.py) for the cohort's stalled days."""
    with db.cursor() as cur:
        people = rows(cur, """SELECT u.id, u.role, u.first_name, u.last_name, p.frequency
                              FROM users u LEFT JOIN digest_prefs p ON p.user_id = u.id
                              WHERE u.active AND u.role IN ('counselor', 'admin')""")
    out = []
    for person in people:
        person["frequency"] = person["frequency"] or notify.DIGEST_DEFAULT.get(Role(person["role"]), "off")
        moment = digest_moment(person["frequency"], now, settings)
        if moment is None:
            continue
        key = f"digest:{person['frequency']}:{moment.date().isoformat()}"
        with db.cursor() as cur:
            if rows(cur, "SELECT 1 FROM notifications WHERE user_id = ? AND fact_key = ?", [person["id"], key]):
                continue
        actor = Actor(person["id"], Role(person["role"]), _name(person["first_name"], person["last_name"]))
        since = moment - (timedelta(days=7) if person["frequency"] == "weekly" else timedelta(days=1))
        board = needs_me(db, actor, now=now)
        held = _meetings_held(db, actor, since, now)
        counts = {reason: int(sum(reason in r for r in board["reasons"])) for reason in REASONS} if len(board) else {}
        lines = [f"{label}: {counts.get(reason, 0)}" for reason, label in REASONS.items()]
        lines.append(f"Meetings held since {_when(since, settings)}: {held}")
        students = [{"student_id": int(r.student_id), "name": str(r.name), "why": str(r.why)}
                    for r in board.head(50).itertuples(index=False)]
        period = "this week" if person["frequency"] == "weekly" else "today"
        title = (f"{len(board)} student{'s' if len(board) != 1 else ''} need you {period}" if len(board)
                 else f"Your cohorts {period}: nobody is waiting on you")
        out.append(Due(person["id"], "digest", key, title, "; ".join(lines), "counselor_home", "",
                       moment, moment + timedelta(days=1), due_at=moment,
                       values={"summary": "\n".join(lines), "students": students, "period": period,
                               "more": max(0, len(board) - len(students))}))
    return out


def _meetings_held(db: Database, actor: Actor, since: datetime, until: datetime) -> int:
    visible, params = visible_students_sql(actor)
    with db.cursor() as cur:
        return int(rows(cur, f"""SELECT count(*) AS n FROM meetings WHERE status = 'held' AND held_at >= ?
                                 AND held_at < ? AND student_id IN ({visible})""",
                        [since, until, *params])[0]["n"])


# ---------------------------------------------------------------- giving them

_DUE_NOW = rows_table([("user_id", "BIGINT"), ("kind", "VARCHAR"), ("fact_key", "VARCHAR"), ("title", "VARCHAR"),
                       ("body", "VARCHAR"), ("page", "VARCHAR"), ("params", "VARCHAR"), ("due_at", "TIMESTAMP")])


@dataclass(frozen=True)
class Given:
    """What one pass gave: in-portal notifications written, emails queued, and how many were already given."""

    notified: int
    emailed: int
    already: int


def give(db: Database, due: list[Due], *, now: datetime | None = None, settings: Settings | None = None,
         batch: int = 1000) -> Given:
    """Write each due reminder as a notification and, for those who take it by email, an outbox email;
    each batch in one transaction. A reminder already given (by an earlier run or another runner) is
    skipped by the unique ledger, never written twice."""
    now = now or utcnow()
    settings = settings or get_settings()
    notified = emailed = already = 0
    for start in range(0, len(due), batch):
        part = due[start:start + batch]

        def work(cur: Cursor, part: list[Due] = part) -> tuple[int, int, int]:
            # One statement for the batch: a column per array parameter.
            written = cur.execute(
                f"""INSERT INTO notifications (user_id, kind, fact_key, title, body, page, params, due_at, created_at)
                    SELECT user_id, kind, fact_key, title, body, page, params, due_at, ? FROM ({_DUE_NOW}) AS due_now
                    ON CONFLICT (user_id, fact_key) DO NOTHING RETURNING user_id, fact_key""",
                [now, [d.user_id for d in part], [d.kind for d in part], [d.fact_key for d in part],
                 [d.title for d in part], [d.body for d in part], [d.page for d in part],
                 [d.params for d in part], [d.due_at for d in part]]).fetchall()
            new = {(u, k) for u, k in written}
            fresh = [d for d in part if (d.user_id, d.fact_key) in new]
            queued = mailer.queue(cur, fresh, now=now, settings=settings)
            return len(fresh), queued, len(part) - len(fresh)

        for attempt in range(5):
            try:
                n, e, a = db.transaction(work)
                break
            except dialect.CONSTRAINT_ERRORS:
                # Another runner gave some of these in a transaction that committed after this one
                # began: DuckDB refuses the duplicate instead of skipping it. Again: they are now seen.
                if attempt == 4:
                    raise
        notified, emailed, already = notified + n, emailed + e, already + a
    return Given(notified, emailed, already)


def remind(db: Database, *, now: datetime | None = None, settings: Settings | None = None) -> Given:
    """One pass of the reminder job: compute what is due now and give it."""
    now = now or utcnow()
    settings = settings or get_settings()
    return give(db, due_reminders(db, SYSTEM, now=now, settings=settings), now=now, settings=settings)


def remind_student(db: Database, student_id: int, *, now: datetime | None = None,
                   settings: Settings | None = None) -> Given:
    """Give what is due for one student's facts now (after a counselor comments, so the bell shows it at once)."""
    now = now or utcnow()
    settings = settings or get_settings()
    due = due_reminders(db, SYSTEM, now=now, student_id=student_id, settings=settings, include_digests=False)
    return give(db, due, now=now, settings=settings)
