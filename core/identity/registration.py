"""Self-registration with a cohort's invite code: who may register, and creating the account.

Off by default. The career office opens it per cohort (core.admin.cohorts.set_registration) with
an invite code and, optionally, the email domains allowed (for example the school's own).
Registering creates a student account in that cohort; nobody is signed in while doing it, so
the new account itself is recorded as the actor of the events.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from core.clock import utcnow
from core.errors import AccountError, RegistrationError
from core.identity.accounts import HASHER_ROUNDS, _ensure_unused, hash_password, is_password_hash, password_problem
from core.models import Actor, Role, UserCreate, describe, searchable
from core.store import events
from core.store.db import Cursor, Database, row, scalar


@dataclass(frozen=True)
class OpenCohort:
    """A cohort that takes registrations under a code, and the email domains it allows (empty: any)."""

    id: int
    name: str
    allowed_domains: tuple[str, ...]


_NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                 "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty")


@dataclass(frozen=True)
class WordChallenge:
    """The registration's check against scripted sign-ups, as a question in words: the alternative to the picture
    of digits for a person who cannot see it (read by a screen reader, or typed into a braille display)."""

    question: str
    answer: int

    def accepts(self, typed: str) -> bool:
        """Whether the typed answer is right, in digits ("11") or in words ("eleven"), spaces and case aside."""
        typed = " ".join((typed or "").lower().split())
        return typed == str(self.answer) or typed == _NUMBER_WORDS[self.answer]


def word_challenge(rng: random.Random | None = None) -> WordChallenge:
    """A new question in words with a whole-number answer from 0 to 20 (a sum, or the largest of three numbers)."""
    rng = rng or secrets.SystemRandom()
    if rng.random() < 0.5:
        a, b = rng.randint(1, 10), rng.randint(1, 10)
        return WordChallenge(f"What is {_NUMBER_WORDS[a]} plus {_NUMBER_WORDS[b]}?", a + b)
    numbers = rng.sample(range(1, 21), 3)
    said = ", ".join(_NUMBER_WORDS[n] for n in numbers[:2]) + f" and {_NUMBER_WORDS[numbers[2]]}"
    return WordChallenge(f"Which is the largest of {said}?", max(numbers))


def normalize_code(code: str) -> str:
    """An invite code as stored: upper case, spaces (and anything that is not text) dropped: people type codes
    loosely."""
    return searchable(code).upper().replace(" ", "")


def registration_open_anywhere(db: Database) -> bool:
    """Whether any cohort takes registrations (the sign-in page offers the form only then)."""
    with db.cursor() as cur:
        return bool(scalar(cur, "SELECT count(*) FROM cohorts WHERE self_registration AND archived_at IS NULL "
                                "AND invite_code IS NOT NULL"))


def cohort_for_code(db: Database, code: str) -> OpenCohort | None:
    """The open, unarchived cohort this invite code belongs to, or None (wrong code or closed)."""
    code = normalize_code(code or "")
    if not code:
        return None
    with db.cursor() as cur:
        return _open_cohort(cur, code)


def _open_cohort(cur: Cursor, code: str) -> OpenCohort | None:
    found = row(cur, """SELECT id, name, allowed_email_domains FROM cohorts
                        WHERE invite_code = ? AND self_registration AND archived_at IS NULL""", [code])
    if found is None:
        return None
    domains = tuple(d for d in (found["allowed_email_domains"] or "").split(",") if d)
    return OpenCohort(found["id"], found["name"], domains)


def email_allowed(email: str, domains: tuple[str, ...] | list[str]) -> bool:
    """Whether an email address ends in one of the allowed domains (any address when none is set)."""
    if not domains:
        return True
    return email.strip().lower().rsplit("@", 1)[-1] in {d.lower() for d in domains}


def register_student(
    db: Database, *, invite_code: str, username: str, email: str, first_name: str, last_name: str,
    password: str | None = None, password_hash: str | None = None, now: datetime | None = None,
    rounds: int = HASHER_ROUNDS, min_length: int | None = None,
) -> int:
    """Create a student account in the cohort of an open invite code; returns the new user id.

    Takes the password or a hash already made by streamlit-authenticator's Hasher. Everything is
    checked again here (code, domain, unused username and email, the password rule with the career
    office's minimum length, min_length when given) in the same
    transaction that writes, so the form's own checks are a convenience, not the gate.
    """
    now = now or utcnow()
    if (password is None) == (password_hash is None):
        raise ValueError("give exactly one of password or password_hash")
    if password is not None:
        problem = password_problem(password, min_length=min_length,
                                   user_inputs=(username, email, first_name, last_name))
        if problem:
            raise RegistrationError(problem)
    try:
        data = UserCreate(username=username, email=email, first_name=first_name, last_name=last_name,
                          role=Role.STUDENT, password="x" * 8)
    except ValidationError as exc:
        raise RegistrationError(describe(exc)) from exc
    if password_hash is not None and not is_password_hash(password_hash):
        raise ValueError("not a bcrypt hash")
    stored_hash = password_hash or hash_password(password, rounds=rounds)
    code = normalize_code(invite_code or "")

    def work(cur: Cursor) -> int:
        cohort = _open_cohort(cur, code) if code else None
        if cohort is None:
            raise RegistrationError("That invite code is not valid, or registration for its cohort is closed.")
        if not email_allowed(data.email, cohort.allowed_domains):
            raise RegistrationError("Please register with your school email address ("
                                    + " or ".join(f"@{d}" for d in cohort.allowed_domains) + ").")
        try:
            _ensure_unused(cur, data.username, data.email)
        except AccountError as exc:
            raise RegistrationError(str(exc)) from exc
        new_id = scalar(
            cur,
            """INSERT INTO users (username, email, first_name, last_name, role, password_hash, created_at, updated_at,
                                 password_changed_at)
               VALUES (?, ?, ?, ?, 'student', ?, ?, ?, ?) RETURNING id""",
            [data.username, data.email, data.first_name, data.last_name, stored_hash, now, now, now],
        )
        cur.execute("INSERT INTO cohort_members VALUES (?, ?, ?)", [new_id, cohort.id, now])
        me = Actor(new_id, Role.STUDENT, f"{data.first_name} {data.last_name}")
        events.record(cur, me, "registered", "user", entity_id=new_id, student_id=new_id,
                      detail={"username": data.username, "cohort_id": cohort.id}, now=now)
        return new_id

    return db.transaction(work)
