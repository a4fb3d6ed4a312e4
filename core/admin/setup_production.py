"""Set up a real instance: a strong cookie key, demo mode off, the schema, and the first admin.

    make setup-production                                   (asks for the first admin's details)
    portal setup-production --admin-username ops --admin-email ops@college.edu \\
        --admin-first-name Ada --admin-last-name Ops --admin-password-file /run/secrets/admin-pw

Writes the [portal] table of .streamlit/secrets.toml (or PORTAL_SECRETS_FILE), which git
ignores, readable by the owner only. An existing cookie key is kept unless --force is given,
since replacing it signs everyone out. A database holding the demo cohort is refused: real
students must not share a database with made-up ones.
"""

from __future__ import annotations

import argparse
import getpass
import os
import secrets
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.admin.library import load_library
from core.config import cookie_key_problem, get_settings, secrets_file
from core.errors import AccountError, SetupError
from core.identity.access import SYSTEM
from core.identity.accounts import create_user, password_problem
from core.models import Role, UserCreate, describe
from core.store.commands import command
from core.store.db import open_database, scalar
from core.store.migrate import apply_migrations

DEMO_EMAIL_DOMAIN = "demo.example.edu"


@dataclass(frozen=True)
class SecretsOutcome:
    path: Path
    key_written: bool


def new_cookie_key() -> str:
    """A 64-character random key (256 bits) for signing the re-login cookie."""
    return secrets.token_urlsafe(48)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
        return f'"{escaped}"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise SetupError(f"cannot write a {type(value).__name__} value back to the secrets file; edit it by hand")


def dump_toml(data: dict[str, Any]) -> str:
    """TOML text for plain values and nested tables (all a secrets file holds)."""
    lines: list[str] = []

    def table(prefix: str, body: dict[str, Any]) -> None:
        scalars = {k: v for k, v in body.items() if not isinstance(v, dict)}
        tables = {k: v for k, v in body.items() if isinstance(v, dict)}
        if prefix and (scalars or not tables):
            lines.append(f"[{prefix}]")
        for key, value in scalars.items():
            lines.append(f"{_key(key)} = {_toml_value(value)}")
        if scalars:
            lines.append("")
        for key, value in tables.items():
            table(f"{prefix}.{_key(key)}" if prefix else _key(key), value)

    table("", data)
    return "\n".join(lines).rstrip() + "\n"


def _key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else _toml_value(key)


def write_secrets(path: Path, *, force: bool = False) -> SecretsOutcome:
    """Put a strong cookie key and demo_mode = false into the file's [portal] table; keep the rest."""
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise SetupError(f"{path} is not valid TOML ({exc}); fix or move it, then run again.") from exc
    portal = data.setdefault("portal", {})
    if not isinstance(portal, dict):
        raise SetupError(f"{path}: 'portal' must be a table.")
    current = portal.get("cookie_key")
    usable = isinstance(current, str) and cookie_key_problem(current) is None
    write_key = force or not usable
    if write_key:
        portal["cookie_key"] = new_cookie_key()
    portal["demo_mode"] = False
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(path.name + ".new")
    # Created owner-only from the start, so the key is never readable by others even briefly.
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("# Written by `make setup-production`. Never commit this file.\n" + dump_toml(data))
    os.replace(staging, path)
    os.chmod(path, 0o600)
    return SecretsOutcome(path, write_key)


@dataclass(frozen=True)
class AdminDetails:
    username: str
    email: str
    first_name: str
    last_name: str
    password: str


def _ask(prompt: str, given: str | None) -> str:
    if given:
        return given
    if not sys.stdin.isatty():
        raise SetupError(f"{prompt.strip(': ')} is needed: pass it as a flag when not running interactively.")
    return input(prompt).strip()


