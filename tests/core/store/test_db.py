"""Transactions: write-write conflicts are retried; when retrying cannot help, a clear error and nothing lost."""

from __future__ import annotations

import threading

import duckdb
import psycopg
import pytest

from core.errors import WriteConflict
from core.store import dialect
from core.store.db import Database, PostgresDatabase, scalar
from tests.conftest import drop_postgres_database, new_postgres_database


@pytest.fixture
def counter_db():
    db = Database(":memory:")
    with db.cursor() as cur:
        cur.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER, log VARCHAR)")
        cur.execute("INSERT INTO counter VALUES (1, 0, '')")
    yield db
    db.close()


def test_two_threads_updating_one_row_both_commit(counter_db):
    """Both updates read inside their transaction and conflict; the retry makes both land."""
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    attempts = {"a": 0, "b": 0}

    def bump(name: str) -> None:
        def work(cur):
            attempts[name] += 1
            current = scalar(cur, "SELECT n FROM counter WHERE id = 1")
            if attempts[name] == 1:
                barrier.wait(timeout=5)  # both have read before either writes: a real conflict
            cur.execute("UPDATE counter SET n = ?, log = log || ? WHERE id = 1", [current + 1, name])

        try:
            counter_db.transaction(work)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=bump, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert errors == []
    with counter_db.cursor() as cur:
        n, log = cur.execute("SELECT n, log FROM counter WHERE id = 1").fetchone()
    assert n == 2, "an update was lost"
    assert sorted(log) == ["a", "b"]
    assert attempts["a"] + attempts["b"] >= 3, "the conflict was not exercised"


def test_persistent_conflict_gives_a_clear_error_and_keeps_the_other_write(counter_db):
    holder = counter_db._conn.cursor()
    holder.execute("BEGIN TRANSACTION")
    holder.execute("UPDATE counter SET n = 41 WHERE id = 1")
    with pytest.raises(WriteConflict, match="Nothing of yours was lost"):
        counter_db.transaction(lambda cur: cur.execute("UPDATE counter SET n = 99 WHERE id = 1"),
                               attempts=3, base_delay=0.001)
    holder.execute("COMMIT")
    with counter_db.cursor() as cur:
        assert scalar(cur, "SELECT n FROM counter") == 41


def test_other_errors_roll_back_the_whole_unit_of_work(counter_db):
    def work(cur):
        cur.execute("UPDATE counter SET n = 5 WHERE id = 1")
        raise ValueError("validation failed halfway")

    with pytest.raises(ValueError):
        counter_db.transaction(work)
    with counter_db.cursor() as cur:
        assert scalar(cur, "SELECT n FROM counter") == 0


def test_a_duplicate_key_is_tried_once_more_then_refused_and_other_constraints_at_once(counter_db):
    """A duplicate key may be another save's, committed after this one began (its snapshot could not
    see it): one more try, with a new snapshot. A key that is really there is then refused as it was;
    any other constraint is refused at the first try."""
    calls = []

    def duplicate(cur):
        calls.append(1)
        cur.execute("INSERT INTO counter VALUES (1, 0, '')")

    with pytest.raises(duckdb.ConstraintException):
        counter_db.transaction(duplicate)
    assert len(calls) == 2

    calls.clear()

    def missing(cur):
        calls.append(1)
        cur.execute("INSERT INTO counter VALUES (NULL, 0, '')")

    with pytest.raises(duckdb.ConstraintException):
        counter_db.transaction(missing)
    assert len(calls) == 1


def test_a_key_another_save_committed_after_this_one_began_does_not_fail_it(counter_db):
    """The race two submits of one form run (core.store.idempotency: look for the form's key, else insert
    it): B begins, A commits the key, B looks and cannot see it in its snapshot, and its INSERT meets
    the key. B runs once more, sees A's row and keeps it. (The kept latest activity's INSERT ... ON
    CONFLICT meets the same refusal while A is still committing: tests/core/store/test_idempotency.py.)"""
    db = counter_db
    began, committed = threading.Event(), threading.Event()
    attempts = []

    def later(cur):
        attempts.append(1)
        seen = scalar(cur, "SELECT count(*) FROM counter WHERE id = 2")  # the snapshot starts here
        if len(attempts) == 1:
            began.set()
            assert committed.wait(10)
        if seen == 0:
            cur.execute("INSERT INTO counter VALUES (2, 1, 'b')")

    other = threading.Thread(target=lambda: db.transaction(later))
    other.start()
    assert began.wait(10)
    db.transaction(lambda cur: cur.execute("INSERT INTO counter VALUES (2, 1, 'a')"))
    committed.set()
    other.join(30)
    assert len(attempts) == 2
    with db.cursor() as cur:
        assert cur.execute("SELECT n, log FROM counter WHERE id = 2").fetchone() == (1, "a")


