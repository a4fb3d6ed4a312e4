"""Shared fixtures: a migrated in-memory database, small cohorts, and a seeded demo file."""

from __future__ import annotations

import os
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest

from core.access import SYSTEM
from core.accounts import create_user
from core.cohorts import add_student, assign_counselor, create_cohort
from core.db import Database
from core.library import load_library
from core.migrate import apply_migrations
from core.models import Actor, CohortCreate, Role, UserCreate

# AppTests run app.py in this process: no scheduled-work runner thread beside them (the reminder tests
# run the jobs themselves; the browser tests' portals run their own).
os.environ.setdefault("PORTAL_JOBS_IN_PROCESS", "false")

NOW = datetime(2026, 3, 10, 15, 0, 0)  # a Tuesday, 15:00 UTC
TERM = {"term_start": date(2026, 1, 12), "term_end": date(2026, 5, 8)}  # the spring term around NOW
PASSWORD = "Test-pass-1!"


@pytest.fixture
def db() -> Database:
    """A fresh migrated in-memory database with the content library loaded."""
    database = Database(":memory:")
    apply_migrations(database)
    load_library(database, now=NOW)
    yield database
    database.close()


def make_user(db: Database, username: str, role: Role, **extra) -> Actor:
    """Create an account with a cheap hash and return it as an Actor."""
    user = create_user(db, SYSTEM, UserCreate(
        username=username, email=f"{username}@example.edu", first_name=username.split('.')[0].title(),
        last_name="Tester", role=role, password=PASSWORD, **extra), now=NOW, rounds=4)
    return Actor(user.id, role, user.full_name)


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


@pytest.fixture
def portal_env(monkeypatch, demo_copy: Path) -> Path:
    """Point the portal's settings at a private demo copy (for AppTest, which runs in-process)."""
    from core.config import get_settings

    monkeypatch.setenv("PORTAL_DB_PATH", str(demo_copy))
    monkeypatch.setenv("PORTAL_BCRYPT_ROUNDS", "4")
    monkeypatch.setenv("PORTAL_ONE_TIME_PASSWORD_ROUNDS", "4")
    monkeypatch.setenv("PORTAL_SECRETS_FILE", str(demo_copy.parent / "no-secrets.toml"))
    get_settings.cache_clear()
    yield demo_copy
    get_settings.cache_clear()
    os.environ.pop("PORTAL_DB_PATH", None)


@pytest.fixture(autouse=True, scope="session")
def _pages_may_run_alone():
    """AppTests run single page scripts on purpose; the page guard need not route them through app.py."""
    from ui.nav import mark_app_navigation_given

    mark_app_navigation_given()
