"""Notifications in the portal and each person's choices about email.

The kinds of reminder are listed once here (KINDS): who receives them, what they are called on the
settings page, and whether email is on unless someone chose otherwise. Which reminders are due is
core/messaging/reminders.py; sending email is core/messaging/mailer.py; the scheduled runs are core/messaging/jobs.py.

A notification is a row per person per fact and due moment (`fact_key`, unique per person): the
same row is the ledger that keeps a reminder from being given twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from core.clock import utcnow
from core.errors import NotifyError, check_id
from core.identity.access import active_only, require_cohort, require_role
from core.models import Actor, Role
from core.store.db import Cursor, Database, row, rows, scalar


@dataclass(frozen=True)
class Kind:
    """One kind of reminder or note the portal sends."""

    key: str
    role: Role
    label: str
    help: str
    email_default: bool = True


KINDS: dict[str, Kind] = {k.key: k for k in (
    Kind("thank_you_due", Role.STUDENT, "Thank-you due",
         "A few hours before your cohort's thank-you window closes after a meeting, and once if it passes."),
    Kind("follow_up_due", Role.STUDENT, "Follow-up due",
         "When a request has had no answer for the cohort's number of business days."),
    Kind("second_person", Role.STUDENT, "Second person to try",
         "When a follow-up has had no answer either: time to ask someone else at the organization."),
    Kind("meeting_tomorrow", Role.STUDENT, "Meeting tomorrow",
         "The day before a meeting, with the calendar file and the questions you planned."),
    Kind("referrer_note", Role.STUDENT, "Note to whoever referred you",
         "After you meet someone a contact introduced you to."),
    Kind("keep_in_touch", Role.STUDENT, "Keep-in-touch note due", "On the day you planned a keep-in-touch note."),
    Kind("comment", Role.STUDENT, "Counselor comments",
         "When your counselor comments on your work or answers you."),
    Kind("student_reply", Role.COUNSELOR, "A student answered you",
         "As soon as a student replies in a thread you wrote in."),
    Kind("digest", Role.COUNSELOR, "Digest of your cohorts",
         "Newly stalled students, overdue thank-yous, goals off track, meetings held and unread replies."),
    Kind("job_failed", Role.ADMIN, "Scheduled work failed",
         "When a reminder run, a backup, an export or an email send fails."),
)}

DIGEST_FREQUENCIES = {"weekly": "Weekly (Monday morning)", "daily": "Daily (every morning)", "off": "Off"}

DIGEST_DEFAULT = {Role.COUNSELOR: "weekly", Role.ADMIN: "off"}
"""How often the digest goes to someone who never chose: counselors weekly; the career office asks for it."""

SETTINGS_PAGE = "account"  # where every email's settings link opens
HOME_PAGES = {Role.STUDENT: "student_home", Role.COUNSELOR: "counselor_home", Role.ADMIN: "admin_home"}
"""The page each role opens on: in a link, the portal's root address (it has no path of its own)."""


def kinds_for(role: Role) -> list[Kind]:
    """The kinds of notification a person in this role may receive (an admin also sees counselors')."""
    roles = {Role.STUDENT: {Role.STUDENT}, Role.COUNSELOR: {Role.COUNSELOR},
             Role.ADMIN: {Role.COUNSELOR, Role.ADMIN}}[role]
    return [k for k in KINDS.values() if k.role in roles]


@dataclass(frozen=True)
class Notification:
    """One notification as its person sees it. `title` and `body` may hold students' own text: render as text."""

    id: int
    kind: str
    title: str
    body: str
    page: str
    params: dict[str, str]
    due_at: datetime | None
    created_at: datetime
    read_at: datetime | None

    @property
    def unread(self) -> bool:
        return self.read_at is None


def _notification(found: dict[str, Any]) -> Notification:
    return Notification(found["id"], found["kind"], found["title"], found["body"], found["page"],
                        dict(parse_qsl(found["params"])), found["due_at"], found["created_at"], found["read_at"])


@active_only
def unread_count(db: Database, actor: Actor) -> int:
    """How many of the actor's notifications are unread (the bell's number)."""
    with db.cursor() as cur:
        return int(scalar(cur, "SELECT count(*) FROM notifications WHERE user_id = ? AND read_at IS NULL",
                          [actor.user_id]))


