"""Single sign-on: who a provider's verified email is in the portal, and the career office's rules for it.

The institution's OpenID Connect provider says who someone is (Streamlit's st.login does the
protocol); the portal decides what they may do. A person is matched by the provider's verified
email to an account the roster, registration or the career office made, and keeps that account's
role. An email without an account is refused with a message to ask the career office, unless the
career office lets the email's domain into a cohort: then a student account is made in it.

The career office may require single sign-on: password sign-in is then refused for everyone but
one break-glass admin, who keeps it for when the provider is down or misconfigured.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.clock import utcnow
from core.errors import ENDED_MESSAGE, INACTIVE_MESSAGE, SSOPolicyError, SSORefused
from core.identity.access import active_only, require_role
from core.identity.accounts import hash_password
from core.models import FORMULA_START, Actor, Role, searchable, text_problem
from core.store import events
from core.store.db import Cursor, Database, row, rows, scalar

UNVERIFIED_MESSAGE = ("Your institution's sign-in did not confirm your email address, so the portal cannot tell "
                      "which account is yours. Ask your career office.")
PASSWORD_CLOSED_MESSAGE = ("This portal signs you in through your institution's account: use the button above. "
                           "Password sign-in is kept for the career office's emergency account.")
_DOMAIN = re.compile(r"^(?=.{3,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_USERNAME_CLEAN = re.compile(r"[^a-z0-9._-]+")


def unknown_message(email: str) -> str:
    """What someone whose email has no account is told."""
    return (f"There is no portal account for {email}. Ask your career office to add you: they can create your "
            "account, or tell you which address the portal knows you by.")


@dataclass(frozen=True)
class Policy:
    """The career office's single sign-on rules."""

    require_sso: bool = False
    break_glass_user_id: int | None = None
    domains: dict[str, int] = field(default_factory=dict)  # email domain -> cohort id


def policy(db: Database) -> Policy:
    """The current single sign-on rules."""
    with db.cursor() as cur:
        found = row(cur, "SELECT require_sso, break_glass_user_id FROM sso_policy WHERE id = 1") or {}
        domains = {r["domain"]: int(r["cohort_id"]) for r in rows(cur, "SELECT domain, cohort_id FROM sso_domains "
                                                                        "ORDER BY domain")}
    return Policy(bool(found.get("require_sso")), found.get("break_glass_user_id"), domains)


@active_only
def set_requirement(db: Database, actor: Actor, *, require_sso: bool, break_glass_user_id: int | None,
                    now: datetime | None = None) -> Policy:
    """Require single sign-on for everyone but the break-glass admin, or not (admins only)."""
    require_role(actor, Role.ADMIN)
    now = now or utcnow()

    def work(cur: Cursor) -> None:
        if require_sso:
            if break_glass_user_id is None:
                raise SSOPolicyError("Choose the admin who keeps password sign-in for emergencies.")
            if not scalar(cur, "SELECT count(*) FROM users WHERE id = ? AND role = 'admin' AND active",
                          [break_glass_user_id]):
                raise SSOPolicyError("The emergency account must be an active admin.")
        cur.execute("UPDATE sso_policy SET require_sso = ?, break_glass_user_id = ?, updated_by = ?, updated_at = ? "
                    "WHERE id = 1", [require_sso, break_glass_user_id, actor.user_id, now])
        events.record(cur, actor, "sso_policy_changed", "sso_policy", entity_id=1,
                      detail={"require_sso": require_sso, "break_glass_user_id": break_glass_user_id}, now=now)

    db.transaction(work)
    return policy(db)


def normalize_domain(domain: str) -> str:
    """A domain as stored ("@College.EDU " -> "college.edu"), or SSOPolicyError."""
    cleaned = domain.strip().lower().lstrip("@")
    if not _DOMAIN.match(cleaned):
        raise SSOPolicyError(f"{domain.strip() or 'An empty text'} is not an email domain such as college.edu.")
    return cleaned


def allow_domain(db: Database, actor: Actor, *, domain: str, cohort_id: int, now: datetime | None = None) -> None:
    """Let people of an email domain without an account become students of a cohort at sign-in (admins only)."""
    require_role(actor, Role.ADMIN)
    now = now or utcnow()
    domain = normalize_domain(domain)

    def work(cur: Cursor) -> None:
        if not scalar(cur, "SELECT count(*) FROM cohorts WHERE id = ? AND archived_at IS NULL", [cohort_id]):
            raise SSOPolicyError("Choose a cohort that is not archived.")
        taken = scalar(cur, "SELECT c.name FROM sso_domains d JOIN cohorts c ON c.id = d.cohort_id WHERE d.domain = ?",
                       [domain])
        if taken is not None:
            raise SSOPolicyError(f"{domain} already leads to {taken}; remove it there first.")
        cur.execute("INSERT INTO sso_domains (domain, cohort_id, created_by, created_at) VALUES (?, ?, ?, ?)",
                    [domain, cohort_id, actor.user_id, now])
        events.record(cur, actor, "sso_domain_allowed", "cohort", entity_id=cohort_id,
                      detail={"domain": domain}, now=now)

    db.transaction(work)


