"""Moving from a streamlit-authenticator app: its credentials file becomes portal accounts, hashes kept.

`portal import-credentials FILE` reads the YAML file such an app keeps (the whole config with its
`credentials:` table, or that table alone): under `usernames`, each username with `email`,
`first_name` and `last_name` (or the older single `name`), `password` and, optionally, `roles`.
A password that is a bcrypt hash (streamlit-authenticator's Hasher made it; the portal's Hasher checks
it) is kept as it is, so people sign in with the password they had, no reset needed. A password still
in plain text (that app hashes those only when it runs) is hashed here and must be replaced at the
first sign-in. Roles: `admin` or `counselor` among `roles` gives that role, anything else the
`--role` given (student by default); `--cohort` puts the students in a cohort.

Everything is checked before anything is written: a file with any problem writes nothing and names
every problem by username. An account whose username is in the portal already is left as it is, so
running the import again is safe.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from core.admin.backup import open_for_command
from core.clock import utcnow
from core.config import get_settings
from core.errors import AccountError
from core.identity.access import require_role
from core.identity.accounts import hash_password, is_password_hash
from core.models import SYSTEM, Actor, Role, UserCreate, describe
from core.store import events
from core.store.commands import command
from core.store.db import Cursor, Database, row, scalar

# A credentials file of a whole institution is a few thousand people; far larger is not one.
MAX_FILE_BYTES = 20 * 1024 * 1024
_ROLES = {"admin": Role.ADMIN, "counselor": Role.COUNSELOR}


@dataclass(frozen=True)
class CredentialAccount:
    """One person of the file, checked: what the portal will create."""

    username: str
    email: str
    first_name: str
    last_name: str
    role: Role
    password_hash: str
    must_change_password: bool


@dataclass
class CredentialsImport:
    """What an import did (or, with problems, would not do): accounts created, ones already here, problems."""

    created: list[CredentialAccount] = field(default_factory=list)
    already_here: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_credentials(text: str, *, default_role: Role = Role.STUDENT,
                     rounds: int = 12) -> tuple[list[CredentialAccount], list[str]]:
    """The accounts of a credentials file and, by username, every problem found (nothing is written)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 1})" if where is not None else ""
        raise AccountError(f"The file is not readable YAML{line}: a streamlit-authenticator credentials file "
                           "is expected.") from None
    table = data.get("credentials", data) if isinstance(data, dict) else None
    people = table.get("usernames") if isinstance(table, dict) else None
    if not isinstance(people, dict) or not people:
        raise AccountError("The file holds no `credentials: usernames:` table of people: a streamlit-authenticator "
                           "credentials file is expected.")
    accounts: list[CredentialAccount] = []
    problems: list[str] = []
    for username, details in people.items():
        try:
            accounts.append(_account(str(username), details, default_role, rounds))
        except ValueError as exc:
            problems.append(f"{username}: {exc}")
    return accounts, problems


def _account(username: str, details: Any, default_role: Role, rounds: int) -> CredentialAccount:
    if not isinstance(details, dict):
        raise ValueError("no email, name and password under it.")
    first, last = details.get("first_name"), details.get("last_name")
    if not first and not last and details.get("name"):
        first, _, last = str(details["name"]).strip().partition(" ")
    password = details.get("password")
    if not isinstance(password, str) or not password:
        raise ValueError("no password.")
    roles = details.get("roles") or []
    roles = [str(r).lower() for r in (roles if isinstance(roles, list) else [roles])]
    role = next((_ROLES[r] for r in ("admin", "counselor") if r in roles), default_role)
    try:
        # The model checks the name and email rules; its password field is not the stored hash.
        data = UserCreate(username=username, email=str(details.get("email") or ""), first_name=str(first or ""),
                          last_name=str(last or ""), role=role, password="x" * 8)
    except ValidationError as exc:
        raise ValueError(describe(exc) + ".") from None
    kept = is_password_hash(password)
    stored = password if kept else hash_password(password, rounds=rounds)
    return CredentialAccount(data.username, data.email, data.first_name, data.last_name, role, stored,
                             must_change_password=not kept)


