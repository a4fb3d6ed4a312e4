"""The process-wide database handle, migrated and with the content library loaded."""

from __future__ import annotations

import streamlit as st

from core.admin.library import load_library
from core.config import get_settings
from core.store.db import Database, get_database
from core.store.migrate import apply_migrations


@st.cache_resource(show_spinner=False)
def _open(path: str) -> Database:
    db = get_database(path)
    apply_migrations(db)
    load_library(db)
    return db


def get_db() -> Database:
    """The shared Database for the configured file or PostgreSQL URL (one per process, a cursor per unit of work)."""
    return _open(get_settings().database_location)