def test_a_failure_inside_the_work_is_not_reported_as_someone_elses_save():
    db = Database(":memory:")
    with db.cursor() as cur:
        cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    calls = {"n": 0}

    def work(cur):
        calls["n"] += 1
        try:
            cur.execute("INSERT INTO t VALUES (1), (1)")
        except duckdb.ConstraintException:
            pass  # the work swallows its own error; the next statement meets the aborted transaction
        cur.execute("SELECT 1")

    with pytest.raises(duckdb.TransactionException) as caught:
        db.transaction(work)
    assert not isinstance(caught.value, WriteConflict)
    assert calls["n"] == 1  # not retried six times
    with db.cursor() as cur:
        assert scalar(cur, "SELECT count(*) FROM t") == 0


def test_a_database_url_picks_postgres_and_anything_else_the_duckdb_file():
    assert dialect.is_postgres_url("postgresql://portal@db.example.edu/portal")
    assert dialect.is_postgres_url("postgres://portal@/portal?host=/run/postgresql")
    assert not dialect.is_postgres_url("data/portal.duckdb")
    assert not dialect.is_postgres_url(":memory:")


def test_two_saves_of_one_row_at_the_same_moment_both_land(db):
    """Both read before either writes; on PostgreSQL the loser's serialization failure is retried."""
    with db.cursor() as cur:
        cur.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER, log VARCHAR)")
        cur.execute("INSERT INTO counter VALUES (1, 0, '')")
    barrier = threading.Barrier(2)
    attempts = {"a": 0, "b": 0}
    errors: list[BaseException] = []

    def bump(name: str) -> None:
        def work(cur):
            attempts[name] += 1
            current = scalar(cur, "SELECT n FROM counter WHERE id = 1")
            if attempts[name] == 1:
                barrier.wait(timeout=5)
            cur.execute("UPDATE counter SET n = ?, log = log || ? WHERE id = 1", [current + 1, name])

        try:
            db.transaction(work)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=bump, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    with db.cursor() as cur:
        n, log = cur.execute("SELECT n, log FROM counter WHERE id = 1").fetchone()
    assert (n, sorted(log)) == (2, ["a", "b"])
    assert attempts["a"] + attempts["b"] >= 3, "the conflict was not exercised"
    assert db.conflicts_retried >= 1


def test_a_unique_key_claimed_at_the_same_moment_is_retried_once_then_seen(pg_db):
    """On PostgreSQL the loser of a race for a unique key waits for the winner's commit; it then runs
    once more and finds the winner's row (DuckDB refuses the loser at once, or at COMMIT, retried)."""
    db = pg_db
    with db.cursor() as cur:
        cur.execute("CREATE TABLE claims (name VARCHAR PRIMARY KEY, by_whom VARCHAR)")
    barrier = threading.Barrier(2)
    outcome: dict[str, str] = {}

    def claim(name: str) -> None:
        def work(cur):
            held = scalar(cur, "SELECT by_whom FROM claims WHERE name = 'x'")
            if held is not None:
                return held
            try:
                barrier.wait(timeout=5)
            except threading.BrokenBarrierError:
                pass
            cur.execute("INSERT INTO claims VALUES ('x', ?)", [name])
            return name

        outcome[name] = db.transaction(work)

    threads = [threading.Thread(target=claim, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert outcome["a"] == outcome["b"] in {"a", "b"}


def test_portal_connections_never_compile_queries_on_postgres(pg_db):
    """JIT compilation turned a 1,000-student period dashboard from 0.14 s into 2.06 s and a 10,000-student
    progress export into minutes (the figure queries' estimated cost sets it off): it is off."""
    with pg_db.cursor() as cur:
        assert scalar(cur, "SHOW jit") == "off"
        assert scalar(cur, "SHOW TimeZone") == "UTC"


def test_a_real_duplicate_is_refused_as_a_constraint_error_not_a_conflict(db):
    with db.cursor() as cur:
        cur.execute("CREATE TABLE claims (name VARCHAR PRIMARY KEY)")
        cur.execute("INSERT INTO claims VALUES ('x')")
    with pytest.raises(dialect.CONSTRAINT_ERRORS):
        db.transaction(lambda cur: cur.execute("INSERT INTO claims VALUES ('x')"))


def test_a_row_held_by_a_stuck_transaction_ends_in_a_clear_conflict_on_postgres(pg_cluster, pg_template):
    name = new_postgres_database(pg_cluster, pg_template)
    db = PostgresDatabase(pg_cluster.url(name), lock_timeout_ms=200)
    try:
        with db.cursor() as cur:
            cur.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)")
            cur.execute("INSERT INTO counter VALUES (1, 41)")
        with psycopg.connect(pg_cluster.url(name)) as holder:  # a transaction that never ends in time
            holder.execute("UPDATE counter SET n = 42 WHERE id = 1")
            with pytest.raises(WriteConflict, match="Nothing of yours was lost"):
                db.transaction(lambda cur: cur.execute("UPDATE counter SET n = 99 WHERE id = 1"),
                               attempts=2, base_delay=0.001)
            holder.commit()
        with db.cursor() as cur:
            assert scalar(cur, "SELECT n FROM counter") == 42
    finally:
        db.close()
        drop_postgres_database(pg_cluster, name)
