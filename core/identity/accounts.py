"""Accounts: creation, passwords (streamlit-authenticator's Hasher), sign-in throttling, the password rule."""

from __future__ import annotations

import base64
import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import bcrypt
from zxcvbn import zxcvbn

from core.clock import utcnow
from core.config import get_settings
from core.errors import AccessDenied, AccountError, NotFound, SignInRefused
from core.identity.access import active_only, can_read_student, require_role
from core.identity.sessions import revoke_all
from core.models import PASSWORD_MAX_LENGTH, Actor, Role, User, UserCreate, searchable
from core.store import events
from core.store.db import Cursor, Database, row, rows, scalar

# The cost streamlit-authenticator's Hasher.hash uses (bcrypt's default); at any other cost (tests, one-time
# passwords) the hash is made by bcrypt in the same format, which Hasher.check_pw checks all the same.
HASHER_ROUNDS = 12
# bcrypt reads at most 72 bytes of what it hashes. A longer password (a passphrase, or any letters outside
# A to Z, which take two to four bytes each) is first reduced to its SHA-256, so every character counts.
PASSWORD_MAX_BYTES = 72
_LONG_MARK = "sha256:"


def _hasher_input(password: str) -> str:
    """What goes to bcrypt for a password: the password as typed, or its SHA-256 when over 72 bytes."""
    data = password.encode("utf-8")
    if len(data) <= PASSWORD_MAX_BYTES:
        return password
    return _LONG_MARK + base64.b64encode(hashlib.sha256(data).digest()).decode()


def _normal(password: str) -> str:
    # The same passphrase typed on a phone and on a laptop can reach the server composed differently
    # ("é" as one character or two); NFKC makes them one (as NIST SP 800-63B recommends).
    return unicodedata.normalize("NFKC", password)


@lru_cache(maxsize=1)
def _hasher() -> Any:
    """streamlit-authenticator's Hasher, imported on first use: the package loads Streamlit with it, which
    a command that never hashes a password (the job runner, an export) has no need to start."""
    from streamlit_authenticator.utilities.hasher import Hasher

    return Hasher


def is_password_hash(text: str) -> bool:
    """Whether a stored value is a bcrypt hash streamlit-authenticator's Hasher makes and checks."""
    return _hasher().is_hash(text)


def hash_password(password: str, *, rounds: int = HASHER_ROUNDS) -> str:
    """The stored hash of a password, made by streamlit-authenticator's Hasher (see HASHER_ROUNDS)."""
    secret = _hasher_input(_normal(password))
    if rounds == HASHER_ROUNDS:
        return _hasher().hash(secret)
    return bcrypt.hashpw(secret.encode("utf-8"), bcrypt.gensalt(rounds=rounds)).decode()


def check_password(password: str, password_hash: str) -> bool:
    """Whether the password matches the stored hash, checked by streamlit-authenticator's Hasher.

    A hash imported from another streamlit-authenticator app was made from the password exactly as
    typed there, so an unnormalised form is tried too when it differs.
    """
    typed = [_normal(password)] + ([password] if _normal(password) != password else [])
    for form in typed:
        try:
            if _hasher().check_pw(_hasher_input(form), password_hash):
                return True
        except ValueError:
            return False
    return False


