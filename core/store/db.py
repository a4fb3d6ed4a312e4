"""The store: one DuckDB connection per process (the embedded default) or a pool of PostgreSQL
connections (`PORTAL_DATABASE_URL=postgresql://...`), a cursor per unit of work, and retried write
transactions. Both Database classes offer the same interface; what differs between the stores is
named in core/store/dialect.py."""

from __future__ import annotations

import random
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import duckdb
import psycopg
from psycopg.adapt import Loader
from psycopg_pool import ConnectionPool

from core.errors import WriteConflict
from core.store import dialect

T = TypeVar("T")
Cursor = duckdb.DuckDBPyConnection


_commit_hooks: list[tuple[Callable[[Cursor], None], Callable[[Cursor], None]]] = []


def on_commit(before_commit: Callable[[Cursor], None], discard: Callable[[Cursor], None]) -> None:
    """Register work every write transaction does last, inside itself, just before COMMIT
    (before_commit), and what to forget when it rolls back instead (discard). core.store.events keeps
    the derived per-student figures this way, whichever function wrote."""
    _commit_hooks.append((before_commit, discard))


class _Transactions:
    """The retried write transaction both stores run: work(cursor) in one transaction, the commit
    hooks last inside it, COMMIT; a save that lost a race to another is retried with backoff and,
    when every attempt lost, refused with WriteConflict. Each store says how it opens a transaction's
    cursor, how it begins, and which of its errors are such a race (`_retry_kind`: "conflict" to
    retry, "unique" to retry once, None to roll back and raise)."""

    _BEGIN = "BEGIN TRANSACTION"

    def _count(self, given_up: bool) -> None:
        with self._counts:
            if given_up:
                self.conflicts_given_up += 1
            else:
                self.conflicts_retried += 1

    def transaction(self, work: Callable[[Any], T], *, attempts: int = 6, base_delay: float = 0.02) -> T:
        """Run work(cursor) in one transaction; retry the store's write races with backoff.

        Only real races are retried; any other error (an aborted transaction included) rolls back
        once and propagates. When every attempt loses, WriteConflict is raised with a message a
        person can act on; nothing is half-written either way."""
        unique_retried = False
        for attempt in range(1, attempts + 1):
            with self._transaction_cursor() as cur:
                try:
                    cur.execute(self._BEGIN)
                    result = work(cur)
                    for before_commit, _ in _commit_hooks:
                        before_commit(cur)
                    cur.execute("COMMIT")
                    return result
                except BaseException as exc:
                    _rollback(cur)
                    kind = self._retry_kind(exc)
                    if kind is None or (kind == "unique" and unique_retried):
                        raise
                    unique_retried = unique_retried or kind == "unique"
                    self._count(given_up=attempt == attempts)
                    if attempt == attempts:
                        raise WriteConflict(
                            "Someone else saved the same record at the same moment. "
                            "Nothing of yours was lost: please try saving again."
                        ) from exc
            # The cursor (and a PostgreSQL connection, back in the pool) is let go: the backoff holds none.
            time.sleep(base_delay * (2 ** (attempt - 1)) * (1 + random.random()))
        raise AssertionError("unreachable")


class Database(_Transactions):
    """A DuckDB database shared by every session (thread) of this process."""

    store = dialect.DUCKDB

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

    _transaction_cursor = cursor  # a write transaction's cursor is made the same way

    @staticmethod
    def _retry_kind(exc: BaseException) -> str | None:
        if is_write_conflict(exc):
            return "conflict"
        # A key another save committed after this transaction began: its snapshot cannot see the row
        # (so neither a check first nor INSERT ... ON CONFLICT finds it), but the index refuses the
        # insert. Run once more: the new snapshot sees the winner's row and the work decides again.
        if isinstance(exc, duckdb.ConstraintException) and "duplicate key" in str(exc).lower():
            return "unique"
        # An error inside work() aborted the transaction and a later statement met the abort: that
        # is the work's failure, not someone else's save; never retried.
        return None

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


def _rollback(cur: Any) -> None:
    for _, discard in _commit_hooks:
        discard(cur)
    try:
        cur.execute("ROLLBACK")
    except dialect.DATABASE_ERRORS:
        pass


