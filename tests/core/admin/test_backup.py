"""Backups and restore: write, back up, change, restore, compare; the command line; production setup."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import duckdb
import pytest

from core.admin import backup
from core.errors import AccessDenied, BackupError
from core.identity import accounts
from core.identity.access import SYSTEM
from core.identity.accounts import set_active, user_id_for_username
from core.models import Actor, Role
from core.store.db import Database, open_database, rows, scalar
from tests.conftest import NOW, drop_postgres_database, make_user, new_postgres_database
from tests.store_helpers import _fingerprint, _portal_with_records

ROOT = Path(__file__).resolve().parents[3]
TABLES = ["users", "cohorts", "cohort_members", "contacts", "events", "library_items", "schema_migrations"]


def _snapshot(db: Database) -> dict[str, list]:
    with db.cursor() as cur:
        return {t: cur.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}


def test_round_trip_write_back_up_change_restore_compare(demo_copy, tmp_path):
    db = Database(demo_copy)
    admin = Actor(user_id_for_username(db, "admin"), Role.ADMIN, "Admin")
    before = _snapshot(db)
    target = tmp_path / "backups" / "b1.duckdb"
    result = backup.backup(db, admin, target)
    assert result.users == len(before["users"]) and result.events == len(before["events"])
    assert result.schema_version == max(r[0] for r in before["schema_migrations"])
    with pytest.raises(BackupError, match="already exists"):
        backup.backup(db, admin, target)

    set_active(db, admin, user_id_for_username(db, "student07"), False)  # the change after the backup
    assert _snapshot(db) != before
    db.close()

    kept = backup.restore(target, demo_copy)
    assert kept.exists() and kept.name.startswith("portal.duckdb.before-restore-")
    restored = Database(demo_copy)
    assert _snapshot(restored) == before
    # The sequence came along too: a new row does not collide with restored ids.
    with restored.cursor() as cur:
        top = scalar(cur, "SELECT max(id) FROM events")
    from core.clock import utcnow
    from core.store.events import record

    restored.transaction(lambda cur: record(cur, SYSTEM, "checked", "backup", now=utcnow()))
    with restored.cursor() as cur:
        assert scalar(cur, "SELECT max(id) FROM events") > top
    restored.close()


def test_backup_is_consistent_while_the_portal_keeps_writing(demo_copy, tmp_path):
    import threading

    db = Database(demo_copy)
    admin = Actor(user_id_for_username(db, "admin"), Role.ADMIN, "Admin")
    stop = threading.Event()

    def keep_writing():
        from core.clock import utcnow
        from core.store.events import record

        while not stop.is_set():
            db.transaction(lambda cur: record(cur, SYSTEM, "tick", "test", now=utcnow()))
            stop.wait(0.002)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        result = backup.backup(db, admin, tmp_path / "live.duckdb")
    finally:
        stop.set()
        writer.join()
    copy = duckdb.connect(str(result.path))
    # The copy's id sequence is past every id in it, so the restored portal can keep inserting.
    top = copy.execute("SELECT max(id) FROM events").fetchone()[0]
    assert copy.execute("SELECT nextval('id_seq')").fetchone()[0] > top
    copy.close()
    db.close()


def test_backup_and_restore_refuse_what_they_cannot_do(world, tmp_path):
    with pytest.raises(AccessDenied):
        backup.backup(world.db, world.counselor_x, tmp_path / "x.duckdb")
    not_portal = tmp_path / "other.duckdb"
    duckdb.connect(str(not_portal)).close()
    with pytest.raises(BackupError, match="not a portal database"):
        backup.restore(not_portal, tmp_path / "portal.duckdb")
    with pytest.raises(BackupError, match="no such backup"):
        backup.restore(tmp_path / "missing.duckdb", tmp_path / "portal.duckdb")


def _cli(module: str, *args: str, env: dict, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, env={**os.environ, **env},
                          capture_output=True, text=True, input=stdin, timeout=120)


def test_command_line_backup_restore_and_locked_file(demo_copy, tmp_path):
    env = {"PORTAL_DB_PATH": str(demo_copy), "PORTAL_SECRETS_FILE": str(tmp_path / "none.toml")}
    done = _cli("core.admin.backup", str(tmp_path / "cli.duckdb"), env=env)
    assert done.returncode == 0, done.stderr
    assert "Backed up" in done.stdout and (tmp_path / "cli.duckdb").exists()

    holder = Database(demo_copy)  # the "running portal"
    try:
        locked = _cli("core.admin.backup", str(tmp_path / "cli2.duckdb"), env=env)
        assert locked.returncode == 2 and "Back up now" in locked.stderr
        refused = _cli("core.admin.backup", "restore", str(tmp_path / "cli.duckdb"), env=env)
        assert refused.returncode == 1 and "Stop the portal" in refused.stderr
        health = _cli("core.admin.health", env=env)
        assert health.returncode == 2
    finally:
        holder.close()
    restored = _cli("core.admin.backup", "restore", str(tmp_path / "cli.duckdb"), env=env)
    assert restored.returncode == 0 and "Restored" in restored.stdout
    health = _cli("core.admin.health", env=env)
    assert health.returncode == 0 and "schema version" in health.stdout and "users" in health.stdout


# ---------------------------------------------------------------- production setup


def test_setup_production_writes_a_key_creates_the_admin_and_keeps_the_key(tmp_path):
    secrets_path = tmp_path / "secrets.toml"
    secrets_path.write_text('[other]\nanswer = 42\n\n[portal]\ntimezone = "Europe/Paris"\n', encoding="utf-8")
    password_file = tmp_path / "pw"
    password_file.write_text("Str0ng-admin!\n", encoding="utf-8")
    env = {"PORTAL_SECRETS_FILE": str(secrets_path), "PORTAL_DATA_DIR": str(tmp_path / "data"),
           "PORTAL_BCRYPT_ROUNDS": "4"}
    env.pop("PORTAL_DB_PATH", None)
    os.environ.pop("PORTAL_DB_PATH", None)
    flags = ["--admin-username", "ops", "--admin-email", "ops@college.edu", "--admin-first-name", "Ada",
             "--admin-last-name", "Ops", "--admin-password-file", str(password_file)]
    done = _cli("core.admin.setup_production", *flags, env=env)
    assert done.returncode == 0, done.stderr
    data = tomllib.loads(secrets_path.read_text(encoding="utf-8"))
    key = data["portal"]["cookie_key"]
    assert len(key) >= 64 and data["portal"]["demo_mode"] is False
    assert data["other"] == {"answer": 42} and data["portal"]["timezone"] == "Europe/Paris"
    assert stat.S_IMODE(secrets_path.stat().st_mode) == 0o600

    db = Database(tmp_path / "data" / "portal.duckdb")
    with db.cursor() as cur:
        admins = rows(cur, "SELECT username, role, must_change_password FROM users")
        assert scalar(cur, "SELECT count(*) FROM library_items") > 0
    db.close()
    assert admins == [{"username": "ops", "role": "admin", "must_change_password": False}]

    again = _cli("core.admin.setup_production", env=env)
    assert again.returncode == 0 and "existing cookie key kept" in again.stdout and "admin exists" in again.stdout
    assert tomllib.loads(secrets_path.read_text(encoding="utf-8"))["portal"]["cookie_key"] == key
    forced = _cli("core.admin.setup_production", "--force", env=env)
    assert forced.returncode == 0
    assert tomllib.loads(secrets_path.read_text(encoding="utf-8"))["portal"]["cookie_key"] != key

    from core.config import Settings

    os.environ["PORTAL_SECRETS_FILE"] = str(secrets_path)
    try:
        settings = Settings()
        settings.check_for_startup()  # a real key: the portal starts with demo mode off
        assert settings.demo_mode is False
    finally:
        os.environ.pop("PORTAL_SECRETS_FILE", None)


def test_setup_production_refuses_weak_passwords_and_demo_databases(tmp_path, demo_copy):
    password_file = tmp_path / "pw"
    password_file.write_text("short", encoding="utf-8")
    flags = ["--admin-username", "ops", "--admin-email", "ops@college.edu", "--admin-first-name", "Ada",
             "--admin-last-name", "Ops", "--admin-password-file", str(password_file)]
    env = {"PORTAL_SECRETS_FILE": str(tmp_path / "s.toml"), "PORTAL_DB_PATH": str(tmp_path / "fresh.duckdb"),
           "PORTAL_BCRYPT_ROUNDS": "4"}
    weak = _cli("core.admin.setup_production", *flags, env=env)
    assert weak.returncode == 1 and "at least 12 characters" in weak.stderr
    demo = _cli("core.admin.setup_production", *flags, env={**env, "PORTAL_DB_PATH": str(demo_copy)})
    assert demo.returncode == 1 and "demo cohort" in demo.stderr


@pytest.fixture
def backup_file(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    path = folder / "portal-20261123-120000.duckdb"
    path.write_bytes(b"backup bytes")
    return path


def _downloads(db):
    with db.cursor() as cur:
        return rows(cur, """SELECT actor_id, detail FROM events
                            WHERE entity_type = 'disclosure' AND action = 'downloaded'
                              AND detail LIKE '%"kind": "backup"%'""")


def test_an_admin_download_is_recorded_in_the_audit_log(world, backup_file):
    made = backup.download_backup(world.db, world.admin, backup_file, backups_dir=backup_file.parent, now=NOW)
    assert b"".join(made.chunks(4)) == b"backup bytes"  # sent from disk, in pieces
    assert (made.file_name, made.media_type, made.size) == (backup_file.name, "application/octet-stream", 12)
    logged = _downloads(world.db)
    assert [e["actor_id"] for e in logged] == [world.admin.user_id]
    assert backup_file.name in logged[0]["detail"] and '"bytes":12' in logged[0]["detail"].replace(" ", "")
    made.discard()  # the backup is kept: sending it does not remove it
    assert backup_file.read_bytes() == b"backup bytes"


def test_others_and_admins_who_lost_the_role_get_nothing_and_nothing_is_recorded(world, backup_file):
    for actor in (world.counselor_x, world.alice):
        with pytest.raises(AccessDenied):
            backup.download_backup(world.db, actor, backup_file, backups_dir=backup_file.parent, now=NOW)
    other_admin = make_user(world.db, "admin2", Role.ADMIN)
    accounts.change_role(world.db, world.admin, other_admin.user_id, Role.COUNSELOR)
    with pytest.raises(AccessDenied):  # the Actor object still says admin; the database no longer does
        backup.download_backup(world.db, other_admin, backup_file, backups_dir=backup_file.parent, now=NOW)
    assert _downloads(world.db) == []


def test_only_files_in_the_backups_folder_can_be_downloaded(world, backup_file, tmp_path):
    secret = tmp_path / "secrets.toml"
    secret.write_text("[portal]\n")
    with pytest.raises(BackupError, match="not one of the portal's backups"):
        backup.download_backup(world.db, world.admin, secret, backups_dir=backup_file.parent, now=NOW)
    with pytest.raises(BackupError):
        backup.download_backup(world.db, world.admin, backup_file.parent / ".." / "secrets.toml",
                               backups_dir=backup_file.parent, now=NOW)


def test_postgres_backup_is_a_pg_dump_archive_restored_into_an_empty_database(tmp_path, pg_cluster, pg_template):
    from core.identity.access import SYSTEM

    name = new_postgres_database(pg_cluster, pg_template)
    db = open_database(pg_cluster.url(name))
    empty = new_postgres_database(pg_cluster, None)
    try:
        _portal_with_records(db)
        result = backup.backup(db, SYSTEM, tmp_path / "portal.dump")
        assert result.path.stat().st_size > 0 and result.users == 6 and result.schema_version >= 13
        with pytest.raises(BackupError, match="not empty"):
            backup.restore(tmp_path / "portal.dump", pg_cluster.url(name))
        backup.restore(tmp_path / "portal.dump", pg_cluster.url(empty))
        restored = open_database(pg_cluster.url(empty))
        try:
            assert _fingerprint(restored) == _fingerprint(db)
        finally:
            restored.close()
    finally:
        db.close()
        drop_postgres_database(pg_cluster, name)
        drop_postgres_database(pg_cluster, empty)


# ---------------------------------------------------------------- encrypted backups

BACKUP_KEY = "Rk3v9-Zq7LwT2pXe8uNcYb4sHd6gJmAf0oQi1V5t"


def test_an_encrypted_backup_holds_nothing_readable_and_restores_only_with_its_key(demo_copy, tmp_path):
    db = Database(demo_copy)
    admin = Actor(user_id_for_username(db, "admin"), Role.ADMIN, "Admin")
    before = _snapshot(db)
    result = backup.backup(db, admin, tmp_path / "backups" / "b1.duckdb", key=BACKUP_KEY)
    assert result.path == tmp_path / "backups" / "b1.duckdb.enc"
    assert sorted(p.name for p in result.path.parent.iterdir()) == ["b1.duckdb.enc"], "no plain copy left behind"
    assert result.users == len(before["users"]) and result.events == len(before["events"])
    sealed = result.path.read_bytes()
    assert backup.is_encrypted(result.path) and result.bytes == len(sealed)
    with pytest.raises(duckdb.Error):
        duckdb.connect(str(result.path), read_only=True)
    for plain_text in (b"student07", b"schema_migrations", b"Demo", b"DUCK"):
        assert plain_text not in sealed
    set_active(db, admin, user_id_for_username(db, "student07"), False)
    db.close()

    with pytest.raises(BackupError, match="cannot be decrypted with this key"):
        backup.restore(result.path, demo_copy, key=BACKUP_KEY[::-1])
    with pytest.raises(BackupError, match="is encrypted. Set PORTAL_BACKUP_KEY"):
        backup.restore(result.path, demo_copy, key="")
    assert not list(tmp_path.glob("**/*.decrypted")) and not list(demo_copy.parent.glob("*.before-restore-*")), \
        "a refused restore moves nothing"
    kept = backup.restore(result.path, demo_copy, key=BACKUP_KEY)
    assert kept.name.startswith("portal.duckdb.before-restore-")
    restored = Database(demo_copy)
    assert _snapshot(restored) == before
    restored.close()
    assert not list(demo_copy.parent.glob(".*.decrypted")), "the decrypted copy is removed after the restore"


@pytest.mark.parametrize("size", [0, 1, backup.PIECE - 1, backup.PIECE, 2 * backup.PIECE + 5])
def test_encryption_round_trips_any_size_and_refuses_a_changed_reordered_or_cut_file(tmp_path, size):
    plain = tmp_path / "plain"
    plain.write_bytes(os.urandom(size))
    sealed = tmp_path / "sealed.enc"
    backup.encrypt_file(plain, sealed, BACKUP_KEY)
    backup.decrypt_file(sealed, tmp_path / "back", BACKUP_KEY)
    assert (tmp_path / "back").read_bytes() == plain.read_bytes()
    data = sealed.read_bytes()
    piece = backup.PIECE + 16
    header = len(b"PORTALBK") + 1 + 16 + 7  # the mark, the format's version, the salt, the nonce prefix
    damaged = {"a flipped bit": data[:-1] + bytes([data[-1] ^ 1]), "cut short": data[:-1],
               "the header alone": data[:header]}
    if size > backup.PIECE:
        damaged["the last piece gone"] = data[:header + piece]
    if size > 2 * backup.PIECE:
        damaged["two pieces swapped"] = data[:header] + data[header + piece:header + 2 * piece] \
            + data[header:header + piece] + data[header + 2 * piece:]
    for what, bad in damaged.items():
        (tmp_path / "bad.enc").write_bytes(bad)
        with pytest.raises(BackupError, match="cannot be decrypted"):
            backup.decrypt_file(tmp_path / "bad.enc", tmp_path / "out", BACKUP_KEY)
        assert not (tmp_path / "out").exists(), what


def test_a_weak_backup_key_is_refused_at_start_up(monkeypatch, tmp_path):
    from core.config import Settings
    from core.errors import SettingsError

    monkeypatch.setenv("PORTAL_SECRETS_FILE", str(tmp_path / "none.toml"))
    with pytest.raises(SettingsError, match="PORTAL_BACKUP_KEY .* the backup key is shorter than 32 characters"):
        Settings(backup_key="short")
    assert Settings(backup_key=BACKUP_KEY).backup_key == BACKUP_KEY
    assert Settings().backup_key == "", "no key: backups are not encrypted"


def test_command_line_encrypted_backup_decrypt_and_restore(demo_copy, tmp_path):
    env = {"PORTAL_DB_PATH": str(demo_copy), "PORTAL_SECRETS_FILE": str(tmp_path / "none.toml"),
           "PORTAL_BACKUP_KEY": BACKUP_KEY}
    done = _cli("core.admin.backup", str(tmp_path / "cli.duckdb"), env=env)
    assert done.returncode == 0, done.stderr
    assert "cli.duckdb.enc" in done.stdout and not (tmp_path / "cli.duckdb").exists()
    key_file = tmp_path / "backup.key"
    key_file.write_text(BACKUP_KEY + "\n")
    other = {**env, "PORTAL_BACKUP_KEY": ""}
    refused = _cli("core.admin.backup", "restore", str(tmp_path / "cli.duckdb.enc"), env=other)
    assert refused.returncode == 1 and "is encrypted" in refused.stderr
    opened = _cli("core.admin.backup", "decrypt", str(tmp_path / "cli.duckdb.enc"), str(tmp_path / "plain.duckdb"),
                  "--key-file", str(key_file), env=other)
    assert opened.returncode == 0, opened.stderr
    assert backup._describe(tmp_path / "plain.duckdb").users > 0
    restored = _cli("core.admin.backup", "restore", str(tmp_path / "cli.duckdb.enc"), "--key-file", str(key_file),
                    env=other)
    assert restored.returncode == 0 and "Restored" in restored.stdout, restored.stderr


def test_postgres_encrypted_backup_restores_into_an_empty_database(tmp_path, pg_cluster, pg_template, monkeypatch):
    from core.config import get_settings

    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PORTAL_SECRETS_FILE", str(tmp_path / "none.toml"))
    get_settings.cache_clear()
    name = new_postgres_database(pg_cluster, pg_template)
    db = open_database(pg_cluster.url(name))
    empty = new_postgres_database(pg_cluster, None)
    try:
        _portal_with_records(db)
        result = backup.backup(db, SYSTEM, tmp_path / "portal.dump", key=BACKUP_KEY)
        assert result.path == tmp_path / "portal.dump.enc" and not (tmp_path / "portal.dump").exists()
        assert backup.is_encrypted(result.path) and b"PGDMP" not in result.path.read_bytes()
        with pytest.raises(BackupError, match="cannot be decrypted"):
            backup.restore(result.path, pg_cluster.url(empty), key=BACKUP_KEY + "x")
        backup.restore(result.path, pg_cluster.url(empty), key=BACKUP_KEY)
        restored = open_database(pg_cluster.url(empty))
        try:
            assert _fingerprint(restored) == _fingerprint(db)
        finally:
            restored.close()
        assert not list((tmp_path / "data").glob(".*.decrypted"))
    finally:
        db.close()
        drop_postgres_database(pg_cluster, name)
        drop_postgres_database(pg_cluster, empty)
        get_settings.cache_clear()