@active_only
def list_notifications(db: Database, actor: Actor, *, unread_only: bool = False, limit: int = 100,
                       offset: int = 0) -> list[Notification]:
    """The actor's own notifications, newest first."""
    limit = max(1, min(int(limit), 500))
    where = " AND read_at IS NULL" if unread_only else ""
    with db.cursor() as cur:
        found = rows(cur, f"""SELECT * FROM notifications WHERE user_id = ?{where}
                              ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?""",
                     [actor.user_id, limit, max(0, int(offset))])
    return [_notification(f) for f in found]


@active_only
def mark_read(db: Database, actor: Actor, notification_id: int, *, now: datetime | None = None) -> None:
    """Mark one of the actor's notifications read (someone else's is not found, and nothing changes)."""
    notification_id = check_id(notification_id, "notification")
    now = now or utcnow()
    db.transaction(lambda cur: cur.execute(
        "UPDATE notifications SET read_at = ? WHERE id = ? AND user_id = ? AND read_at IS NULL",
        [now, notification_id, actor.user_id]))


@active_only
def mark_all_read(db: Database, actor: Actor, *, now: datetime | None = None) -> int:
    """Mark every unread notification of the actor read; returns how many."""
    now = now or utcnow()

    def work(cur: Cursor) -> int:
        return len(cur.execute("""UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL
                                  RETURNING id""", [now, actor.user_id]).fetchall())

    return db.transaction(work)


_COMMENT_FACTS = ("comment", "student_reply")


@active_only
def read_comments(db: Database, actor: Actor, comment_ids: list[int], *, now: datetime | None = None) -> set[int]:
    """The actor has just been shown these comments: of those they had an unread notification about
    (a counselor's comment, a student's answer), return which, and mark those notifications read."""
    if not comment_ids:
        return set()
    keys = [f"{kind}:{int(i)}" for i in comment_ids for kind in _COMMENT_FACTS]
    now = now or utcnow()

    def work(cur: Cursor) -> set[int]:
        found = cur.execute("""UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL
                               AND fact_key IN (SELECT unnest(CAST(? AS VARCHAR[]))) RETURNING fact_key""",
                            [now, actor.user_id, keys]).fetchall()
        return {int(key.split(":", 1)[1]) for (key,) in found}

    with db.cursor() as cur:  # most threads have nothing unread: no write transaction for them
        if not scalar(cur, """SELECT count(*) FROM notifications WHERE user_id = ? AND read_at IS NULL
                              AND fact_key IN (SELECT unnest(CAST(? AS VARCHAR[])))""", [actor.user_id, keys]):
            return set()
    return db.transaction(work)


# ---------------------------------------------------------------- choices

@active_only
def email_choices(db: Database, actor: Actor, user_id: int | None = None) -> dict[str, bool]:
    """Per kind the person may receive: whether it goes by email (their choice, else the cohort's, else on)."""
    user_id = actor.user_id if user_id is None else user_id
    if user_id != actor.user_id:
        require_role(actor, Role.ADMIN)
    with db.cursor() as cur:
        person = row(cur, "SELECT role FROM users WHERE id = ?", [user_id])
        if person is None:
            raise NotifyError("No such account.")
        effective = _effective_email(cur, [user_id])
    return {k.key: effective.get((user_id, k.key), k.email_default) for k in kinds_for(Role(person["role"]))}


def _effective_email(cur: Cursor, user_ids: list[int]) -> dict[tuple[int, str], bool]:
    """(user, kind) -> email on or off, for the choices someone made (own choice over the cohort's default)."""
    if not user_ids:
        return {}
    found = rows(cur, """
        SELECT u.id AS user_id, k.kind, coalesce(p.email, d.email) AS email
        FROM users u
        CROSS JOIN (SELECT DISTINCT kind FROM notification_prefs
                    UNION SELECT DISTINCT kind FROM cohort_notification_defaults) k
        LEFT JOIN notification_prefs p ON p.user_id = u.id AND p.kind = k.kind
        LEFT JOIN cohort_members m ON m.student_id = u.id
        LEFT JOIN cohort_notification_defaults d ON d.cohort_id = m.cohort_id AND d.kind = k.kind
        WHERE u.id IN (SELECT unnest(CAST(? AS BIGINT[]))) AND coalesce(p.email, d.email) IS NOT NULL""",
                 [list(user_ids)])
    return {(f["user_id"], f["kind"]): bool(f["email"]) for f in found}


def wants_email(cur: Cursor, user_ids: list[int], kind: str) -> set[int]:
    """Of these people, those who receive this kind by email (for the runner, inside its transaction)."""
    choices = _effective_email(cur, user_ids)
    default = KINDS[kind].email_default
    return {u for u in user_ids if choices.get((u, kind), default)}


