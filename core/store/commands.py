"""What every `portal` command does when it cannot go on: the portal's message, a non-zero exit.

A command's `main` is wrapped by `command`: a PortalError (a setting, a refusal, a bad date) prints its
own message; a database file that cannot be opened and a file that cannot be written or read print
what is wrong with which file. None of them prints a traceback. argparse's usage errors (exit 2) and
`SystemExit("message")` (exit 1) pass through as they are.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable

import psycopg

from core.errors import PortalError
from core.store import dialect


def database_problem(path: object, exc: BaseException) -> str:
    """A failure to open or use the database (a DuckDB file, a PostgreSQL server), told as what the
    operator should check."""
    text = str(exc)
    lowered = text.lower()
    if isinstance(exc, psycopg.OperationalError):
        first = text.splitlines()[0] if text else type(exc).__name__
        return (f"{path}: the PostgreSQL server could not be reached or refused the connection ({first}). "
                "Check PORTAL_DATABASE_URL and that the server is running.")
    if "lock" in lowered:
        return (f"{path} is open in the running portal. Stop the portal (or use the admin Health page, "
                "which works on the running database), then run the command again.")
    if "not a valid duckdb database" in lowered or "not a duckdb" in lowered:
        return f"{path} is not a portal database file (DuckDB cannot read it). Check the path."
    if "is a directory" in lowered:
        return f"{path} is a folder, not a database file. Give the path of the .duckdb file."
    if "serialization" in lowered or "version" in lowered and "storage" in lowered:
        return f"{path} was written by another DuckDB version and cannot be opened here ({text.splitlines()[0]})."
    first = text.splitlines()[0] if text else type(exc).__name__
    return f"{path}: the database could not be used ({first})."


def _file_problem(exc: OSError) -> str:
    name = exc.filename if exc.filename is not None else "a file"
    if isinstance(exc, (FileExistsError, NotADirectoryError)):
        return f"Cannot use {name}: a file stands where a folder is needed. Check the path."
    return f"Cannot use {name}: {exc.strerror or exc}."


def command(main: Callable[..., int]) -> Callable[..., int]:
    """Wrap a command's main so that every failure a person can fix is a message and exit code 1."""

    @functools.wraps(main)
    def run(argv: list[str] | None = None) -> int:
        try:
            return main(argv)
        except PortalError as exc:
            print(str(exc), file=sys.stderr)
        except dialect.DATABASE_ERRORS as exc:
            print(database_problem("The database", exc), file=sys.stderr)
        except OSError as exc:
            print(_file_problem(exc), file=sys.stderr)
        except KeyboardInterrupt:
            print("Stopped.", file=sys.stderr)
            return 130
        return 1

    return run
