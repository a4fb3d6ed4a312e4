"""The two stores behind one interface: placeholders, retried conflicts and races, the job lease,
moving a portal between DuckDB and PostgreSQL, and PostgreSQL's backups (pg_dump/pg_restore)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import psycopg
import pytest

from core.errors import BackupError, MigrationError, SettingsError, TransferError, WriteConflict
from core.messaging import jobs
from core.store import dialect
from core.admin.backup import backup, restore
from core.campaign.contacts import create_contact
from core.store.db import Database, PostgresDatabase, open_database, scalar
from core.store.migrate import apply_migrations
from core.models import ContactCreate
from core.store.transfer import checksum, columns, tables, transfer
from tests.conftest import NOW, World, drop_postgres_database, new_postgres_database


def test_placeholders_become_psycopg_ones_outside_quotes_and_percent_signs_are_doubled():
    sql = "SELECT ?, 'a ? 50%', \"odd?\", x -- why? 5%\nFROM t WHERE y LIKE ? /* ? */ AND z = 'it''s ?'"
    assert dialect.postgres_sql(sql) == (
        "SELECT %s, 'a ? 50%%', \"odd?\", x -- why? 5%%\nFROM t WHERE y LIKE %s /* ? */ AND z = 'it''s ?'")


def test_a_database_url_picks_postgres_and_anything_else_the_duckdb_file():
    assert dialect.is_postgres_url("postgresql://portal@db.example.edu/portal")
    assert dialect.is_postgres_url("postgres://portal@/portal?host=/run/postgresql")
    assert not dialect.is_postgres_url("data/portal.duckdb")
    assert not dialect.is_postgres_url(":memory:")


def test_settings_take_a_postgres_url_and_refuse_another_scheme(monkeypatch):
    from core.config import Settings

    monkeypatch.delenv("PORTAL_JOBS_IN_PROCESS", raising=False)
    monkeypatch.delenv("PORTAL_DATABASE_URL", raising=False)
    settings = Settings(database_url="postgresql://portal@db.example.edu/portal")
    assert settings.database_location == "postgresql://portal@db.example.edu/portal"
    assert Settings().database_location.endswith("portal.duckdb")
    with pytest.raises(SettingsError, match="postgresql://"):
        Settings(database_url="mysql://portal@db/portal")
    # On PostgreSQL the scheduled work runs in its own worker unless the portal is told to run it.
    assert Settings(database_url="postgresql://portal@db/portal").jobs_in_process is False
    assert Settings(database_url="postgresql://portal@db/portal", jobs_in_process=True).jobs_in_process is True
    assert Settings().jobs_in_process is True  # the embedded default runs it inside the portal


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


@pytest.fixture
def pg_db(pg_cluster, pg_template):
    """A fresh migrated PostgreSQL database (for what only PostgreSQL does)."""
    name = new_postgres_database(pg_cluster, pg_template)
    database = open_database(pg_cluster.url(name))
    yield database
    database.close()
    drop_postgres_database(pg_cluster, name)


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


def test_exactly_one_runner_across_processes_runs_a_job(db, monkeypatch):
    """Two runners with connections of their own (as two worker processes have) start the same job at
    once: the lease in job_leases lets one run it; the other is told it is held."""
    ran: list[str] = []

    def slow(database, settings, now, runner):
        ran.append(runner)
        time.sleep(0.5)
        return "done"

    monkeypatch.setitem(jobs.JOBS, "slow", jobs.Job("slow", "Slow", slow, every=timedelta(minutes=1)))
    second = open_database(db.url) if db.store == dialect.POSTGRES else db
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def run(name: str, database) -> None:
        barrier.wait(timeout=5)
        results[name] = jobs.run_job(database, "slow", runner=name)

    threads = [threading.Thread(target=run, args=("one", db)), threading.Thread(target=run, args=("two", second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    if second is not db:
        second.close()
    assert len(ran) == 1
    assert sorted(r is None for r in results.values()) == [False, True]
    with db.cursor() as cur:
        assert scalar(cur, "SELECT count(*) FROM job_runs WHERE job = 'slow'") == 1
        assert scalar(cur, "SELECT count(*) FROM job_leases") == 0


def _portal_with_records(db: Database) -> World:
    world = World(db)
    for first in ("Ana", "Ben"):
        create_contact(db, world.alice, ContactCreate(first_name=first, last_name="Lee", organization="County"), now=NOW)
    return world


def _fingerprint(db) -> dict[str, tuple[int, str]]:
    with db.cursor() as cur:
        return {t: checksum(cur, t, [n for n, _ in columns(cur, t)])
                for t in tables(cur) if t != "schema_migrations"}


def test_a_portal_moves_from_duckdb_to_postgres_and_back_verified(tmp_path, pg_cluster):
    source = Database(tmp_path / "portal.duckdb")
    apply_migrations(source)
    _portal_with_records(source)
    before = _fingerprint(source)
    name = new_postgres_database(pg_cluster, None)
    target = open_database(pg_cluster.url(name))
    try:
        copied = transfer(source, target)
        assert {c.table: (c.rows, c.checksum) for c in copied} == before
        assert _fingerprint(target) == before
        assert before["users"][0] == 6 and before["contacts"][0] == 2
        # New records continue the ids after the copied ones.
        with target.cursor() as cur:
            highest = scalar(cur, "SELECT max(id) FROM contacts")
            alice = scalar(cur, "SELECT id FROM users WHERE username = 'alice'")
        from core.models import Actor, Role

        made = create_contact(target, Actor(alice, Role.STUDENT, "Alice"), ContactCreate(first_name="Cy"), now=NOW)
        assert made.id > highest

        with pytest.raises(TransferError, match="not empty"):
            transfer(source, target)
        back = Database(tmp_path / "back.duckdb")
        try:
            transfer(target, back)
            after = _fingerprint(back)
            assert after["contacts"][0] == 3
            assert {t: v for t, v in after.items() if t not in ("contacts", "events", "student_figures",
                                                                   "student_activity", "figures_stale")} == \
                   {t: v for t, v in before.items() if t not in ("contacts", "events", "student_figures",
                                                                    "student_activity", "figures_stale")}
        finally:
            back.close()
    finally:
        target.close()
        source.close()
        drop_postgres_database(pg_cluster, name)


def test_transfer_command_refuses_a_non_empty_target(tmp_path, pg_cluster, capsys):
    from core.store.transfer import main

    source = Database(tmp_path / "portal.duckdb")
    apply_migrations(source)
    _portal_with_records(source)
    source.close()
    name = new_postgres_database(pg_cluster, None)
    try:
        assert main(["--from", str(tmp_path / "portal.duckdb"), "--to", pg_cluster.url(name)]) == 0
        assert "every table's count and checksum verified" in capsys.readouterr().out
        assert main(["--from", str(tmp_path / "portal.duckdb"), "--to", pg_cluster.url(name)]) == 1
        assert "not empty" in capsys.readouterr().err
    finally:
        drop_postgres_database(pg_cluster, name)


def test_postgres_backup_is_a_pg_dump_archive_restored_into_an_empty_database(tmp_path, pg_cluster, pg_template):
    from core.identity.access import SYSTEM

    name = new_postgres_database(pg_cluster, pg_template)
    db = open_database(pg_cluster.url(name))
    empty = new_postgres_database(pg_cluster, None)
    try:
        _portal_with_records(db)
        result = backup(db, SYSTEM, tmp_path / "portal.dump")
        assert result.path.stat().st_size > 0 and result.users == 6 and result.schema_version >= 13
        with pytest.raises(BackupError, match="not empty"):
            restore(tmp_path / "portal.dump", pg_cluster.url(name))
        restore(tmp_path / "portal.dump", pg_cluster.url(empty))
        restored = open_database(pg_cluster.url(empty))
        try:
            assert _fingerprint(restored) == _fingerprint(db)
        finally:
            restored.close()
    finally:
        db.close()
        drop_postgres_database(pg_cluster, name)
        drop_postgres_database(pg_cluster, empty)


def test_postgres_applies_a_twin_where_there_is_one_and_duckdb_never_reads_twins(tmp_path):
    from core.store.migrate import discover

    duck, pg = discover(store=dialect.DUCKDB), discover(store=dialect.POSTGRES)
    assert [(m.version, m.name) for m in duck] == [(m.version, m.name) for m in pg]
    files = {p.name for p in _migration_files()}
    twinned = {m.name for m in duck if m.name.replace(".sql", ".postgres.sql") in files}
    assert "0001_initial.sql" in twinned
    for d, p in zip(duck, pg):
        assert (d.sha256 != p.sha256) == (d.name in twinned)
        code = "\n".join(line.split("--")[0] for line in p.sql.splitlines())
        assert "to_hours" not in code and "BLOB" not in code
    (tmp_path / "0001_a.sql").write_text("SELECT 1;")
    (tmp_path / "0002_b.postgres.sql").write_text("SELECT 2;")
    with pytest.raises(MigrationError, match="twin"):
        discover(tmp_path, dialect.POSTGRES)


def _migration_files():
    from core.store.migrate import MIGRATIONS_DIR

    return list(MIGRATIONS_DIR.glob("*.sql"))


def test_commands_work_while_the_portal_runs_on_postgres(pg_db, tmp_path, monkeypatch, capsys):
    """Health, an export, the scheduled work and a backup from a shell, beside the open portal."""
    from core.oversight import export
    from core.admin import backup as backup_command, health
    from core.config import get_settings

    _portal_with_records(pg_db)  # the running portal keeps its connections open throughout
    monkeypatch.setenv("PORTAL_DATABASE_URL", pg_db.url)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PORTAL_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    get_settings.cache_clear()
    try:
        assert health.main([]) == 0
        assert "PostgreSQL" in capsys.readouterr().out
        assert export.main(["progress", "--out", str(tmp_path / "progress.csv")]) == 0
        assert (tmp_path / "progress.csv").read_bytes().count(b"\r\n") == 4  # header and three students
        assert jobs.main(["run-once", "--job", "reminders", "--force"]) == 0
        assert backup_command.main([]) == 0
        assert len(list((tmp_path / "backups").glob("portal-*.dump"))) == 1
    finally:
        get_settings.cache_clear()


def test_the_demo_seeded_on_each_store_is_the_same_portal(pg_cluster, demo_file):
    """The same core functions write the same records on both stores: every table of the run's demo
    (DuckDB) and of the demo seeded into PostgreSQL at the same moment has the same rows (password
    hashes aside: salted; and what the seed leaves to the clock: when the content library was loaded,
    and the reminders given as it ends)."""
    from datetime import timedelta

    from seeds.demo import seed_demo

    duck = Database(demo_file)
    name = new_postgres_database(pg_cluster, None)
    pg = open_database(pg_cluster.url(name))
    try:
        with duck.cursor() as cur:  # seed_demo dates every account 60 days before its moment
            moment = scalar(cur, "SELECT min(created_at) FROM users") + timedelta(days=60)
        seed_demo(pg, now=moment, rounds=4)
        prints = []
        for database in (duck, pg):
            with database.cursor() as cur:
                prints.append({t: checksum(cur, t, [n for n, _ in columns(cur, t) if n != "password_hash" and not (
                                   t == "library_items" and n in ("created_at", "updated_at"))])
                               for t in tables(cur) if t not in ("schema_migrations", "notifications", "email_outbox")})
        assert prints[0]["contacts"][0] > 0 and prints[0]["events"][0] > 0
        assert {t: v for t, v in prints[0].items() if v != prints[1].get(t)} == {}
    finally:
        pg.close()
        duck.close()
        drop_postgres_database(pg_cluster, name)


def test_the_scheduled_work_runs_as_its_own_worker_process_on_postgres(pg_db, tmp_path):
    """`python -m core.messaging.jobs --loop` beside the portal: it runs the due jobs and stops on Ctrl-C."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "PORTAL_DATABASE_URL": pg_db.url, "PORTAL_DATA_DIR": str(tmp_path),
           "PORTAL_SECRETS_FILE": str(tmp_path / "no-secrets.toml")}
    env.pop("PORTAL_JOBS_IN_PROCESS", None)
    worker = subprocess.Popen([sys.executable, "-m", "core.messaging.jobs", "--loop"], env=env,
                              cwd=Path(__file__).resolve().parents[1], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with pg_db.cursor() as cur:
                done = {r[0] for r in cur.execute("SELECT job FROM job_runs WHERE status = 'ok'").fetchall()}
            if {"reminders", "email"} <= done:
                break
            assert worker.poll() is None, worker.stderr.read().decode()
            time.sleep(0.2)
        assert {"reminders", "email"} <= done
    finally:
        worker.send_signal(signal.SIGINT)
        out, _ = worker.communicate(timeout=30)
    assert b"running scheduled work as" in out