def _check_choices(actor: Actor, choices: dict[str, bool]) -> None:
    allowed = {k.key for k in kinds_for(actor.role)}
    unknown = sorted(set(choices) - allowed)
    if unknown:
        raise NotifyError(f"Not a kind of notification you receive: {', '.join(unknown)}.")


def _check_frequency(actor: Actor, frequency: str) -> None:
    require_role(actor, Role.COUNSELOR, Role.ADMIN)
    if frequency not in DIGEST_FREQUENCIES:
        raise NotifyError("Choose weekly, daily or off.")


def _write_choices(cur: Cursor, actor: Actor, choices: dict[str, bool], now: datetime) -> None:
    for kind, email in choices.items():
        cur.execute("""INSERT INTO notification_prefs (user_id, kind, email, updated_at) VALUES (?, ?, ?, ?)
                       ON CONFLICT (user_id, kind) DO UPDATE SET email = excluded.email,
                       updated_at = excluded.updated_at""", [actor.user_id, kind, bool(email), now])


def _write_frequency(cur: Cursor, actor: Actor, frequency: str, now: datetime) -> None:
    cur.execute("""INSERT INTO digest_prefs (user_id, frequency, updated_at) VALUES (?, ?, ?)
                   ON CONFLICT (user_id) DO UPDATE SET frequency = excluded.frequency,
                   updated_at = excluded.updated_at""", [actor.user_id, frequency, now])


@active_only
def set_notification_settings(db: Database, actor: Actor, choices: dict[str, bool], *, digest: str | None = None,
                              now: datetime | None = None) -> None:
    """The actor's email choices per kind and (counselors and admins) digest frequency, saved together or not at all."""
    _check_choices(actor, choices)
    if digest is not None:
        _check_frequency(actor, digest)
    now = now or utcnow()

    def work(cur: Cursor) -> None:
        _write_choices(cur, actor, choices, now)
        if digest is not None:
            _write_frequency(cur, actor, digest, now)

    db.transaction(work)


@active_only
def digest_frequency(db: Database, actor: Actor, user_id: int | None = None) -> str:
    """How often this counselor or admin receives the digest (counselors weekly, admins off, unless they chose)."""
    user_id = actor.user_id if user_id is None else user_id
    if user_id != actor.user_id:
        require_role(actor, Role.ADMIN)
    with db.cursor() as cur:
        found = row(cur, """SELECT u.role, p.frequency FROM users u LEFT JOIN digest_prefs p ON p.user_id = u.id
                            WHERE u.id = ?""", [user_id])
    if found is None:
        raise NotifyError("No such account.")
    return found["frequency"] or DIGEST_DEFAULT.get(Role(found["role"]), "off")


@active_only
def cohort_defaults(db: Database, actor: Actor, cohort_id: int) -> dict[str, bool]:
    """Per student kind, whether the cohort's students get it by email unless they choose otherwise."""
    with db.cursor() as cur:
        require_cohort(cur, actor, cohort_id)
        found = {r["kind"]: bool(r["email"]) for r in rows(
            cur, "SELECT kind, email FROM cohort_notification_defaults WHERE cohort_id = ?", [cohort_id])}
    return {k.key: found.get(k.key, k.email_default) for k in kinds_for(Role.STUDENT)}


@active_only
def set_cohort_defaults(db: Database, actor: Actor, cohort_id: int, choices: dict[str, bool], *,
                        now: datetime | None = None) -> None:
    """Set a cohort's email defaults (its counselor or the career office); students' own choices still win."""
    now = now or utcnow()
    allowed = {k.key for k in kinds_for(Role.STUDENT)}
    unknown = sorted(set(choices) - allowed)
    if unknown:
        raise NotifyError(f"Not a kind of notification students receive: {', '.join(unknown)}.")

    def work(cur: Cursor) -> None:
        require_cohort(cur, actor, cohort_id, manage=True)
        for kind, email in choices.items():
            cur.execute("""INSERT INTO cohort_notification_defaults (cohort_id, kind, email, updated_by, updated_at)
                           VALUES (?, ?, ?, ?, ?) ON CONFLICT (cohort_id, kind) DO UPDATE
                           SET email = excluded.email, updated_by = excluded.updated_by,
                               updated_at = excluded.updated_at""",
                        [cohort_id, kind, bool(email), actor.user_id, now])

    db.transaction(work)
