"""Moving a portal between DuckDB and PostgreSQL, verified both ways, into an empty target only
(core/store/transfer.py)."""

from __future__ import annotations

import pytest

from core.campaign.contacts import create_contact
from core.errors import TransferError
from core.models import ContactCreate
from core.store.db import Database, open_database, scalar
from core.store.migrate import apply_migrations
from core.store.transfer import transfer
from tests.conftest import NOW, drop_postgres_database, new_postgres_database
from tests.store_helpers import _fingerprint, _portal_with_records


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


def test_a_duckdb_portal_holding_a_nul_moves_to_postgres_with_the_rows_cleaned_and_reported(tmp_path, pg_cluster,
                                                                                            capsys):
    from core.store.transfer import main

    source = Database(tmp_path / "portal.duckdb")
    apply_migrations(source)
    _portal_with_records(source)
    with source.cursor() as cur:
        # What a portal could store before every form refused it: a NUL in a name and in an event's details.
        cur.execute("UPDATE contacts SET first_name = 'An' || chr(0) || 'a' WHERE id = (SELECT min(id) FROM contacts)")
        cur.execute("""UPDATE events SET detail = '{"name": "An\\u0000a"}'
                       WHERE id = (SELECT min(id) FROM events WHERE detail IS NOT NULL)""")
    source.close()
    name = new_postgres_database(pg_cluster, None)
    try:
        assert main(["--from", str(tmp_path / "portal.duckdb"), "--to", pg_cluster.url(name)]) == 0
        out = capsys.readouterr().out
        assert "Table contacts: 1 row held a NUL character, which PostgreSQL cannot store; it was removed" in out
        assert "Table events: 1 row held a NUL character" in out
        assert "every table's count and checksum verified" in out
        target = open_database(pg_cluster.url(name))
        try:
            with target.cursor() as cur:
                assert scalar(cur, "SELECT first_name FROM contacts ORDER BY id LIMIT 1") == "Ana"
                assert scalar(cur, "SELECT count(*) FROM events WHERE CAST(detail AS TEXT) LIKE '%Ana%'") >= 1
        finally:
            target.close()
    finally:
        drop_postgres_database(pg_cluster, name)
