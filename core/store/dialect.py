"""Every difference between the two stores, named in one place: DuckDB (the embedded default) and
PostgreSQL (`PORTAL_DATABASE_URL=postgresql://...`).

The portal's SQL is written once, in the dialect both accept, with `?` placeholders. What has no
shared form lives here:
- placeholders: PostgreSQL (psycopg) takes `%s`, and a literal `%` doubled (`postgres_sql`);
- errors: which exceptions are a constraint refusal, which are a write conflict worth retrying
  (`CONSTRAINT_ERRORS`, `DATABASE_ERRORS`, `retry_kind`);
- transactions: a read of one snapshot (`begin_snapshot`); PostgreSQL's saves run at REPEATABLE
  READ (core/store/db.py), the snapshot every DuckDB transaction has;
- reading a result as a pandas frame (`frame`): DuckDB's Arrow result, PostgreSQL's rows;
- the few SQL spellings with no shared form: a timestamp as text (`timestamp_text`), a regular
  expression test (`regex_matches`), a sequence moved past copied ids (`advance_sequence`);
- writing a CSV file (`copy_csv`): DuckDB's COPY ... TO a file, PostgreSQL's COPY ... TO STDOUT;
- backups: DuckDB copies its file (`COPY FROM DATABASE`), PostgreSQL uses pg_dump/pg_restore
  (core/admin/backup.py asks `is_postgres`);
- migrations: a `NNNN_words.postgres.sql` twin where DuckDB's spelling differs (core/store/migrations);
- planning a scope of many students (`many_students`): PostgreSQL, misjudging the dashboard's CTEs as
  one row each, picks nested loops that rerun an aggregate per student; without them it hashes.

Everything else (FILTER, ON CONFLICT, RETURNING, unnest of array parameters, string_agg,
array_agg, percentile_cont, date arithmetic, n * INTERVAL '1 hour') is written once for both.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import duckdb
import psycopg
from psycopg import errors as pg_errors

DUCKDB = "duckdb"
POSTGRES = "postgres"

DATABASE_ERRORS: tuple[type[BaseException], ...] = (duckdb.Error, psycopg.Error)
"""Any refusal by either store (a broken file, a lost server, a bad statement)."""

CONSTRAINT_ERRORS: tuple[type[BaseException], ...] = (duckdb.ConstraintException, pg_errors.IntegrityError)
"""A unique key, check or not-null constraint refused a write."""

def is_postgres_url(location: Any) -> bool:
    """Whether a database location names a PostgreSQL server rather than a DuckDB file."""
    text = str(location)
    return text.startswith("postgresql://") or text.startswith("postgres://")


def is_postgres(cur_or_db: Any) -> bool:
    """Whether a cursor or a Database is PostgreSQL's."""
    return getattr(cur_or_db, "store", DUCKDB) == POSTGRES


def retry_kind(exc: BaseException) -> str | None:
    """How PostgreSQL's refusal of a transaction is retried: 'conflict' (a serialization failure, a
    deadlock, or a row another transaction kept locked past the lock timeout: someone else's save
    won, run the work again), 'unique' (a unique key another transaction claimed first: run once
    more, the work then sees the winner's row) or None."""
    if isinstance(exc, (pg_errors.SerializationFailure, pg_errors.DeadlockDetected, pg_errors.LockNotAvailable)):
        return "conflict"
    if isinstance(exc, pg_errors.UniqueViolation):
        return "unique"
    return None


@lru_cache(maxsize=4096)
def postgres_sql(sql: str) -> str:
    """The portal's `?`-placeholder SQL as psycopg takes it: `?` -> `%s` outside quotes and comments,
    every literal `%` doubled (psycopg reads `%` as the start of a placeholder everywhere)."""
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch == "'" or ch == '"':
            end = i + 1
            while end < n:
                if sql[end] == ch:
                    if end + 1 < n and sql[end + 1] == ch:  # a doubled quote inside the literal
                        end += 2
                        continue
                    break
                end += 1
            out.append(sql[i:end + 1].replace("%", "%%"))
            i = end + 1
        elif ch == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif ch == "/" and sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif ch == "?":
            out.append("%s")
            i += 1
        elif ch == "%":
            out.append("%%")
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def frame(cur: Any, sql: str, params: list[Any]) -> Any:
    """A query's result as a pandas frame of Arrow-backed columns. DuckDB hands over its Arrow result
    without a Python object per value (the cursor must hold no other result); PostgreSQL's rows are
    turned into the same kind of columns."""
    import pandas as pd
    import pyarrow as pa

    if not is_postgres(cur):
        return cur.sql(sql, params=params).to_arrow_table().to_pandas(types_mapper=pd.ArrowDtype)
    # PostgreSQL type oids -> the Arrow types DuckDB gives such columns (an empty result's included).
    types = {16: pa.bool_(), 20: pa.int64(), 21: pa.int16(), 23: pa.int32(), 25: pa.string(), 1043: pa.string(),
             700: pa.float32(), 701: pa.float64(), 1700: pa.float64(), 1082: pa.date32(),
             1114: pa.timestamp("us"), 1009: pa.list_(pa.string()), 1015: pa.list_(pa.string())}
    result = cur.execute(sql, params)
    described = result.description
    columns = list(zip(*result.fetchall(), strict=False)) or [()] * len(described)
    return pa.table({d.name: pa.array(list(values), type=types.get(d.type_code))
                     for d, values in zip(described, columns, strict=False)}).to_pandas(types_mapper=pd.ArrowDtype)