def remove_domain(db: Database, actor: Actor, *, domain: str, now: datetime | None = None) -> None:
    """Stop making accounts for a domain (admins only); accounts already made stay."""
    require_role(actor, Role.ADMIN)
    now = now or utcnow()
    domain = normalize_domain(domain)

    def work(cur: Cursor) -> None:
        cohort_id = scalar(cur, "SELECT cohort_id FROM sso_domains WHERE domain = ?", [domain])
        if cohort_id is None:
            return
        cur.execute("DELETE FROM sso_domains WHERE domain = ?", [domain])
        events.record(cur, actor, "sso_domain_removed", "cohort", entity_id=cohort_id,
                      detail={"domain": domain}, now=now)

    db.transaction(work)


def password_sign_in_open(db: Database, username: str) -> bool:
    """Whether a password sign-in may be tried for this typed username (always, unless SSO is required)."""
    with db.cursor() as cur:
        found = row(cur, """SELECT p.require_sso, u.username AS keeper FROM sso_policy p
                            LEFT JOIN users u ON u.id = p.break_glass_user_id WHERE p.id = 1""")
    if not found or not found["require_sso"]:
        return True
    return found["keeper"] is not None and username.strip().lower() == found["keeper"]


def _username(cur: Cursor, email: str) -> str:
    base = (_USERNAME_CLEAN.sub("", email.split("@", 1)[0].lower()).strip("._-") or "student")[:18].ljust(2, "0")
    candidate, n = base, 1
    while scalar(cur, "SELECT count(*) FROM users WHERE username = ?", [candidate]):
        n += 1
        candidate = f"{base}{n}"
    return candidate


def _claimed(value: Any) -> str:
    """A name as the provider gave it, made to follow the rule for people's names (core/models.py name_problem):
    no control character or line break, no formula's first sign. A sign-in is not refused for its provider's
    spelling."""
    return searchable(str(value or ""), limit=100).lstrip("".join(FORMULA_START) + " ")


def _names(claims: dict, email: str) -> tuple[str, str]:
    first = _claimed(claims.get("given_name"))
    last = _claimed(claims.get("family_name"))
    if not first and not last:
        first, _, last = _claimed(claims.get("name")).partition(" ")
    if not first:
        first = email.split("@", 1)[0]
    return first[:100], (last or "-")[:100]


@dataclass(frozen=True)
class SignedIn:
    """The account a provider's sign-in stands for."""

    user_id: int
    username: str


def sign_in(db: Database, *, email: str | None, email_verified: object, issued_at: datetime | None,
            claims: dict | None = None, require_verified: bool = True, now: datetime | None = None) -> SignedIn:
    """The account a provider's sign-in stands for, or SSORefused saying what to do.

    issued_at is when the provider issued its identity token (naive UTC): one issued before the
    account's sessions were last ended (sign-out everywhere, a password or role change) no longer
    counts, to the second, since providers give whole seconds.
    """
    now = now or utcnow()
    email = (email or "").strip().lower()
    if not email or "@" not in email or text_problem(email, one_line=True) \
            or (require_verified and email_verified is not True):
        raise SSORefused(UNVERIFIED_MESSAGE)

    def work(cur: Cursor) -> SignedIn:
        found = row(cur, "SELECT id, username, active FROM users WHERE lower(email) = ?", [email])
        if found is not None:
            if not found["active"]:
                raise SSORefused(INACTIVE_MESSAGE)
            ended = scalar(cur, "SELECT max(revoked_at) FROM sessions WHERE user_id = ?", [found["id"]])
            if ended is not None and issued_at is not None and issued_at < ended.replace(microsecond=0):
                raise SSORefused(ENDED_MESSAGE, ended=True)
            return SignedIn(int(found["id"]), found["username"])
        cohort_id = scalar(cur, """SELECT d.cohort_id FROM sso_domains d JOIN cohorts c ON c.id = d.cohort_id
                                   WHERE d.domain = ? AND c.archived_at IS NULL""", [email.rsplit("@", 1)[1]])
        if cohort_id is None:
            raise SSORefused(unknown_message(email))
        first, last = _names(claims or {}, email)
        username = _username(cur, email)
        # Nobody knows this password: the account signs in through the provider (the career office can
        # give it a one-time password later, like any other).
        unusable = hash_password(secrets.token_urlsafe(24), rounds=4)
        new_id = scalar(
            cur,
            """INSERT INTO users (username, email, first_name, last_name, role, password_hash, created_at, updated_at,
                                 password_changed_at)
               VALUES (?, ?, ?, ?, 'student', ?, ?, ?, ?) RETURNING id""",
            [username, email, first, last, unusable, now, now, now],
        )
        cur.execute("INSERT INTO cohort_members VALUES (?, ?, ?)", [new_id, cohort_id, now])
        events.record(cur, Actor(new_id, Role.STUDENT, f"{first} {last}"), "registered", "user", entity_id=new_id,
                      student_id=new_id, detail={"username": username, "cohort_id": cohort_id, "via": "single sign-on"},
                      now=now)
        return SignedIn(int(new_id), username)

    return db.transaction(work)
