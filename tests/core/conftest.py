"""Fixtures shared by the core tests of several areas."""

from __future__ import annotations

import pytest

from core.store.db import open_database
from tests.conftest import drop_postgres_database, new_postgres_database


@pytest.fixture
def pg_db(pg_cluster, pg_template):
    """A fresh migrated PostgreSQL database (for what only PostgreSQL does)."""
    name = new_postgres_database(pg_cluster, pg_template)
    database = open_database(pg_cluster.url(name))
    yield database
    database.close()
    drop_postgres_database(pg_cluster, name)