def rows(cur: Cursor, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    """Run a query and return its rows as dictionaries."""
    result = cur.execute(sql, list(params))
    names = [d[0] for d in result.description]
    return [dict(zip(names, values, strict=False)) for values in result.fetchall()]


def row(cur: Cursor, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> dict[str, Any] | None:
    """The first row as a dictionary, or None."""
    result = cur.execute(sql, list(params))
    values = result.fetchone()
    if values is None:
        return None
    return dict(zip([d[0] for d in result.description], values, strict=False))


def scalar(cur: Cursor, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> Any:
    """The first column of the first row, or None."""
    values = cur.execute(sql, list(params)).fetchone()
    return None if values is None else values[0]


def rows_table(columns: list[tuple[str, str]]) -> str:
    """SQL for a batch of rows passed as one array parameter per column, `(name, SQL type)` in order:
    `SELECT unnest(CAST(? AS type[])) AS name, ...`, the arrays read side by side (both stores do)."""
    return "SELECT " + ", ".join(f"unnest(CAST(? AS {kind}[])) AS {name}" for name, kind in columns)


_databases: dict[str, Database] = {}
_lock = threading.Lock()

# DuckDB lets go of the GIL while a statement runs and takes it back for the result, so a save of a
# dozen statements asks for it a dozen times. Whenever another session's thread is busy in Python
# (a dashboard turning 10,000 rows into dictionaries, a page being drawn), each ask waits up to the
# interpreter's switch interval, 5 ms by default: short saves queued behind long reads. At 1 ms the
# wait shrinks and a busy thread gives way more often, at a negligible cost in switches.
GIL_SWITCH_INTERVAL = 0.001


def open_database(location: str | Path) -> Database | PostgresDatabase:
    """A new Database for a location: a postgresql:// URL, else a DuckDB file (or ":memory:")."""
    if dialect.is_postgres_url(location):
        return PostgresDatabase(str(location))
    return Database(location)


def get_database(location: str | Path) -> Database | PostgresDatabase:
    """The process-wide Database for a DuckDB file or a postgresql:// URL, opened once (the process
    then shares the GIL in 1 ms turns)."""
    if sys.getswitchinterval() > GIL_SWITCH_INTERVAL:
        sys.setswitchinterval(GIL_SWITCH_INTERVAL)
    key = _key(location)
    with _lock:
        if key not in _databases:
            _databases[key] = open_database(location)
        return _databases[key]


def _key(location: str | Path) -> str:
    if dialect.is_postgres_url(location) or str(location) == ":memory:":
        return str(location)
    return str(Path(location).resolve())


def close_database(location: str | Path) -> None:
    """Close the process-wide Database of a location, if open, and forget it (tests, shutdown)."""
    with _lock:
        found = _databases.pop(_key(location), None)
    if found is not None:
        found.close()


class PostgresCursor:
    """A psycopg cursor that runs the portal's `?`-placeholder SQL (core.store.dialect.postgres_sql) and
    answers like a DuckDB cursor: execute() returns the cursor, fetchone/fetchall/description."""

    store = dialect.POSTGRES

    def __init__(self, cursor: psycopg.ClientCursor) -> None:
        self.cursor = cursor

    def execute(self, sql: str, params: list[Any] | tuple[Any, ...] | None = None) -> PostgresCursor:
        if params:
            self.cursor.execute(dialect.postgres_sql(sql), list(params))
        else:  # without parameters psycopg sends the text as written, a literal % included
            self.cursor.execute(sql)
        return self

    def executemany(self, sql: str, seq: Iterable[list[Any] | tuple[Any, ...]]) -> PostgresCursor:
        self.cursor.executemany(dialect.postgres_sql(sql), [list(p) for p in seq])
        return self

    def copy(self, sql: str, params: list[Any] | tuple[Any, ...] | None = None) -> psycopg.Copy:
        """psycopg's COPY of a statement (COPY ... TO STDOUT / FROM STDIN) with `?` placeholders."""
        if params:
            return self.cursor.copy(dialect.postgres_sql(sql), list(params))
        return self.cursor.copy(sql)

    def fetchone(self) -> tuple[Any, ...] | None:
        return self.cursor.fetchone()

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.cursor.fetchall()

    def fetchmany(self, size: int = 1) -> list[tuple[Any, ...]]:
        return self.cursor.fetchmany(size)

    @property
    def description(self) -> Any:
        return self.cursor.description

    @property
    def rowcount(self) -> int:
        return self.cursor.rowcount

    @property
    def connection(self) -> psycopg.Connection:
        return self.cursor.connection

    def close(self) -> None:
        self.cursor.close()


class _NumericLoader(Loader):
    """NUMERIC results (PostgreSQL's sum of integers, its avg) as DuckDB gives them: an int when
    whole-numbered in form, else a float, never a Decimal."""

    def load(self, data: Any) -> int | float:
        text = bytes(data).decode("ascii")
        if "." in text or "e" in text.lower() or text in ("NaN", "Infinity", "-Infinity"):
            return float(text)
        return int(text)


def _configure(conn: psycopg.Connection) -> None:
    conn.adapters.register_loader("numeric", _NumericLoader)


class PostgresDatabase(_Transactions):
    """A PostgreSQL database reached through a pool of connections shared by every session (thread)
    of this process. Transactions run at REPEATABLE READ, the snapshot DuckDB gives every
    transaction, so a save that lost a race to another is retried the same way on both.

    Parameters are bound by psycopg's ClientCursor (quoted into the statement by the driver, as
    psycopg's documentation describes): like DuckDB, the statement then knows every parameter's
    type, `? IS NULL` included, which server-side binding leaves undetermined."""

    store = dialect.POSTGRES

    def __init__(self, url: str, *, min_size: int = 1, max_size: int = 16, lock_timeout_ms: int = 5000) -> None:
        self.url = url
        self.path = redact_url(url)
        self.conflicts_retried = 0
        self.conflicts_given_up = 0
        self._counts = threading.Lock()
        # One connection first: a server out of reach or a refused login fails here at once, with
        # psycopg's own message, instead of as a pool timeout.
        psycopg.connect(url, connect_timeout=10).close()
        self._pool = ConnectionPool(
            url, min_size=min_size, max_size=max_size, open=True, configure=_configure,
            # A save waits at most lock_timeout_ms for a row another transaction holds, then is retried
            # like a conflict (DuckDB refuses at once): a stuck transaction never hangs every page.
            # jit off: PostgreSQL compiles a statement whose estimated cost is high, and the figure
            # queries (dozens of joined CTEs) cost minutes to compile for seconds of work: a period
            # dashboard of 1,000 students took 2.06 s with it and 0.14 s without.
            kwargs={"autocommit": True,
                    "options": f"-c TimeZone=UTC -c lock_timeout={int(lock_timeout_ms)} -c jit=off",
                    "cursor_factory": psycopg.ClientCursor},
            name="portal")
        self._pool.wait(timeout=30)

    @contextmanager
    def cursor(self) -> Iterator[PostgresCursor]:
        """A cursor for one unit of read work; each statement sees what was committed when it began."""
        with self._pool.connection() as conn:
            with conn.cursor() as cur:
                yield PostgresCursor(cur)

    _BEGIN = "BEGIN ISOLATION LEVEL REPEATABLE READ"

    @contextmanager
    def _transaction_cursor(self) -> Iterator[PostgresCursor]:
        with self._pool.connection() as conn:
            cur = PostgresCursor(conn.cursor())
            try:
                yield cur
            finally:
                cur.close()

    @staticmethod
    def _retry_kind(exc: BaseException) -> str | None:
        # Serialization failures, deadlocks and lock timeouts are retried; a unique key claimed by a
        # concurrent save once (the retry reads the winner's row).
        return dialect.retry_kind(exc) if isinstance(exc, psycopg.Error) else None

    def close(self) -> None:
        """Close the pool's connections (tests and command-line tools)."""
        self._pool.close()


def redact_url(url: str) -> str:
    """A postgresql:// URL fit to print: any password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