def gather_admin(args: argparse.Namespace) -> AdminDetails:
    """The first admin's details from flags, asking for whatever is missing."""
    username = _ask("First admin's username: ", args.admin_username)
    email = _ask("Email: ", args.admin_email)
    first = _ask("First name: ", args.admin_first_name)
    last = _ask("Last name: ", args.admin_last_name)
    if args.admin_password_file:
        try:
            password = Path(args.admin_password_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SetupError(f"Cannot read the password file {args.admin_password_file}: "
                             f"{exc.strerror or exc}.") from None
        except UnicodeDecodeError:
            raise SetupError(f"The password file {args.admin_password_file} is not UTF-8 text; write the "
                             "password on one line in a plain text file.") from None
    else:
        if not sys.stdin.isatty():
            raise SetupError("Give the password with --admin-password-file when not running interactively.")
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat the password: ") != password:
            raise SetupError("The two passwords differ.")
    problem = password_problem(password)
    if problem:
        raise SetupError(problem)
    return AdminDetails(username, email, first, last, password)


def refuse_demo_data(db) -> None:
    """Stop when the database holds the demo cohort: real students must not mix with made-up ones."""
    with db.cursor() as cur:
        if scalar(cur, "SELECT count(*) FROM users WHERE email LIKE ?", [f"%@{DEMO_EMAIL_DOMAIN}"]):
            raise SetupError("This database holds the demo cohort. Move it aside (for example "
                             "`mv data/portal.duckdb data/demo.duckdb`) and run setup again for a clean one.")


def create_first_admin(db, details: AdminDetails, *, rounds: int) -> int | None:
    """Create the admin unless an active admin exists already; returns the new id or None."""
    from pydantic import ValidationError

    refuse_demo_data(db)
    with db.cursor() as cur:
        if scalar(cur, "SELECT count(*) FROM users WHERE role = 'admin' AND active"):
            return None
    try:
        data = UserCreate(username=details.username, email=details.email, first_name=details.first_name,
                          last_name=details.last_name, role=Role.ADMIN, password=details.password)
        return create_user(db, SYSTEM, data, rounds=rounds).id
    except ValidationError as exc:
        raise SetupError(describe(exc)) from exc
    except AccountError as exc:
        raise SetupError(str(exc)) from exc


@command
def main(argv: list[str] | None = None) -> int:
    """Command line: write the secrets, migrate, load the library, create the first admin."""
    parser = argparse.ArgumentParser(prog="portal setup-production", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--admin-username")
    parser.add_argument("--admin-email")
    parser.add_argument("--admin-first-name")
    parser.add_argument("--admin-last-name")
    parser.add_argument("--admin-password-file", help="a file holding the password (instead of the prompt)")
    parser.add_argument("--force", action="store_true", help="replace an existing cookie key (signs everyone out)")
    args = parser.parse_args(argv)

    try:
        outcome = write_secrets(secrets_file(), force=args.force)
        print(f"{outcome.path}: " + ("new cookie key written" if outcome.key_written
                                      else "existing cookie key kept (use --force to replace it)")
              + "; demo mode off.")
        get_settings.cache_clear()
        settings = get_settings()
        db = open_database(settings.database_location)
        try:
            apply_migrations(db)
            load_library(db)
            refuse_demo_data(db)
            with db.cursor() as cur:
                has_admin = scalar(cur, "SELECT count(*) FROM users WHERE role = 'admin' AND active")
            if has_admin:
                print(f"{db.path}: an admin exists already; no account created.")
            else:
                new_id = create_first_admin(db, gather_admin(args), rounds=settings.bcrypt_rounds)
                print(f"{db.path}: first admin created (id {new_id}).")
        finally:
            db.close()
    except SetupError as exc:
        print(f"setup stopped: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - a locked database is the likely one; say so plainly
        if "lock" in str(exc).lower():
            print("setup stopped: the database is open in a running portal; stop it and run setup again.",
                  file=sys.stderr)
            return 1
        raise
    print("Done. Start the portal with `make run`; sign in with the admin account.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
