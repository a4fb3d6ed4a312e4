"""Signed-in sessions, kept by the server: start, check on every run, trade for a cookie, end.

A sign-in (password or single sign-on) starts a session row. The browser tab that signed in keeps
the row's id in its server-side state and checks the row on every run. For the re-login cookie the
tab gets a one-time handoff code, which the browser trades at the portal's own route for an
HttpOnly cookie carrying a random session id, signed with the portal's key; only the id's hash
is stored. A later visit with that cookie joins the same session.

A session ends when its row says so: revoked (sign-out, a password or role change, deactivation,
a reset), past its expiry, or past `cookie_expiry_days` from its recorded issue time (so lowering
the setting shortens sessions already issued and never lengthens one). It also ends when unused for
`session_idle_minutes` (default 8 hours): the row's last_seen is moved on as the person clicks, at
most every few minutes, and the first check that finds it older than the idle time records the end
(revoked_at, the moment it went idle), so the re-login cookie and a provider's sign-in from before
then no longer sign anyone in. Every check reads the row, so an end is seen by every process and
replica at the next click.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from core.config import get_settings
from core.errors import ENDED_MESSAGE, INACTIVE_MESSAGE, SessionEnded
from core.models import Actor, Role
from core.store.db import Cursor, Database, row, scalar

PASSWORD, SSO = "password", "sso"
# How long the browser has to trade its handoff code for the cookie.
HANDOFF_SECONDS = 120
HANDOFF_WAIT = timedelta(seconds=HANDOFF_SECONDS)
# last_seen is written at most this often per session (every run would be a write per click), and at most
# a tenth of the idle time, so a session in use is never taken for an idle one.
TOUCH_EVERY = timedelta(minutes=5)
# With cookie_expiry_days = 0 the browser keeps no re-login cookie past closing; a session then lasts this long.
NO_COOKIE_LIFETIME = timedelta(hours=12)
EXPIRED_MESSAGE = "Your session has expired. Please sign in again."
_SIGNATURE_CONTEXT = b"interview-portal session v1:"


def moment() -> datetime:
    """Now as naive UTC to the microsecond: sessions' times."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def lifetime(expiry_days: float) -> timedelta:
    """How long a session lasts after it is issued, for a `cookie_expiry_days` setting."""
    return timedelta(days=expiry_days) if expiry_days > 0 else NO_COOKIE_LIFETIME


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def sign(session_token: str, key: str) -> str:
    """The cookie's value: the session id and its HMAC-SHA256 under the portal's key."""
    mac = hmac.new(key.encode("utf-8"), _SIGNATURE_CONTEXT + session_token.encode("ascii"), hashlib.sha256).digest()
    return f"{session_token}.{base64.urlsafe_b64encode(mac).decode('ascii').rstrip('=')}"


def unsign(value: str | None, key: str) -> str | None:
    """The session id in a cookie value whose signature holds under the key, else None."""
    if not value or value.count(".") != 1:
        return None
    token = value.split(".", 1)[0]
    if not token.isascii() or not hmac.compare_digest(sign(token, key), value):
        return None
    return token


@dataclass(frozen=True)
class Started:
    """A new session: its row id (kept in the tab's server-side state) and the one-time code for its cookie."""

    session_id: int
    handoff: str


