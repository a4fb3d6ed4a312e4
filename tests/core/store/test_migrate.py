"""Migrations: applied once in order, recorded with their hash, edits refused, failures rolled back."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from core.errors import MigrationError
from core.store import dialect
from core.store.db import Database, open_database, scalar
from core.store.migrate import MIGRATIONS_DIR, apply_migrations, discover, schema_version


def _copy_migrations(target: Path) -> None:
    target.mkdir()
    for m in discover(MIGRATIONS_DIR):
        (target / m.name).write_text(m.sql, encoding="utf-8")


def test_applies_every_migration_once_with_its_hash():
    db = Database(":memory:")
    applied = apply_migrations(db)
    assert applied == [m.name for m in discover()]
    assert apply_migrations(db) == []
    with db.cursor() as cur:
        recorded = cur.execute("SELECT name, sha256 FROM schema_migrations ORDER BY version").fetchall()
    assert recorded == [(m.name, m.sha256) for m in discover()]
    assert schema_version(db) == discover()[-1].version


def test_an_edited_applied_migration_is_refused(tmp_path):
    folder = tmp_path / "migrations"
    _copy_migrations(folder)
    db = Database(":memory:")
    apply_migrations(db, folder)
    first = sorted(folder.glob("0001_*.sql"))[0]
    first.write_text(first.read_text() + "\n-- changed\n", encoding="utf-8")
    with pytest.raises(MigrationError, match="edited after it was applied"):
        apply_migrations(db, folder)


def test_a_failing_migration_rolls_back_entirely(tmp_path):
    folder = tmp_path / "migrations"
    _copy_migrations(folder)
    (folder / "0099_broken.sql").write_text(
        "CREATE TABLE half_done (id INTEGER);\nINSERT INTO no_such_table VALUES (1);\n", encoding="utf-8")
    db = Database(":memory:")
    with pytest.raises(MigrationError, match="0099_broken.sql failed and was rolled back"):
        apply_migrations(db, folder)
    with db.cursor() as cur:
        assert scalar(cur, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'half_done'") == 0
        assert scalar(cur, "SELECT count(*) FROM schema_migrations WHERE version = 99") == 0
        # Everything before the broken one stays applied.
        assert scalar(cur, "SELECT count(*) FROM schema_migrations") == len(discover())


def test_badly_named_or_duplicate_migrations_are_refused(tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "0001_a.sql").write_text("SELECT 1;")
    (folder / "0001_b.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="share number 0001"):
        discover(folder)
    (folder / "0001_b.sql").unlink()
    (folder / "two.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="NNNN_words.sql"):
        discover(folder)


def test_command_line_migrates_the_configured_file(tmp_path, monkeypatch, capsys):
    from core.config import get_settings
    from core.store import migrate

    monkeypatch.setenv("PORTAL_DB_PATH", str(tmp_path / "p.duckdb"))
    get_settings.cache_clear()
    try:
        assert migrate.main() == 0
        assert "applied 0001_initial.sql" in capsys.readouterr().out
        assert migrate.main() == 0
        assert "schema up to date" in capsys.readouterr().out
    finally:
        get_settings.cache_clear()


def _migration_files():
    from core.store.migrate import MIGRATIONS_DIR

    return list(MIGRATIONS_DIR.glob("*.sql"))


def test_postgres_applies_a_twin_where_there_is_one_and_duckdb_never_reads_twins(tmp_path):
    from core.store.migrate import discover

    duck, pg = discover(store=dialect.DUCKDB), discover(store=dialect.POSTGRES)
    assert [(m.version, m.name) for m in duck] == [(m.version, m.name) for m in pg]
    files = {p.name for p in _migration_files()}
    twinned = {m.name for m in duck if m.name.replace(".sql", ".postgres.sql") in files}
    assert "0001_initial.sql" in twinned
    for d, p in zip(duck, pg, strict=True):
        assert (d.sha256 != p.sha256) == (d.name in twinned)
        code = "\n".join(line.split("--")[0] for line in p.sql.splitlines())
        assert "to_hours" not in code and "BLOB" not in code
    (tmp_path / "0001_a.sql").write_text("SELECT 1;")
    (tmp_path / "0002_b.postgres.sql").write_text("SELECT 2;")
    with pytest.raises(MigrationError, match="twin"):
        discover(tmp_path, dialect.POSTGRES)


# ---------------------------------------------------------------- migrations that change what is kept


@pytest.fixture
def migrated_before(request, store, tmp_path, monkeypatch):
    """migrated_before(N): a fresh database of the store with the migrations before N applied (as a portal
    not yet upgraded), to fill with rows by hand and then migrate the rest of the way."""
    from core.store import migrate
    from tests.conftest import drop_postgres_database, new_postgres_database

    made = []

    def make(version: int) -> Database:
        folder = tmp_path / f"before_{version:04d}"
        folder.mkdir()
        for path in MIGRATIONS_DIR.glob("*.sql"):
            if int(path.name[:4]) < version:
                (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
        if store == "duckdb":
            db = Database(":memory:")
        else:
            cluster = request.getfixturevalue("pg_cluster")
            name = new_postgres_database(cluster, None)
            db = open_database(cluster.url(name))
            made.append((cluster, name))
        # Today's views and kept figures read columns the later migrations add: an old portal had its own.
        with monkeypatch.context() as m:
            m.setattr(migrate, "_refresh_views", lambda cur: None)
            m.setattr(migrate, "rebuild_kept_figures", lambda db: None)
            apply_migrations(db, folder)
        made.append(db)
        return db

    yield make
    for item in reversed(made):
        if isinstance(item, tuple):
            drop_postgres_database(*item)
        else:
            item.close()


def _people(cur, when) -> None:
    """A cohort with a 24-hour thank-you window, its counselor, students 11 to 14 (13 in no cohort)."""
    cur.execute("""INSERT INTO cohorts (id, name, thank_you_window_hours, stalled_after_days, follow_up_business_days,
                                        created_at, updated_at) VALUES (1, 'Spring', 24, 14, 3, ?, ?)""", [when, when])
    for uid, role in ((10, "counselor"), (11, "student"), (12, "student"), (13, "student"), (14, "student")):
        cur.execute("""INSERT INTO users (id, username, email, first_name, last_name, role, password_hash,
                                          created_at, updated_at) VALUES (?, ?, ?, 'A', 'B', ?, 'x', ?, ?)""",
                    [uid, f"u{uid}", f"u{uid}@example.edu", role, when, when])
        if uid != 13 and role == "student":
            cur.execute("INSERT INTO cohort_members VALUES (?, 1, ?)", [uid, when])


def test_the_migration_rebuilds_last_activity_from_the_events_by_campaign_work(migrated_before):
    """0024: the kept last activity (student_activity) is recomputed from the event log by core/rules/activity.py,
    so a student whose last sign-in was kept as their activity shows their last campaign work again."""
    from core.rules.activity import is_campaign_work
    from tests.conftest import NOW

    db = migrated_before(24)
    day = timedelta(days=1)
    logged = [  # (when, actor, student, entity_type, action)
        (NOW - 30 * day, 11, 11, "contact", "created"),
        (NOW - 2 * day, 11, 11, "user", "signed_in"),
        (NOW - 20 * day, 12, 12, "outreach", "sent"),
        (NOW - 3 * day, 10, 12, "student", "commented"),
        (NOW - 2 * day, 12, 12, "contact", "commented"),
        (NOW - day, 12, 12, "user", "password_changed"),
        (NOW - 5 * day, 13, 13, "user", "registered"),
        (NOW - 4 * day, 13, 13, "user", "signed_in"),
        (NOW - 6 * day, 14, 14, "meeting", "logged"),
        (NOW - 7 * day, 14, 14, "reflection", "saved"),
    ]

    def work(cur):
        _people(cur, NOW - 40 * day)
        for when, actor, student, entity_type, action in logged:
            cur.execute("""INSERT INTO events (occurred_at, actor_id, student_id, entity_type, action)
                           VALUES (?, ?, ?, ?, ?)""", [when, actor, student, entity_type, action])
        # What the old rule kept: every own event.
        cur.execute("""INSERT INTO student_activity SELECT student_id, max(occurred_at) FROM events
                       WHERE actor_id = student_id GROUP BY student_id""")

    db.transaction(work)
    apply_migrations(db)
    with db.cursor() as cur:
        kept = dict(cur.execute("SELECT student_id, last_activity_at FROM student_activity").fetchall())
    assert kept == {11: NOW - 30 * day, 12: NOW - 20 * day, 14: NOW - 6 * day}
    expected: dict[int, object] = {}
    for when, actor, student, entity_type, action in logged:
        if actor == student and is_campaign_work(entity_type, action):
            expected[student] = max(when, expected.get(student, when))
    assert kept == expected


def test_the_newest_rebuild_of_last_activity_uses_the_rule_of_today():
    """A migration that rebuilds student_activity writes core/rules/activity.py's query: when the rule changes,
    a new migration rebuilds the kept figures with it (this test then names it)."""
    from core.rules.activity import LATEST_CAMPAIGN_WORK

    rebuilds = [m for m in discover() if "INSERT INTO student_activity" in m.sql]
    newest = " ".join(rebuilds[-1].sql.split())
    assert " ".join(LATEST_CAMPAIGN_WORK.split()) in newest, rebuilds[-1].name


def test_the_migration_stamps_each_held_meeting_with_the_window_it_was_judged_by(migrated_before):
    """0025: meetings held before it keep the window they were judged by (their cohort's, the rules' default
    without one), so raising the cohort's window afterwards moves none of their thank-yous."""
    from core.admin.cohorts import update_cohort
    from core.models import SYSTEM, CohortUpdate
    from tests.conftest import NOW

    db = migrated_before(25)
    held = NOW - timedelta(hours=47)

    def work(cur):
        _people(cur, NOW - timedelta(days=40))
        for mid, student, status in ((21, 11, "held"), (22, 12, "scheduled"), (23, 13, "held")):
            cur.execute("""INSERT INTO contacts (id, student_id, first_name, last_name, source, created_at,
                                                 updated_at) VALUES (?, ?, 'Ana', 'Lee', 'other', ?, ?)""",
                        [mid + 10, student, held, held])
            cur.execute("""INSERT INTO meetings (id, contact_id, student_id, starts_at, timezone, mode, status,
                                                 held_at, created_at, updated_at)
                           VALUES (?, ?, ?, ?, 'UTC', 'video', ?, ?, ?, ?)""",
                        [mid, mid + 10, student, held, status, held if status == "held" else None, held, held])

    db.transaction(work)
    apply_migrations(db)

    def due():
        with db.cursor() as cur:
            stamped = dict(cur.execute("SELECT id, thank_you_window_hours FROM meetings").fetchall())
            return stamped, dict(cur.execute("SELECT meeting_id, due_at FROM thank_you_status").fetchall())

    assert due() == ({21: 24, 22: None, 23: 48}, {21: held + timedelta(hours=24), 23: held + timedelta(hours=48)})
    update_cohort(db, SYSTEM, 1, CohortUpdate(thank_you_window_hours=72), now=NOW)
    assert due()[1] == {21: held + timedelta(hours=24), 23: held + timedelta(hours=48)}
