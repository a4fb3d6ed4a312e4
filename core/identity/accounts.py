"""Accounts: creation, passwords (bcrypt), sign-in throttling, and the authenticator's credentials."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import bcrypt

from core.clock import utcnow
from core.errors import AccessDenied, AccountError, NotFound, SignInRefused
from core.identity.access import can_read_student, require_role
from core.identity.sessions import revoke_all
from core.models import Actor, Role, User, UserCreate, searchable
from core.store import events
from core.store.db import Cursor, Database, row, rows, scalar


def hash_password(password: str, *, rounds: int = 12) -> str:
    """A bcrypt hash, as streamlit-authenticator's Hasher checks it; refuses what bcrypt would cut short."""
    if len(password.encode("utf-8")) > PASSWORD_MAX_BYTES:
        raise AccountError(f"That password is too long: a password can be at most {PASSWORD_MAX_BYTES} bytes.")
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=rounds)).decode()


def check_password(password: str, password_hash: str) -> bool:
    """Whether the password matches the stored hash (never for one longer than bcrypt reads)."""
    if len(password.encode("utf-8")) > PASSWORD_MAX_BYTES:
        return False
    try:
        return bcrypt.checkpw(password.encode("utf-8"), password_hash.encode("utf-8"))
    except ValueError:
        return False


def one_time_password() -> str:
    """A readable random password that meets the password rules (upper, lower, digit, symbol).

    About 49 bits (8 letters from 23, 4 digits), enough for a cheaper hash: it must be replaced at
    first sign-in.
    """
    alphabet = "abcdefghjkmnpqrstuvwxyz"
    core = "".join(secrets.choice(alphabet) for _ in range(8))
    return f"{core[:4].upper()}{core[4:]}-{secrets.randbelow(9000) + 1000}!"


def _user(found: dict[str, Any]) -> User:
    return User.model_validate(found)


