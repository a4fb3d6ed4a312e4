"""The backup download: admins only, checked at download time, recorded in the audit log, and labelled for what it holds."""

from __future__ import annotations

import pytest

from core.errors import AccessDenied, BackupError
from core.admin import backup
from core.identity import accounts
from core.store.db import rows
from core.models import Role
from tests.apptest_utils import run_page, texts
from tests.conftest import NOW, make_user


@pytest.fixture
def backup_file(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    path = folder / "portal-20261123-120000.duckdb"
    path.write_bytes(b"backup bytes")
    return path


def _downloads(db):
    with db.cursor() as cur:
        return rows(cur, "SELECT actor_id, detail FROM events WHERE entity_type = 'backup' AND action = 'downloaded'")


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


def test_the_health_page_says_what_a_backup_holds_where_it_is_offered(portal_env):
    at = run_page("pages/admin_health.py", portal_env, "admin")
    assert not at.exception
    shown = texts(at)
    assert "private reflections" in shown and "password hash" in shown and "audit log" in shown
