"""One DuckDB connection per process, a cursor per unit of work, and retried write transactions."""

from __future__ import annotations

import random
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import duckdb
from core.errors import PortalError

T = TypeVar("T")
Cursor = duckdb.DuckDBPyConnection


class WriteConflict(PortalError, RuntimeError):
    """Another save touched the same rows at the same moment and retrying did not help."""


_commit_hooks: list[tuple[Callable[[Cursor], None], Callable[[Cursor], None]]] = []


def on_commit(before_commit: Callable[[Cursor], None], discard: Callable[[Cursor], None]) -> None:
    """Register work every write transaction does last, inside itself, just before COMMIT
    (before_commit), and what to forget when it rolls back instead (discard). core.events keeps
    the derived per-student figures this way, whichever function wrote."""
    _commit_hooks.append((before_commit, discard))


class Database:
    """A DuckDB database shared by every session (thread) of this process."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = duckdb.connect(self.path)
        self._conn.execute("SET TimeZone = 'UTC'")
        # Write conflicts retried and given up on since the process started (the benchmarks print them).
        self.conflicts_retried = 0
        self.conflicts_given_up = 0
        self._counts = threading.Lock()

    @contextmanager
    def cursor(self) -> Iterator[Cursor]:
        """A cursor of its own for one unit of read work; cursors are safe across threads."""
        cur = self._conn.cursor()
        try:
            yield cur
        finally:
            cur.close()

    def transaction(self, work: Callable[[Cursor], T], *, attempts: int = 6, base_delay: float = 0.02) -> T:
        """Run work(cursor) in one transaction; retry DuckDB write-write conflicts with backoff.

        Only real conflicts are retried; any other error (an aborted transaction included) rolls
        back once and propagates. When every attempt conflicts, WriteConflict
        is raised with a message a person can act on; nothing is half-written either way.
        """
        for attempt in range(1, attempts + 1):
            cur = self._conn.cursor()
            try:
                cur.execute("BEGIN TRANSACTION")
                result = work(cur)
                for before_commit, _ in _commit_hooks:
                    before_commit(cur)
                cur.execute("COMMIT")
                return result
            except duckdb.TransactionException as exc:
                _rollback(cur)
                if not is_write_conflict(exc):
                    # An error inside work() aborted the transaction and a later statement met the
                    # abort: that is the work's failure, not someone else's save; never retried.
                    raise
                with self._counts:
                    if attempt == attempts:
                        self.conflicts_given_up += 1
                    else:
                        self.conflicts_retried += 1
                if attempt == attempts:
                    raise WriteConflict(
                        "Someone else saved the same record at the same moment. "
                        "Nothing of yours was lost: please try saving again."
                    ) from exc
                time.sleep(base_delay * (2 ** (attempt - 1)) * (1 + random.random()))
            except BaseException:
                _rollback(cur)
                raise
            finally:
                cur.close()
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close the process connection (tests and command-line tools)."""
        self._conn.close()


def is_write_conflict(exc: BaseException) -> bool:
    """Whether DuckDB refused a statement because another transaction changed the same rows."""
    message = str(exc).lower()
    # A unique key claimed by a transaction that committed first surfaces at COMMIT; the retry
    # reads the winner's row and the work decides again (returns it, or refuses clearly).
    return isinstance(exc, duckdb.TransactionException) and (
        "conflict" in message or ("failed to commit" in message and "constraint violation" in message))


def _rollback(cur: Cursor) -> None:
    for _, discard in _commit_hooks:
        discard(cur)
    try:
        cur.execute("ROLLBACK")
    except duckdb.Error:
        pass


def rows(cur: Cursor, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    """Run a query and return its rows as dictionaries."""
    result = cur.execute(sql, list(params))
    names = [d[0] for d in result.description]
    return [dict(zip(names, values)) for values in result.fetchall()]


def row(cur: Cursor, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> dict[str, Any] | None:
    """The first row as a dictionary, or None."""
    result = cur.execute(sql, list(params))
    values = result.fetchone()
    if values is None:
        return None
    return dict(zip([d[0] for d in result.description], values))


def scalar(cur: Cursor, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> Any:
    """The first column of the first row, or None."""
    values = cur.execute(sql, list(params)).fetchone()
    return None if values is None else values[0]


_databases: dict[str, Database] = {}
_lock = threading.Lock()

# DuckDB lets go of the GIL while a statement runs and takes it back for the result, so a save of a
# dozen statements asks for it a dozen times. Whenever another session's thread is busy in Python
# (a dashboard turning 10,000 rows into dictionaries, a page being drawn), each ask waits up to the
# interpreter's switch interval, 5 ms by default: short saves queued behind long reads. At 1 ms the
# wait shrinks and a busy thread gives way more often, at a negligible cost in switches.
GIL_SWITCH_INTERVAL = 0.001


def get_database(path: str | Path) -> Database:
    """The process-wide Database for a file, opened once (the process then shares the GIL in 1 ms turns)."""
    if sys.getswitchinterval() > GIL_SWITCH_INTERVAL:
        sys.setswitchinterval(GIL_SWITCH_INTERVAL)
    key = str(Path(path).resolve()) if str(path) != ":memory:" else ":memory:"
    with _lock:
        if key not in _databases:
            _databases[key] = Database(path)
        return _databases[key]