def create_user(db: Database, actor: Actor, data: UserCreate, *, now: datetime | None = None, rounds: int = 12) -> User:
    """Create an account (admins only). Username and email must be unused."""
    require_role(actor, Role.ADMIN)
    now = now or utcnow()
    password_hash = hash_password(data.password, rounds=rounds)

    def work(cur: Cursor) -> User:
        _ensure_unused(cur, data.username, data.email)
        new_id = scalar(
            cur,
            """INSERT INTO users (username, email, first_name, last_name, role, password_hash,
                                 must_change_password, student_number, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
            [data.username, data.email, data.first_name, data.last_name, data.role.value, password_hash,
             data.must_change_password, data.student_number, now, now],
        )
        events.record(cur, actor, "created", "user", entity_id=new_id,
                      student_id=new_id if data.role == Role.STUDENT else None,
                      detail={"role": data.role.value, "username": data.username}, now=now)
        return _user(row(cur, "SELECT * FROM users WHERE id = ?", [new_id]))

    return db.transaction(work)


def _ensure_unused(cur: Cursor, username: str, email: str, *, except_id: int | None = None) -> None:
    clash = row(
        cur,
        "SELECT username, email FROM users WHERE (username = ? OR lower(email) = lower(?)) AND id IS DISTINCT FROM ?",
        [username, email, except_id],
    )
    if clash:
        what = "username" if clash["username"] == username else "email"
        raise AccountError(f"That {what} is already used by another account.")


def get_user(db: Database, actor: Actor, user_id: int) -> User:
    """One account: yourself, a student you may read, or anyone for an admin."""
    with db.cursor() as cur:
        found = row(cur, "SELECT * FROM users WHERE id = ?", [user_id])
        allowed = found is not None and (
            actor.role == Role.ADMIN
            or actor.user_id == user_id
            or (found["role"] == Role.STUDENT and can_read_student(cur, actor, user_id))
        )
    if not allowed:
        raise NotFound("No such user.")
    return _user(found)


def load_actor(db: Database, user_id: int) -> Actor | None:
    """The Actor for a signed-in user id, or None when the account is gone or deactivated."""
    with db.cursor() as cur:
        found = row(cur, "SELECT id, role, first_name, last_name, active FROM users WHERE id = ?", [user_id])
    if not found or not found["active"]:
        return None
    return Actor(found["id"], Role(found["role"]), f"{found['first_name']} {found['last_name']}")


def user_id_for_username(db: Database, username: str) -> int | None:
    """The id behind a username (sign-in only), or None."""
    with db.cursor() as cur:
        return scalar(cur, "SELECT id FROM users WHERE username = ?", [searchable(username).lower()])


def must_change_password(db: Database, actor: Actor) -> bool:
    """Whether the actor signed in with a one-time password and must choose their own first."""
    with db.cursor() as cur:
        return bool(scalar(cur, "SELECT must_change_password FROM users WHERE id = ?", [actor.user_id]))


# ---------------------------------------------------------------- sign-in


@dataclass(frozen=True)
class Lockout:
    """Sign-in refused until `until` because of recent failures for `reason` (username or address)."""

    until: datetime
    reason: str


def lockout(
    db: Database, *, username: str | None, address: str | None, now: datetime | None = None,
    max_per_user: int = 5, max_per_address: int = 20, minutes: int = 15,
) -> Lockout | None:
    """The active lockout for this username or client address, if recent failures reached the limit.

    Failures count within the lockout window and since the last success of that username.
    """
    now = now or utcnow()
    window_start = now - timedelta(minutes=minutes)
    with db.cursor() as cur:
        checks = []
        if username:
            checks.append(("username", "username = ?", username.strip().lower(), max_per_user))
        if address:
            checks.append(("address", "client_address = ?", address, max_per_address))
        for reason, where, value, limit in checks:
            since = window_start
            if reason == "username":
                last_ok = scalar(cur, "SELECT max(attempted_at) FROM login_attempts WHERE username = ? AND succeeded",
                                 [value])
                if last_ok is not None and last_ok > since:
                    since = last_ok
            found = row(
                cur,
                f"""SELECT count(*) AS n, max(attempted_at) AS last FROM login_attempts
                    WHERE {where} AND NOT succeeded AND attempted_at > ?""",
                [value, since],
            )
            if found and found["n"] >= limit:
                return Lockout(until=found["last"] + timedelta(minutes=minutes), reason=reason)
    return None


INCORRECT_MESSAGE = "Username or password is incorrect."
# Usernames are short; whatever someone types is stored for throttling only up to this length.
_MAX_TYPED_USERNAME = 100


@lru_cache(maxsize=1)
def _decoy_hash() -> str:
    # Checked against for unknown usernames, at the usual cost, so the answer takes as long as for a real one.
    return hash_password(secrets.token_hex(12), rounds=12)


def password_sign_in(
    db: Database, *, username: str, password: str, address: str | None, now: datetime | None = None,
    max_per_user: int = 5, max_per_address: int = 20, minutes: int = 15,
) -> int:
    """The user id for a right username and password of an active account, else SignInRefused.

    Whatever was typed is throttled by name, whether an account has that username or not, so
    the answers never tell which usernames exist: "incorrect" for both, and "too many failed
    sign-ins" after the same number of failures for both.
    """
    now = now or utcnow()
    # Whatever was typed is logged and throttled, so what no store can hold (NUL, half characters) is dropped first.
    name = searchable(username, limit=_MAX_TYPED_USERNAME).lower()
    if not name or not password:
        raise SignInRefused("Enter your username and password.")
    limits = dict(max_per_user=max_per_user, max_per_address=max_per_address, minutes=minutes)
    lock = lockout(db, username=name, address=address, now=now, **limits)
    if lock is None:
        with db.cursor() as cur:
            found = row(cur, "SELECT id, password_hash FROM users WHERE username = ? AND active", [name])
        if check_password(password, found["password_hash"] if found else _decoy_hash()) and found:
            record_login_attempt(db, username=name, address=address, succeeded=True, now=now)
            return int(found["id"])
    record_login_attempt(db, username=name, address=address, succeeded=False, now=now)
    lock = lockout(db, username=name, address=address, now=now, **limits)
    if lock is not None:
        raise SignInRefused("Too many failed sign-ins.", until=lock.until)
    raise SignInRefused(INCORRECT_MESSAGE)


def record_login_attempt(
    db: Database, *, username: str | None, address: str | None, succeeded: bool,
    failed_count: int | None = None, now: datetime | None = None,
) -> None:
    """Log one sign-in attempt; write back the authenticator's failure count; stamp a success."""
    now = now or utcnow()
    name = searchable(username).lower() if username else None

    def work(cur: Cursor) -> None:
        cur.execute(
            "INSERT INTO login_attempts (username, client_address, succeeded, attempted_at) VALUES (?, ?, ?, ?)",
            [name, address, succeeded, now],
        )
        if name is None:
            return
        user_id = scalar(cur, "SELECT id FROM users WHERE username = ?", [name])
        if user_id is None:
            return
        if succeeded:
            cur.execute("UPDATE users SET failed_login_attempts = 0, last_login_at = ? WHERE id = ?", [now, user_id])
            events.record(cur, Actor(user_id, Role.STUDENT), "signed_in", "user", entity_id=user_id,
                          student_id=_student_or_none(cur, user_id), now=now)
        elif failed_count is not None:
            cur.execute("UPDATE users SET failed_login_attempts = ? WHERE id = ?", [failed_count, user_id])
        else:
            cur.execute("UPDATE users SET failed_login_attempts = failed_login_attempts + 1 WHERE id = ?", [user_id])

    db.transaction(work)


def _student_or_none(cur: Cursor, user_id: int) -> int | None:
    return user_id if scalar(cur, "SELECT role FROM users WHERE id = ?", [user_id]) == "student" else None


def set_password_hash(db: Database, actor: Actor, user_id: int, password_hash: str, *,
                      now: datetime | None = None) -> datetime:
    """Store a new password hash for yourself (clears the one-time-password flag).

    Every session and re-login cookie of the account ends (the returned moment); the page that made
    the change starts a new session for its own tab.
    """
    if actor.user_id != user_id:
        raise AccessDenied("You can only change your own password.")
    if not password_hash.startswith("$2"):
        raise AccountError("Not a bcrypt hash.")
    now = now or utcnow()

    def work(cur: Cursor) -> None:
        cur.execute(
            """UPDATE users SET password_hash = ?, must_change_password = false, password_changed_at = ?,
                      updated_at = ? WHERE id = ?""",
            [password_hash, now, now, user_id],
        )
        events.record(cur, actor, "password_changed", "user", entity_id=user_id,
                      student_id=_student_or_none(cur, user_id), now=now)
        return _end_sessions(cur, user_id)

    return db.transaction(work)


def change_password(db: Database, actor: Actor, current: str, new: str, *, rounds: int = 12) -> datetime:
    """Check the current password, validate the new one, and store it (other sessions end; see set_password_hash)."""
    with db.cursor() as cur:
        stored = scalar(cur, "SELECT password_hash FROM users WHERE id = ?", [actor.user_id])
    if stored is None or not check_password(current, stored):
        raise AccountError("The current password is not right.")
    problem = password_problem(new)
    if problem:
        raise AccountError(problem)
    if new == current:
        raise AccountError("The new password must differ from the current one.")
    return set_password_hash(db, actor, actor.user_id, hash_password(new, rounds=rounds))


# The password rule, defined once: the Account page, registration, roster imports and the
# production setup command all read it from here. The symbols are the ones streamlit-authenticator's
# own validator accepts (it checks the registration form), so the two never disagree.
PASSWORD_SYMBOLS = "!@#$%^&*()_+-=[]{};':\"\\|,.<>/?`~"
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 20
# bcrypt reads at most 72 bytes of a password; longer ones would be cut silently (or refused by bcrypt).
PASSWORD_MAX_BYTES = 72
PASSWORD_RULE = (f"A password needs {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters, with at least one "
                 f"lowercase letter, one uppercase letter, one digit and one of these symbols: {PASSWORD_SYMBOLS} "
                 "(letters A to Z only, no spaces).")


def password_problem(password: str) -> str | None:
    """Why a password breaks the rule (PASSWORD_RULE), or None."""
    if len(password.encode("utf-8")) > PASSWORD_MAX_BYTES:
        return (f"That password is too long: a password can be at most {PASSWORD_MAX_BYTES} bytes "
                f"(and the rule allows {PASSWORD_MAX_LENGTH} characters). " + PASSWORD_RULE)
    if not PASSWORD_MIN_LENGTH <= len(password) <= PASSWORD_MAX_LENGTH:
        return f"A password needs {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters."
    allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" + PASSWORD_SYMBOLS)
    others = sorted({c for c in password if c not in allowed})
    if others:
        shown = " ".join("a space" if c == " " else c for c in others)
        return f"A password may only hold letters A to Z, digits and the symbols {PASSWORD_SYMBOLS}; not: {shown}"
    for test, what in ((str.islower, "a lowercase letter"), (str.isupper, "an uppercase letter"),
                       (str.isdigit, "a digit"),
                       (PASSWORD_SYMBOLS.__contains__, f"one of the symbols {PASSWORD_SYMBOLS}")):
        if not any(test(c) for c in password):
            return f"A password needs at least {what}."
    return None


def user_counts(db: Database, actor: Actor) -> dict[str, int]:
    """Active accounts per role, and `awaiting_password`: active accounts still on a one-time
    password (admins only)."""
    require_role(actor, Role.ADMIN)
    with db.cursor() as cur:
        found = rows(cur, """SELECT role, count(*) AS n, count(*) FILTER (WHERE must_change_password) AS waiting
                             FROM users WHERE active GROUP BY role""")
    counts = {r.value: 0 for r in Role}
    counts.update({f["role"]: f["n"] for f in found})
    counts["awaiting_password"] = sum(int(f["waiting"]) for f in found)
    return counts


def locked_usernames(db: Database, *, now: datetime | None = None, max_per_user: int = 5,
                     minutes: int = 15) -> set[str]:
    """Usernames whose recent failures (since their last success) reached the limit."""
    now = now or utcnow()
    with db.cursor() as cur:
        found = rows(
            cur,
            """WITH last_ok AS (SELECT username, max(attempted_at) AS at FROM login_attempts WHERE succeeded GROUP BY 1)
               SELECT a.username FROM login_attempts a LEFT JOIN last_ok ON last_ok.username = a.username
               WHERE NOT a.succeeded AND a.username IS NOT NULL AND a.attempted_at > ?
                 AND (last_ok.at IS NULL OR a.attempted_at > last_ok.at)
               GROUP BY a.username HAVING count(*) >= ?""",
            [now - timedelta(minutes=minutes), max_per_user],
        )
    return {f["username"] for f in found}


# ---------------------------------------------------------------- administration (career office)


def list_users(
    db: Database, actor: Actor, *, search: str = "", role: Role | None = None, active: bool | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """Accounts matching a search over username, name, email and student number (admins only).

    Each row carries the student's cohort name, so the career office can tell namesakes apart.
    """
    require_role(actor, Role.ADMIN)
    pattern = f"%{searchable(search).lower()}%"
    role = Role(role).value if role is not None else None
    with db.cursor() as cur:
        return rows(
            cur,
            """SELECT u.id, u.username, u.email, u.first_name, u.last_name, u.role, u.active, u.must_change_password,
                      u.student_number, u.failed_login_attempts, u.created_at, u.last_login_at, c.name AS cohort
               FROM users u
               LEFT JOIN cohort_members m ON m.student_id = u.id
               LEFT JOIN cohorts c ON c.id = m.cohort_id
               WHERE (lower(u.username) LIKE ? OR lower(u.email) LIKE ?
                      OR lower(u.first_name || ' ' || u.last_name) LIKE ?
                      OR lower(coalesce(u.student_number, '')) LIKE ?)
                 AND (? IS NULL OR u.role = ?) AND (? IS NULL OR u.active = ?)
               ORDER BY u.last_name, u.first_name, u.id
               LIMIT ?""",
            [pattern, pattern, pattern, pattern, role, role, active, active, limit],
        )


def _admin_target(cur: Cursor, user_id: int) -> dict[str, Any]:
    found = row(cur, "SELECT * FROM users WHERE id = ?", [user_id])
    if found is None:
        raise NotFound("No such user.")
    return found


def _other_active_admins(cur: Cursor, user_id: int) -> int:
    return int(scalar(cur, "SELECT count(*) FROM users WHERE role = 'admin' AND active AND id <> ?", [user_id]))


def change_role(db: Database, actor: Actor, user_id: int, role: Role, *, now: datetime | None = None) -> User:
    """Give an account another role (admins only).

    A former student leaves their cohort and a former counselor their cohort assignments, so no
    access lingers from the old role; the campaign data itself stays. Admins cannot change their
    own role, and the last active admin cannot be demoted, so the portal always keeps an admin.
    """
    require_role(actor, Role.ADMIN)
    role = Role(role)
    now = now or utcnow()

    def work(cur: Cursor) -> User:
        found = _admin_target(cur, user_id)
        old = Role(found["role"])
        if old == role:
            return _user(found)
        if user_id == actor.user_id:
            raise AccountError("You cannot change your own role; ask another admin.")
        if old == Role.ADMIN and found["active"] and not _other_active_admins(cur, user_id):
            raise AccountError("This is the last active admin; make someone else an admin first.")
        left: dict[str, Any] = {}
        if old == Role.STUDENT:
            left["cohort_id"] = scalar(cur, "SELECT cohort_id FROM cohort_members WHERE student_id = ?", [user_id])
            cur.execute("DELETE FROM cohort_members WHERE student_id = ?", [user_id])
        if old == Role.COUNSELOR:
            left["cohort_ids"] = [r["cohort_id"] for r in rows(
                cur, "SELECT cohort_id FROM cohort_counselors WHERE counselor_id = ? ORDER BY cohort_id", [user_id])]
            cur.execute("DELETE FROM cohort_counselors WHERE counselor_id = ?", [user_id])
        cur.execute("UPDATE users SET role = ?, updated_at = ? WHERE id = ?", [role.value, now, user_id])
        _end_sessions(cur, user_id)
        events.record(cur, actor, "role_changed", "user", entity_id=user_id,
                      student_id=user_id if old == Role.STUDENT else None,
                      detail={"from": old.value, "to": role.value, **left}, now=now)
        return _user(row(cur, "SELECT * FROM users WHERE id = ?", [user_id]))

    return db.transaction(work)


def set_active(db: Database, actor: Actor, user_id: int, active: bool, *, now: datetime | None = None) -> User:
    """Deactivate (no sign-in, data kept) or reactivate an account (admins only).

    Sign-in builds its credentials from active accounts only, so a deactivated user can neither
    sign in nor keep using an old session cookie.
    """
    require_role(actor, Role.ADMIN)
    now = now or utcnow()

    def work(cur: Cursor) -> User:
        found = _admin_target(cur, user_id)
        if bool(found["active"]) == active:
            return _user(found)
        if not active and user_id == actor.user_id:
            raise AccountError("You cannot deactivate your own account.")
        if not active and found["role"] == Role.ADMIN and not _other_active_admins(cur, user_id):
            raise AccountError("This is the last active admin; it cannot be deactivated.")
        cur.execute("UPDATE users SET active = ?, updated_at = ? WHERE id = ?", [active, now, user_id])
        if not active:
            _end_sessions(cur, user_id)
        events.record(cur, actor, "reactivated" if active else "deactivated", "user", entity_id=user_id,
                      student_id=user_id if found["role"] == Role.STUDENT else None,
                      detail={"username": found["username"]}, now=now)
        return _user(row(cur, "SELECT * FROM users WHERE id = ?", [user_id]))

    return db.transaction(work)


def reset_password(db: Database, actor: Actor, user_id: int, *, now: datetime | None = None, rounds: int = 12) -> str:
    """Give an account a new one-time password (admins only) and return it, to be shown once.

    The user must choose their own at the next sign-in; any lockout of the username ends too,
    since the career office has just confirmed who they are.
    """
    require_role(actor, Role.ADMIN)
    now = now or utcnow()
    password = one_time_password()
    password_hash = hash_password(password, rounds=rounds)

    def work(cur: Cursor) -> None:
        found = _admin_target(cur, user_id)
        cur.execute(
            """UPDATE users SET password_hash = ?, must_change_password = true, failed_login_attempts = 0,
                      updated_at = ? WHERE id = ?""",
            [password_hash, now, user_id],
        )
        _end_lockout(cur, found["username"], now)
        _end_sessions(cur, user_id)
        events.record(cur, actor, "password_reset", "user", entity_id=user_id,
                      student_id=user_id if found["role"] == Role.STUDENT else None, now=now)

    db.transaction(work)
    return password


# Written into login_attempts.client_address for the row that ends a lockout, so the sign-in log
# shows that this "success" was the career office's unlock and not a sign-in.
UNLOCK_MARK = "unlocked-by-career-office"


def _end_lockout(cur: Cursor, username: str, now: datetime) -> None:
    # The throttle counts failures since the username's last success; a success row ends the
    # lockout without deleting the failures, which stay in the log as evidence.
    cur.execute(
        "INSERT INTO login_attempts (username, client_address, succeeded, attempted_at) VALUES (?, ?, true, ?)",
        [username, UNLOCK_MARK, now],
    )


def unlock(db: Database, actor: Actor, user_id: int, *, now: datetime | None = None) -> None:
    """End a sign-in lockout of an account after too many failures (admins only)."""
    require_role(actor, Role.ADMIN)
    now = now or utcnow()

    def work(cur: Cursor) -> None:
        found = _admin_target(cur, user_id)
        cur.execute("UPDATE users SET failed_login_attempts = 0, updated_at = ? WHERE id = ?", [now, user_id])
        _end_lockout(cur, found["username"], now)
        events.record(cur, actor, "unlocked", "user", entity_id=user_id,
                      student_id=user_id if found["role"] == Role.STUDENT else None, now=now)

    db.transaction(work)


def session_moment() -> datetime:
    """Now as naive UTC to the microsecond (utcnow() drops them): sign-in and session-end times."""
    from datetime import timezone

    return datetime.now(timezone.utc).replace(tzinfo=None)


def _end_sessions(cur: Cursor, user_id: int, moment: datetime | None = None) -> datetime:
    """End every session and re-login cookie of the account (core/identity/sessions.py); returns the moment.

    Each session row records its end, which the page guard and the re-login cookie check on every run.
    """
    moment = moment or session_moment()
    revoke_all(cur, user_id, moment)
    return moment


def revoke_sessions(db: Database, actor: Actor, *, now: datetime | None = None) -> datetime:
    """Sign the actor out everywhere: every session and re-login cookie from before now ends."""

    def work(cur: Cursor) -> datetime:
        moment = _end_sessions(cur, actor.user_id, now)
        events.record(cur, actor, "signed_out", "user", entity_id=actor.user_id,
                      student_id=_student_or_none(cur, actor.user_id), now=moment.replace(microsecond=0))
        return moment

    return db.transaction(work)