def start(db: Database, *, user_id: int, method: str, expiry_days: float, address: str | None = None,
          now: datetime | None = None) -> Started:
    """Start a session for the account (whose password or identity was just checked)."""
    now = now or moment()
    handoff = secrets.token_urlsafe(32)

    def work(cur: Cursor) -> int:
        return scalar(
            cur,
            """INSERT INTO sessions (user_id, method, handoff_hash, handoff_until, issued_at, last_seen, expires_at,
                                     client_address)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
            [user_id, method, _hash(handoff), now + timedelta(seconds=HANDOFF_SECONDS), now, now,
             now + lifetime(expiry_days), address],
        )

    return Started(int(db.transaction(work)), handoff)


def _ends_at(found: dict, expiry_days: float) -> datetime:
    return min(found["expires_at"], found["issued_at"] + lifetime(expiry_days))


def idle_time(idle_minutes: float | None = None) -> timedelta | None:
    """How long a session may go unused, for a `session_idle_minutes` setting (None: the portal's); None when
    the setting is 0 (sessions then end only at their lifetime's end)."""
    minutes = get_settings().session_idle_minutes if idle_minutes is None else idle_minutes
    return timedelta(minutes=minutes) if minutes > 0 else None


def idle_words(idle: timedelta) -> str:
    """An idle time in words: "8 hours", "30 minutes", "1 hour 30 minutes", "20 seconds"."""
    seconds = round(idle.total_seconds())
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    hours, minutes = divmod(seconds // 60, 60)
    parts = [f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []
    if minutes or not hours:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


def idle_message(idle: timedelta) -> str:
    """What the next click after an idle end says."""
    return (f"You were signed out because the portal was not used for {idle_words(idle)}. "
            "Sign in again to carry on where you were.")


def session_actor(db: Database, session_id: object, *, expiry_days: float, idle_minutes: float | None = None,
                  now: datetime | None = None) -> Actor:
    """The Actor of a live session, or SessionEnded saying why it may not go on (checked on every run).

    idle_minutes None reads the portal's setting (session_idle_minutes); 0 lets a session sit unused
    until its lifetime ends."""
    if not isinstance(session_id, int):
        raise SessionEnded(ENDED_MESSAGE)
    now = now or moment()
    idle = idle_time(idle_minutes)
    with db.cursor() as cur:
        found = row(
            cur,
            """SELECT s.issued_at, s.expires_at, s.revoked_at, s.last_seen, u.id, u.role, u.first_name, u.last_name,
                      u.active
               FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?""",
            [session_id],
        )
    if found is None:
        raise SessionEnded(ENDED_MESSAGE)
    if not found["active"]:
        raise SessionEnded(INACTIVE_MESSAGE)
    if found["revoked_at"] is not None:
        # Ended by going idle (_end_idle records exactly that moment): say so in another tab of the session too.
        idle_first = idle is not None and found["revoked_at"] == found["last_seen"] + idle
        raise SessionEnded(idle_message(idle) if idle_first else ENDED_MESSAGE)
    if now >= _ends_at(found, expiry_days):
        raise SessionEnded(EXPIRED_MESSAGE)
    if idle is not None and now - found["last_seen"] >= idle:
        _end_idle(db, session_id, found["last_seen"] + idle)
        raise SessionEnded(idle_message(idle))
    touch_every = TOUCH_EVERY if idle is None else min(TOUCH_EVERY, idle / 10)
    if now - found["last_seen"] >= touch_every:
        db.transaction(lambda cur: cur.execute("UPDATE sessions SET last_seen = ? WHERE id = ?", [now, session_id]))
    return Actor(found["id"], Role(found["role"]), f"{found['first_name']} {found['last_name']}")


def _end_idle(db: Database, session_id: int, when: datetime) -> None:
    """Record that the session ended when it went idle (unless something else ended it first)."""
    db.transaction(lambda cur: cur.execute("UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                                           [when, session_id]))


@dataclass(frozen=True)
class Cookie:
    """What the browser is to keep: the signed session id, and until when (None: until it closes)."""

    value: str
    expires_at: datetime | None


def redeem_handoff(db: Database, handoff: str, *, key: str, expiry_days: float,
                   now: datetime | None = None) -> Cookie | None:
    """Trade a session's one-time handoff code for its cookie, once, within HANDOFF_SECONDS; else None."""
    if not handoff or len(handoff) > 100 or not handoff.isascii():
        return None
    now = now or moment()
    token = secrets.token_urlsafe(32)

    def work(cur: Cursor) -> dict | None:
        found = row(
            cur,
            """SELECT id, issued_at, expires_at FROM sessions
               WHERE handoff_hash = ? AND handoff_until > ? AND revoked_at IS NULL AND token_hash IS NULL""",
            [_hash(handoff), now],
        )
        if found is not None:
            cur.execute("UPDATE sessions SET token_hash = ?, handoff_hash = NULL, handoff_until = NULL WHERE id = ?",
                        [_hash(token), found["id"]])
        return found

    found = db.transaction(work)
    if found is None:
        return None
    return Cookie(sign(token, key), _ends_at(found, expiry_days) if expiry_days > 0 else None)


@dataclass(frozen=True)
class Live:
    """The live session a re-login cookie names, and its account."""

    session_id: int
    user_id: int
    username: str


def from_cookie(db: Database, value: str | None, *, key: str, expiry_days: float, idle_minutes: float | None = None,
                now: datetime | None = None) -> Live | None:
    """The live session a re-login cookie names (its account active, not idle too long), else None."""
    token = unsign(value, key)
    if token is None:
        return None
    with db.cursor() as cur:
        found = row(cur, """SELECT s.id, s.user_id, u.username FROM sessions s JOIN users u ON u.id = s.user_id
                            WHERE s.token_hash = ?""", [_hash(token)])
    if found is None:
        return None
    try:
        session_actor(db, int(found["id"]), expiry_days=expiry_days, idle_minutes=idle_minutes, now=now)
    except SessionEnded:
        return None
    return Live(int(found["id"]), int(found["user_id"]), found["username"])


def why_cookie_ended(db: Database, value: str | None, *, key: str, expiry_days: float,
                     idle_minutes: float | None = None, now: datetime | None = None) -> str | None:
    """For a re-login cookie naming a session that has ended: why, in the words the pages use (the account
    deactivated, signed out, idle); None for a live session or a cookie that names none."""
    token = unsign(value, key)
    if token is None:
        return None
    with db.cursor() as cur:
        found = row(cur, "SELECT id FROM sessions WHERE token_hash = ?", [_hash(token)])
    if found is None:
        return None
    try:
        session_actor(db, int(found["id"]), expiry_days=expiry_days, idle_minutes=idle_minutes, now=now)
    except SessionEnded as ended:
        return str(ended)
    return None


def cookie_issued(db: Database, session_id: int) -> bool:
    """Whether the browser has traded the session's handoff code for its cookie (or the session is over)."""
    with db.cursor() as cur:
        found = row(cur, "SELECT token_hash, revoked_at FROM sessions WHERE id = ?", [session_id])
    return found is None or found["token_hash"] is not None or found["revoked_at"] is not None


def revoke_all(cur: Cursor, user_id: int, now: datetime) -> None:
    """End every live session of the account (and so every re-login cookie), inside the caller's transaction."""
    cur.execute("UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL", [now, user_id])


def last_ended(db: Database, user_id: int) -> datetime | None:
    """When the account's sessions were last ended (a provider's sign-in issued before then does not count)."""
    with db.cursor() as cur:
        return scalar(cur, "SELECT max(revoked_at) FROM sessions WHERE user_id = ?", [user_id])


# Ended sessions are kept this long after they ended (for the Health page and for questions), then removed.
KEEP_ENDED = timedelta(days=90)


def prune(db: Database, now: datetime) -> int:
    """Remove sessions that ended (revoked or expired) more than KEEP_ENDED ago; returns how many.

    Each account's latest revoked session stays whatever its age: last_ended reads it, so a
    provider's sign-in from before an old sign-out never counts again."""
    cutoff = now - KEEP_ENDED

    def work(cur: Cursor) -> int:
        return cur.execute(
            """DELETE FROM sessions WHERE coalesce(revoked_at, expires_at) < ?
               AND (revoked_at IS NULL OR revoked_at < (SELECT max(l.revoked_at) FROM sessions l
                                                        WHERE l.user_id = sessions.user_id))
               RETURNING id""", [cutoff]).fetchall().__len__()

    return db.transaction(work)
