"""Every `python -m core.*` command answers bad input with the portal's own message and a non-zero exit,
never a traceback: impossible dates, unknown accounts, unwritable files, a database path that is a
folder or not a database, a time zone setting that is not one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.admin import backup, health, setup_production
from core.config import get_settings
from core.messaging import jobs
from core.oversight import export
from core.store import migrate
from tests.store_helpers import _portal_with_records

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings_env(monkeypatch, tmp_path):
    """Settings read afresh from the environment, with no secrets file."""
    monkeypatch.setenv("PORTAL_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    for var in ("PORTAL_TIMEZONE", "PORTAL_DEMO_MODE", "PORTAL_COOKIE_KEY"):
        monkeypatch.delenv(var, raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def _outcome(main, argv: list[str], capsys) -> tuple[int, str]:
    """(exit code, what the person reads on stderr) the way `python -m` would end the command."""
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse (code 2) or SystemExit("message") (printed, code 1)
        code = exc.code
    err = capsys.readouterr().err
    if isinstance(code, str):
        err, code = err + code, 1
    return code, err


def _export(demo_copy: Path, tmp_path: Path, *extra: str) -> list[str]:
    return ["progress", "--db", str(demo_copy), "--out", str(tmp_path / "out.csv"), *extra]


@pytest.mark.parametrize("extra, message", [
    (["--until", "9999-12-31"], "9999-12-31 is out of range (1900 to 2199)"),
    (["--since", "0001-01-01"], "out of range"),
    (["--since", "2026-05-01", "--until", "2026-01-01"], "The period ends before it starts"),
    (["--since", "2026-02-30"], "'2026-02-30' is not a date; write it as YYYY-MM-DD"),
    (["--until", "yesterday"], "'yesterday' is not a date"),
    (["--since", "31/12/2026"], "'31/12/2026' is not a date"),
    (["--as", "nobody"], "No active account 'nobody'."),
    (["--as", "student07"], "needs the counselor or admin role"),
    (["--as", "\udcff"], "No active account"),  # bytes the terminal could not decode
    (["--cohort", "99999999999999999999999"], "No cohort '99999999999999999999999'"),
    (["--cohort", "\udcff"], "No cohort"),
])
def test_export_refuses_bad_options_in_words(demo_copy, tmp_path, capsys, settings_env, extra, message):
    code, err = _outcome(export.main, _export(demo_copy, tmp_path, *extra), capsys)
    assert code != 0
    assert message in err
    assert "Traceback" not in err
    assert not (tmp_path / "out.csv").exists()


def test_export_to_an_unwritable_place_says_so(demo_copy, tmp_path, capsys, settings_env):
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    for out, words in ((a_file / "out.csv", "Not a directory"), (tmp_path, "Is a directory"),
                       (tmp_path / "missing" / "out.csv", "No such file or directory")):
        code, err = _outcome(export.main, ["progress", "--db", str(demo_copy), "--out", str(out)], capsys)
        assert code == 1 and f"Cannot write {out}: {words}." in err, err
    assert a_file.read_text() == "x"


@pytest.mark.parametrize("what", ["folder", "junk", "missing"])
def test_export_from_a_path_that_is_no_database_says_so(tmp_path, capsys, settings_env, what):
    path = {"folder": tmp_path, "junk": tmp_path / "junk.duckdb", "missing": tmp_path / "none.duckdb"}[what]
    (tmp_path / "junk.duckdb").write_text("not a database")
    code, err = _outcome(export.main, ["progress", "--db", str(path), "--out", str(tmp_path / "o.csv")], capsys)
    assert code != 0 and "Traceback" not in err
    assert {"folder": "is a folder, not a database file", "junk": "is not a portal database file",
            "missing": "no database there"}[what] in err
    assert not (tmp_path / "o.csv").exists()


@pytest.mark.parametrize("main", [health.main, migrate.main, backup.main], ids=["health", "migrate", "backup"])
@pytest.mark.parametrize("what", ["folder", "junk"])
def test_commands_on_a_database_path_that_is_no_database_say_so(tmp_path, capsys, settings_env, main, what):
    junk = tmp_path / "junk.duckdb"
    junk.write_text("not a database")
    settings_env.setenv("PORTAL_DB_PATH", str(tmp_path if what == "folder" else junk))
    code, err = _outcome(main, [], capsys)
    assert code != 0 and "Traceback" not in err
    assert ("is a folder, not a database file" if what == "folder" else "is not a portal database file") in err
    assert junk.read_text() == "not a database"


def test_backup_to_a_place_that_cannot_hold_it_says_so(demo_copy, tmp_path, capsys, settings_env):
    settings_env.setenv("PORTAL_DB_PATH", str(demo_copy))
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    code, err = _outcome(backup.main, [str(a_file / "backup.duckdb")], capsys)
    assert code == 1 and "Cannot write the backup to" in err and "Choose another place" in err


def test_restoring_a_file_that_is_no_backup_says_so_and_moves_nothing(demo_copy, tmp_path, capsys, settings_env):
    settings_env.setenv("PORTAL_DB_PATH", str(demo_copy))
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(4000))
    size = demo_copy.stat().st_size
    code, err = _outcome(backup.main, ["restore", str(junk)], capsys)
    assert code == 1 and "is not a portal backup" in err and "Traceback" not in err
    assert demo_copy.stat().st_size == size
    assert not list(demo_copy.parent.glob("*.before-restore-*"))


@pytest.mark.parametrize("content, message", [(None, "Cannot read the password file"),
                                              (b"\xff\xfe\x00p\x00w", "is not UTF-8 text")])
def test_setup_with_an_unreadable_password_file_says_so(tmp_path, capsys, settings_env, content, message):
    settings_env.setenv("PORTAL_SECRETS_FILE", str(tmp_path / "secrets.toml"))
    settings_env.setenv("PORTAL_DB_PATH", str(tmp_path / "portal.duckdb"))
    password_file = tmp_path / "password.txt"
    if content is not None:
        password_file.write_bytes(content)
    code, err = _outcome(setup_production.main, [
        "--admin-username", "career.office", "--admin-email", "office@example.edu", "--admin-first-name", "Career",
        "--admin-last-name", "Office", "--admin-password-file", str(password_file)], capsys)
    assert code == 1 and message in err and "Traceback" not in err


@pytest.mark.parametrize("password, made", [("password1234", False), ("Password1!", False),
                                             ("a quiet harbour at dusk with gulls", True)])
def test_setup_takes_the_first_admins_passphrase_and_refuses_a_guessable_password(
        tmp_path, capsys, settings_env, password, made):
    settings_env.setenv("PORTAL_SECRETS_FILE", str(tmp_path / "secrets.toml"))
    settings_env.setenv("PORTAL_DB_PATH", str(tmp_path / "portal.duckdb"))
    settings_env.setenv("PORTAL_BCRYPT_ROUNDS", "4")
    password_file = tmp_path / "password.txt"
    password_file.write_text(password + "\n", encoding="utf-8")
    code, err = _outcome(setup_production.main, [
        "--admin-username", "career.office", "--admin-email", "office@example.edu", "--admin-first-name", "Career",
        "--admin-last-name", "Office", "--admin-password-file", str(password_file)], capsys)
    if made:
        assert code == 0, err
        from core.identity.accounts import check_password
        from core.store.db import open_database

        db = open_database(tmp_path / "portal.duckdb")
        try:
            with db.cursor() as cur:
                stored = cur.execute("SELECT password_hash FROM users WHERE username = 'career.office'").fetchone()[0]
        finally:
            db.close()
        assert check_password(password, stored)
    else:
        assert code == 1 and "Traceback" not in err
        assert ("too easy to guess" in err) if len(password) >= 12 else ("at least 12 characters" in err)


@pytest.mark.parametrize("module, args", [
    ("core.oversight.export", ["progress", "--out", "-"]), ("core.admin.health", []), ("core.store.migrate", []),
    ("core.admin.backup", []),
    ("core.admin.setup_production", []), ("seeds.demo", ["--print-logins"]),
])
def test_every_command_names_a_time_zone_setting_that_is_not_one(tmp_path, module, args):
    env = {**os.environ, "PORTAL_TIMEZONE": "America", "PORTAL_SECRETS_FILE": str(tmp_path / "none.toml"),
           "PORTAL_DB_PATH": str(tmp_path / "portal.duckdb"), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", module, *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr, done.stderr
    assert "PORTAL_TIMEZONE" in done.stderr and "unknown time zone 'America'" in done.stderr
    assert not (tmp_path / "portal.duckdb").exists()


def test_commands_work_while_the_portal_runs_on_postgres(pg_db, tmp_path, monkeypatch, capsys):
    """Health, an export, the scheduled work and a backup from a shell, beside the open portal."""
    from core.admin import backup as backup_command
    from core.admin import health
    from core.config import get_settings
    from core.oversight import export

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