def import_credentials(db: Database, actor: Actor, text: str, *, default_role: Role = Role.STUDENT,
                       cohort: str | None = None, now: datetime | None = None, rounds: int = 12) -> CredentialsImport:
    """Create the accounts of a streamlit-authenticator credentials file (admins only), hashes kept.

    All or nothing: with any problem (an unreadable entry, an email another account uses, a cohort
    not found) nothing is written and `problems` names each.
    """
    require_role(actor, Role.ADMIN)
    now = now or utcnow()
    accounts, problems = read_credentials(text, default_role=default_role, rounds=rounds)
    result = CredentialsImport(problems=problems)

    def work(cur: Cursor) -> None:
        cohort_id = None
        if cohort:
            cohort_id = scalar(cur, "SELECT id FROM cohorts WHERE lower(name) = lower(?) AND archived_at IS NULL",
                               [cohort.strip()])
            if cohort_id is None:
                result.problems.append(f"No open cohort is named {cohort.strip()!r}.")
        emails: dict[str, str] = {}
        fresh = []
        for account in accounts:
            if scalar(cur, "SELECT count(*) FROM users WHERE username = ?", [account.username]):
                result.already_here.append(account.username)
                continue
            clash = row(cur, "SELECT username FROM users WHERE lower(email) = lower(?)", [account.email])
            other = emails.setdefault(account.email.lower(), account.username)
            if clash or other != account.username:
                who = clash["username"] if clash else other
                result.problems.append(f"{account.username}: the email {account.email} is already used by {who}.")
                continue
            fresh.append(account)
        if result.problems:
            return
        for account in fresh:
            new_id = scalar(
                cur,
                """INSERT INTO users (username, email, first_name, last_name, role, password_hash,
                                     must_change_password, created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
                [account.username, account.email, account.first_name, account.last_name, account.role.value,
                 account.password_hash, account.must_change_password, now, now],
            )
            student = account.role == Role.STUDENT
            if student and cohort_id is not None:
                cur.execute("INSERT INTO cohort_members VALUES (?, ?, ?)", [new_id, cohort_id, now])
            events.record(cur, actor, "created", "user", entity_id=new_id, student_id=new_id if student else None,
                          detail={"role": account.role.value, "username": account.username,
                                  "from": "credentials file"}, now=now)
            result.created.append(account)

    db.transaction(work)
    if result.problems:
        result.created = []
    return result


@command
def main(argv: list[str] | None = None) -> int:
    """Command line: import a streamlit-authenticator credentials file into the configured database."""
    parser = argparse.ArgumentParser(prog="portal import-credentials", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", help="the credentials YAML file (config.yaml of the streamlit-authenticator app)")
    parser.add_argument("--role", choices=[r.value for r in Role], default=Role.STUDENT.value,
                        help="the role of people whose roles name neither admin nor counselor (default: student)")
    parser.add_argument("--cohort", help="the name of the cohort the students join")
    args = parser.parse_args(argv)
    path = Path(args.file)
    if path.stat().st_size > MAX_FILE_BYTES:
        raise AccountError(f"{path} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB: not a credentials file.")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise AccountError(f"{path} is not UTF-8 text: save the credentials file as UTF-8 and try again.") from None
    settings = get_settings()
    db = open_for_command(settings.database_location)
    if db is None:
        return 2
    try:
        result = import_credentials(db, SYSTEM, text, default_role=Role(args.role), cohort=args.cohort,
                                    rounds=settings.bcrypt_rounds)
    finally:
        db.close()
    if result.problems:
        print("Nothing imported. Fix these in the file and run the import again:", file=sys.stderr)
        for problem in result.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    kept = sum(not a.must_change_password for a in result.created)
    print(f"{len(result.created)} accounts created ({kept} keep their password; "
          f"{len(result.created) - kept} had a plain-text password and must choose one at first sign-in).")
    if result.already_here:
        print(f"{len(result.already_here)} already in the portal, left as they are: " + ", ".join(result.already_here))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