def begin_snapshot(cur: Any) -> None:
    """Open a read transaction whose statements all see one snapshot (REPEATABLE READ on PostgreSQL,
    every DuckDB transaction); the caller ends it with ROLLBACK."""
    cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ" if is_postgres(cur) else "BEGIN TRANSACTION")


_TO_CHAR = {"%Y": "YYYY", "%m": "MM", "%d": "DD", "%H": "HH24", "%M": "MI", "%S": "SS"}


def timestamp_text(db_or_cur: Any, expr: str, layout: str = "%Y-%m-%dT%H:%M:%S") -> str:
    """SQL writing a TIMESTAMP expression as text in a strftime layout of %Y %m %d %H %M %S and
    literal letters or punctuation (DuckDB's strftime, PostgreSQL's to_char)."""
    if not all(ch.isalnum() or ch in "%-:T " for ch in layout):
        raise ValueError(f"unsupported timestamp layout {layout!r}")
    if not is_postgres(db_or_cur):
        return f"strftime({expr}, '{layout}')"
    parts, i = [], 0
    while i < len(layout):
        code = layout[i:i + 2]
        if code in _TO_CHAR:
            parts.append(_TO_CHAR[code])
            i += 2
        else:
            parts.append(f'"{layout[i]}"' if layout[i].isalpha() else layout[i])
            i += 1
    return f"to_char({expr}, '{''.join(parts)}')"


def regex_matches(db_or_cur: Any, expr: str, pattern_literal: str) -> str:
    """SQL testing a text against a regular expression given as an SQL literal."""
    if is_postgres(db_or_cur):
        return f"({expr} ~ {pattern_literal})"
    return f"regexp_matches({expr}, {pattern_literal})"


def copy_csv(cur: Any, sql: str, params: list[Any], target: str, *, header: list[str] | None) -> None:
    """Write a query's rows to a CSV file (comma, `"` quoting, CRLF line ends), after a header line of
    the query's column names when `header` gives them.
    DuckDB's COPY writes the file itself; PostgreSQL streams COPY ... TO STDOUT to this process, row
    by row, into the same CSV, so neither holds the whole result in memory."""
    if not is_postgres(cur):
        quoted = target.replace("'", "''")
        cur.execute(f"""COPY ({sql}) TO '{quoted}'
                        (FORMAT csv, HEADER {'true' if header else 'false'}, DELIMITER ',',
                         QUOTE '"', ESCAPE '"', NEW_LINE '\r\n')""", params)
        return
    import csv

    with open(target, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        with cur.copy(f"COPY ({sql}) TO STDOUT", params) as copy:
            if header:
                writer.writerow(header)
            writer.writerows(copy.rows())


def advance_sequence(cur: Any, name: str, at_least: int) -> None:
    """Make a sequence's next value greater than `at_least` (after rows were copied in with their ids).
    PostgreSQL sets it; DuckDB, which has no setval, draws values until it is past."""
    if at_least <= 0:
        return
    if is_postgres(cur):
        cur.execute("SELECT setval(CAST(? AS regclass), ?)", [name, at_least])
    elif name.isidentifier():  # a sequence of the schema, never a user's text
        cur.execute(f"SELECT max(nextval('{name}')) FROM range(?)", [at_least])
    else:
        raise ValueError(f"not a sequence name: {name!r}")


def batches(cur: Any, sql: str, size: int) -> Any:
    """A query's rows in lists of at most `size`, read as they are needed: DuckDB's result streams
    itself; on PostgreSQL a server-side cursor does (held past the statement outside a transaction)."""
    if not is_postgres(cur):
        result = cur.execute(sql)
        while chunk := result.fetchmany(size):
            yield chunk
        return
    idle = cur.connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    with cur.connection.cursor(name="portal_batches", withhold=idle) as server_side:
        server_side.itersize = size
        server_side.execute(sql)
        while chunk := server_side.fetchmany(size):
            yield chunk


@contextmanager
def many_students(cur: Any) -> Iterator[None]:
    """Run a query over many students' rows (the dashboard) on this cursor. On PostgreSQL without nested
    loops: the planner takes the dashboard's CTEs for one row each and reran the goal aggregate once per
    student (a counselor's 1,000 students: 2.13 s with them, 0.022 s without; 10,000: 0.16 s either way).
    DuckDB plans it well as it is."""
    if not is_postgres(cur):
        yield
        return
    cur.execute("SET enable_nestloop = off")
    try:
        yield
    finally:
        cur.execute("RESET enable_nestloop")
