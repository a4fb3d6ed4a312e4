"""Shared fixtures: a migrated database on each store (in-memory DuckDB, and a fresh database in a
throwaway PostgreSQL cluster), small cohorts, and a seeded demo file.

Every test that uses the `db` or `portal_env` fixture runs once per store, `[duckdb]` and
`[postgres]` (a missing PostgreSQL fails those runs, never skips them), except the tests listed in
NOT_YET_ON_POSTGRES (one place, each with its reason; the run's summary prints
them). PORTAL_TEST_STORES=duckdb (or postgres) runs one store only, for a quick local loop.
"""

from __future__ import annotations

import os
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest

from core.admin.cohorts import add_student, assign_counselor, create_cohort
from core.admin.library import load_library
from core.identity.access import SYSTEM
from core.identity.accounts import create_user
from core.models import Actor, CohortCreate, Role, UserCreate
from core.store.db import Database, open_database
from core.store.migrate import apply_migrations

# AppTests run app.py in this process: no scheduled-work runner thread beside them (the reminder tests
# run the jobs themselves; the browser tests' portals run their own).
os.environ.setdefault("PORTAL_JOBS_IN_PROCESS", "false")

NOW = datetime(2026, 3, 10, 15, 0, 0)  # a Tuesday, 15:00 UTC
TERM = {"term_start": date(2026, 1, 12), "term_end": date(2026, 5, 8)}  # the spring term around NOW
PASSWORD = "Test-pass-1!"


STORES = ("duckdb", "postgres")

NOT_YET_ON_POSTGRES: dict[str, str] = {
    "test_demo.py": "seeds the demo into DuckDB files (demo_file), as `make run` does",
    "test_commands.py": "checks the command-line messages about DuckDB files (locked, not a database, a folder)",
}
"""Test files (or file::test) whose PostgreSQL run is not ported yet, with the reason. They run on
DuckDB only, and the summary of every run lists them."""


def _not_yet(nodeid: str) -> str | None:
    path, _, rest = nodeid.partition("::")
    name = Path(path).name
    test = rest.split("[", 1)[0]
    return NOT_YET_ON_POSTGRES.get(f"{name}::{test}") or NOT_YET_ON_POSTGRES.get(name)


def _stores() -> list[str]:
    chosen = os.environ.get("PORTAL_TEST_STORES", "")
    stores = [s.strip() for s in chosen.split(",") if s.strip()] or list(STORES)
    unknown = set(stores) - set(STORES)
    if unknown:
        raise pytest.UsageError(f"PORTAL_TEST_STORES: unknown store(s) {sorted(unknown)}; known: {STORES}")
    return stores


def pytest_generate_tests(metafunc) -> None:
    if "store" in metafunc.fixturenames:
        stores = _stores()
        if "postgres" in stores and _not_yet(metafunc.definition.nodeid):
            stores = [s for s in stores if s != "postgres"]
        metafunc.parametrize("store", stores, scope="function")


def pytest_terminal_summary(terminalreporter) -> None:
    if NOT_YET_ON_POSTGRES and "postgres" in _stores():
        terminalreporter.write_sep("-", "not yet on PostgreSQL (run on DuckDB only)")
        for name, reason in NOT_YET_ON_POSTGRES.items():
            terminalreporter.write_line(f"{name}: {reason}")


