"""The SQL dialect between the stores: placeholders become psycopg's outside quotes, percent signs doubled
(core/store/dialect.py)."""

from __future__ import annotations

from core.store import dialect


def test_placeholders_become_psycopg_ones_outside_quotes_and_percent_signs_are_doubled():
    sql = "SELECT ?, 'a ? 50%', \"odd?\", x -- why? 5%\nFROM t WHERE y LIKE ? /* ? */ AND z = 'it''s ?'"
    assert dialect.postgres_sql(sql) == (
        "SELECT %s, 'a ? 50%%', \"odd?\", x -- why? 5%%\nFROM t WHERE y LIKE %s /* ? */ AND z = 'it''s ?'")