def one_time_password() -> str:
    """A readable random password, 14 characters (upper, lower, digit and symbol for older checkers).

    About 49 bits (8 letters from 23, 4 digits), enough for a cheaper hash: it must be replaced at
    first sign-in, by one that meets the password rule.
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


@active_only
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


@active_only
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
            # The address goes with the event, so the audit log shows where each sign-in came from.
            events.record(cur, Actor(user_id, Role.STUDENT), "signed_in", "user", entity_id=user_id,
                          student_id=_student_or_none(cur, user_id), detail={"address": address} if address else None,
                          now=now)
        elif failed_count is not None:
            cur.execute("UPDATE users SET failed_login_attempts = ? WHERE id = ?", [failed_count, user_id])
        else:
            cur.execute("UPDATE users SET failed_login_attempts = failed_login_attempts + 1 WHERE id = ?", [user_id])

    db.transaction(work)


def _student_or_none(cur: Cursor, user_id: int) -> int | None:
    return user_id if scalar(cur, "SELECT role FROM users WHERE id = ?", [user_id]) == "student" else None


@active_only
def set_password_hash(db: Database, actor: Actor, user_id: int, password_hash: str, *,
                      now: datetime | None = None) -> datetime:
    """Store a new password hash for yourself (clears the one-time-password flag).

    Every session and re-login cookie of the account ends (the returned moment); the page that made
    the change starts a new session for its own tab.
    """
    if actor.user_id != user_id:
        raise AccessDenied("You can only change your own password.")
    if not is_password_hash(password_hash):
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


@active_only
def change_password(db: Database, actor: Actor, current: str, new: str, *, rounds: int = HASHER_ROUNDS,
                    min_length: int | None = None) -> datetime:
    """Check the current password, check the new one against the rule (password_problem), and store it.

    Other sessions end; see set_password_hash.
    """
    with db.cursor() as cur:
        found = row(cur, "SELECT password_hash, username, email, first_name, last_name FROM users WHERE id = ?",
                    [actor.user_id])
    if found is None or not check_password(current, found["password_hash"]):
        raise AccountError("The current password is not right.")
    problem = password_problem(new, min_length=min_length, user_inputs=(
        found["username"], found["email"], found["first_name"], found["last_name"]))
    if problem:
        raise AccountError(problem)
    if new == current:
        raise AccountError("The new password must differ from the current one.")
    return set_password_hash(db, actor, actor.user_id, hash_password(new, rounds=rounds))


# The password rule, defined once (NIST SP 800-63B): a length the career office sets
# (Settings.password_min_length), up to PASSWORD_MAX_LENGTH characters of any kind, spaces included,
# no composition rules, and nothing common or easy to guess (zxcvbn). The Account page, registration
# and the production setup command all read it from here. Existing passwords keep working until changed:
# the rule is checked when a password is chosen, never at sign-in.
# zxcvbn's score from 0 to 4; below 3 a password falls to a guessing attack on a stolen hash.
PASSWORD_MIN_SCORE = 3
# zxcvbn takes time that grows fast with length and reads at most 72 characters; a longer passphrase is
# judged by its first 72, which hold its guessable part if it has one.
_SCORED_CHARACTERS = 72


def _min_length(min_length: int | None) -> int:
    return get_settings().password_min_length if min_length is None else min_length


def password_rule(min_length: int | None = None) -> str:
    """The rule in words, as the password forms show it."""
    return (f"At least {_min_length(min_length)} characters, up to {PASSWORD_MAX_LENGTH}. Spaces and letters of "
            "any language are welcome, and no mix of digits or symbols is required: a few unrelated words make "
            "a passphrase that is easy to remember and hard to guess. Common passwords, and ones easy to "
            "guess from your name, are refused.")


def password_problem(password: str, *, min_length: int | None = None, user_inputs: tuple[str, ...] = ()) -> str | None:
    """Why a password cannot be chosen (see password_rule), or None.

    min_length defaults to the career office's setting; user_inputs are the person's own words (username,
    names, email) that make a password easy to guess for someone who knows them.
    """
    need = _min_length(min_length)
    typed = _normal(password)
    if len(typed) < need:
        return f"A password needs at least {need} characters; this one has {len(typed)}."
    if len(typed) > PASSWORD_MAX_LENGTH:
        return f"A password can have at most {PASSWORD_MAX_LENGTH} characters; this one has {len(typed)}."
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in typed):
        return "A password cannot hold control characters such as a tab or a line break."
    if not typed.strip():
        return "A password cannot be spaces only."
    words = [w for text in user_inputs if text for w in _inputs(text)]
    verdict = zxcvbn(typed[:_SCORED_CHARACTERS], user_inputs=words, max_length=_SCORED_CHARACTERS)
    if verdict["score"] >= PASSWORD_MIN_SCORE:
        return None
    warning = verdict["feedback"].get("warning") or ""
    tips = " ".join(verdict["feedback"].get("suggestions") or [])
    return " ".join(part for part in (
        "That password is too easy to guess.", warning,
        tips or "Add a few more unrelated words: length makes a password strong.") if part)


def _inputs(text: str) -> list[str]:
    # An email address counts whole and by its name part, with and without its dots; a name counts whole
    # and word by word.
    text = text.strip().lower()
    name = text.split("@", 1)[0]
    parts = [text, name, "".join(c for c in name if c.isalnum())]
    parts += [w for w in text.replace("@", " ").replace(".", " ").replace("_", " ").replace("-", " ").split() if w]
    return list(dict.fromkeys(p for p in parts if len(p) >= 3))


@active_only
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


@active_only
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


@active_only
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