@pytest.fixture(scope="session")
def pg_cluster():
    """The run's throwaway PostgreSQL cluster, started when the first PostgreSQL test needs it."""
    from tests.pg_cluster import Cluster

    cluster = Cluster()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def pg_template(pg_cluster) -> str:
    """A migrated PostgreSQL database with the content library loaded, copied for each test."""
    import psycopg

    name = "portal_template"
    with psycopg.connect(pg_cluster.url(), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    database = open_database(pg_cluster.url(name))
    try:
        apply_migrations(database)
        load_library(database, now=NOW)
    finally:
        database.close()
    return name


def new_postgres_database(cluster, template: str | None) -> str:
    """A fresh database (copied from the migrated template, or empty); its name in the cluster."""
    import psycopg

    name = cluster.new_name()
    copy = f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
    with psycopg.connect(cluster.url(), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}{copy}")
    return name


def drop_postgres_database(cluster, name: str) -> None:
    import psycopg

    with psycopg.connect(cluster.url(), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def db(request, store: str):
    """A fresh migrated database with the content library loaded: in-memory DuckDB, or a new
    database in the run's PostgreSQL cluster copied from the migrated template."""
    if store == "duckdb":
        database = Database(":memory:")
        apply_migrations(database)
        load_library(database, now=NOW)
        yield database
        database.close()
        return
    cluster = request.getfixturevalue("pg_cluster")
    name = new_postgres_database(cluster, request.getfixturevalue("pg_template"))
    database = open_database(cluster.url(name))
    yield database
    database.close()
    drop_postgres_database(cluster, name)


def make_user(db: Database, username: str, role: Role, **extra) -> Actor:
    """Create an account with a cheap hash and return it as an Actor."""
    user = create_user(db, SYSTEM, UserCreate(
        username=username, email=f"{username}@example.edu", first_name=username.split('.')[0].title(),
        last_name="Tester", role=role, password=PASSWORD, **extra), now=NOW, rounds=4)
    return Actor(user.id, role, user.full_name)



def stored_hash(db: Database, username: str) -> str:
    """The password hash stored for an account."""
    with db.cursor() as cur:
        return cur.execute("SELECT password_hash FROM users WHERE username = ?", [username]).fetchone()[0]

class World:
    """Two cohorts X and Y, one counselor each, two students in X and one in Y, and an admin."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.admin = make_user(db, "admin", Role.ADMIN)
        self.counselor_x = make_user(db, "counselor.x", Role.COUNSELOR)
        self.counselor_y = make_user(db, "counselor.y", Role.COUNSELOR)
        self.alice = make_user(db, "alice", Role.STUDENT)
        self.bob = make_user(db, "bob", Role.STUDENT)
        self.yara = make_user(db, "yara", Role.STUDENT)
        self.cohort_x = create_cohort(db, self.admin, CohortCreate(name="Cohort X", **TERM), now=NOW).id
        self.cohort_y = create_cohort(db, self.admin, CohortCreate(name="Cohort Y", **TERM), now=NOW).id
        assign_counselor(db, self.admin, self.cohort_x, self.counselor_x.user_id, now=NOW)
        assign_counselor(db, self.admin, self.cohort_y, self.counselor_y.user_id, now=NOW)
        add_student(db, self.admin, self.cohort_x, self.alice.user_id, now=NOW)
        add_student(db, self.admin, self.cohort_x, self.bob.user_id, now=NOW)
        add_student(db, self.admin, self.cohort_y, self.yara.user_id, now=NOW)


@pytest.fixture
def world(db: Database) -> World:
    return World(db)


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory) -> Path:
    """A database file seeded with the demo cohort once per test run (cheap bcrypt)."""
    from seeds.demo import seed_demo

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    database = Database(path)
    seed_demo(database, rounds=4)
    database.close()
    return path


@pytest.fixture
def demo_copy(demo_file: Path, tmp_path: Path) -> Path:
    """A private copy of the seeded demo database for a test that writes."""
    target = tmp_path / "portal.duckdb"
    shutil.copy(demo_file, target)
    return target


@pytest.fixture(scope="session")
def pg_demo_template(pg_cluster, demo_file: Path) -> str:
    """The seeded demo moved into a PostgreSQL database (core.store.transfer), copied for each page test."""
    from core.store.transfer import transfer

    name = new_postgres_database(pg_cluster, None)
    source, target = Database(demo_file), open_database(pg_cluster.url(name))
    try:
        transfer(source, target)
    finally:
        target.close()
        source.close()
    return name


@pytest.fixture
def portal_env(request, monkeypatch, store: str, tmp_path: Path) -> Path | str:
    """Point the portal's settings at a private copy of the seeded demo (for AppTest, which runs
    in-process): a DuckDB file (its path), or a PostgreSQL database (its URL)."""
    from core.config import get_settings
    from core.store.db import close_database

    monkeypatch.setenv("PORTAL_BCRYPT_ROUNDS", "4")
    monkeypatch.setenv("PORTAL_ONE_TIME_PASSWORD_ROUNDS", "4")
    monkeypatch.setenv("PORTAL_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    if store == "duckdb":
        location = request.getfixturevalue("demo_copy")
        monkeypatch.setenv("PORTAL_DB_PATH", str(location))
    else:
        cluster = request.getfixturevalue("pg_cluster")
        name = new_postgres_database(cluster, request.getfixturevalue("pg_demo_template"))
        location = cluster.url(name)
        monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))
        monkeypatch.setenv("PORTAL_DATABASE_URL", location)
    get_settings.cache_clear()
    yield location
    get_settings.cache_clear()
    os.environ.pop("PORTAL_DB_PATH", None)
    os.environ.pop("PORTAL_DATABASE_URL", None)
    if store == "postgres":
        close_database(location)
        drop_postgres_database(cluster, name)


@pytest.fixture(autouse=True, scope="session")
def _pages_may_run_alone():
    """AppTests run single page scripts on purpose; the page guard need not route them through app.py."""
    from ui.nav import mark_app_navigation_given

    mark_app_navigation_given()
