"""Consistent backups of the portal's database, and restoring one.

On PostgreSQL (PORTAL_DATABASE_URL) a backup is a pg_dump archive (`--format=custom`) of one
snapshot, taken while the portal runs, and a restore is pg_restore into an empty database
(docs/administration.md, "Backups on PostgreSQL"). The rest of this text is about the embedded
DuckDB file.

DuckDB lets one process open a database file for writing, and while it does no other process
may open the file at all, not even read-only (checked with DuckDB 2.0: "Could not set lock on
file ... Conflicting lock is held"). So a backup of a running portal must be taken by the portal
process itself: `backup(db, actor, target)` runs `COPY FROM DATABASE` on the live connection,
inside one transaction, so the copy is one consistent snapshot while students keep working.
The Health page offers it as a button (and a download). The command line opens the file
itself, so it works while the portal is stopped and says what to do when the file is locked.

With a backup key set (PORTAL_BACKUP_KEY), every backup (the daily one, "Back up now", this command) is
encrypted: the copy is written beside its target, encrypted into `<target>.enc` and removed. The file
is AES-256-GCM in 1 MiB pieces (authenticated encryption, read and written as a stream, so a backup of
any size never sits in memory), each piece numbered and the last one marked, under a key derived from
the backup key with scrypt and a salt of the file's own; a changed, reordered or cut-short file is
refused, never restored. Restore decrypts with the same key (the backup key, or --key-file).

    portal backup [TARGET]            back up the configured database (default: data/backups/)
    portal backup restore BACKUP      replace the configured database with a backup (portal stopped)
    portal backup decrypt BACKUP OUT  write the plain copy of an encrypted backup to OUT
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from core.admin import disclosures
from core.admin.downloads import DownloadFile
from core.clock import utcnow
from core.config import get_settings
from core.errors import AccessDenied, BackupError
from core.identity.access import SYSTEM, active_only, require_role
from core.models import Actor, Role
from core.store import dialect
from core.store.commands import command, database_problem
from core.store.db import Database, PostgresDatabase, open_database, redact_url, row, scalar

LOCKED_HINT = ("DuckDB lets only the running portal open it. Take the backup from the portal instead "
               "(Career office > Health > Back up now), or stop the portal and run this command again.")


# Shown wherever a backup is offered: what the file holds, and so how to keep it.
BACKUP_CONTENTS_WARNING = (
    "A backup is the whole database: every student's private reflections, meeting notes and contacts, "
    "counselors' comments, and every account's password hash. Keep it where only the career office can read "
    "it; never email it or put it in a shared folder. Each download is recorded in the audit log.")


@active_only
def download_backup(db: Database, actor: Actor, path: str | Path, *, backups_dir: str | Path,
                    address: str | None = None, purpose: disclosures.Purpose | None = None,
                    now: datetime | None = None) -> DownloadFile:
    """A backup file for an admin to download, sent from disk (never read into memory) and kept
    there afterwards; the download is recorded as a file holding every student's records
    (core/admin/disclosures.py), with the client address and purpose given, and so in the audit log.

    Checked when the download happens, not when the button was drawn: the actor must still be an
    active admin in the database (a role change or deactivation since then refuses it), and the
    file must be a backup in the backups folder.
    """
    require_role(actor, Role.ADMIN)
    path, folder = Path(path).resolve(), Path(backups_dir).resolve()
    if path.parent != folder or not path.is_file():
        raise BackupError("That file is not one of the portal's backups.")
    now = now or utcnow()

    def work(cur) -> DownloadFile:
        still = row(cur, "SELECT role, active FROM users WHERE id = ?", [actor.user_id])
        if not still or not still["active"] or still["role"] != Role.ADMIN.value:
            raise AccessDenied("Only the career office (an active admin) may download backups.")
        made = DownloadFile((path,), path.name, "application/octet-stream", temporary=False)
        disclosures.record(cur, actor, "backup", rows=None, whole_portal=True, file_name=path.name,
                           covers="every record of the portal", address=address, purpose=purpose, size=made.size,
                           now=now)
        return made

    return db.transaction(work)


# An encrypted backup: MAGIC, the format's version, the scrypt salt and the nonce prefix (the header, bound to
# every piece as associated data), then the pieces: each PIECE bytes of the plain file (the last one fewer,
# possibly none) encrypted with a nonce of the prefix, the piece's number and whether it is the last.
MAGIC = b"PORTALBK"
_VERSION = 1
_SALT_BYTES, _PREFIX_BYTES = 16, 7
PIECE = 1 << 20
_TAG_BYTES = 16
_HEADER_BYTES = len(MAGIC) + 1 + _SALT_BYTES + _PREFIX_BYTES
ENCRYPTED_SUFFIX = ".enc"
NO_KEY_MESSAGE = ("{name} is encrypted. Set PORTAL_BACKUP_KEY to the backup key it was made with (or give "
                  "--key-file), then restore again.")
WRONG_KEY_MESSAGE = ("{name} cannot be decrypted with this key, or it was changed or cut short since it was made. "
                     "Nothing was restored. Use the backup key it was made with, or another backup.")


def _derive(key: str, salt: bytes) -> AESGCM:
    """The file's AES-256-GCM key: scrypt of the backup key with the file's salt (a slow hash, so a guessed
    key costs an attacker a lot per guess)."""
    return AESGCM(Scrypt(salt=salt, length=32, n=2 ** 15, r=8, p=1).derive(key.encode("utf-8")))


def _nonce(prefix: bytes, number: int, last: bool) -> bytes:
    return prefix + number.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def is_encrypted(path: str | Path) -> bool:
    """Whether the file is an encrypted backup (it begins with the portal's mark)."""
    try:
        with open(path, "rb") as handle:
            return handle.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def encrypt_file(source: str | Path, target: str | Path, key: str) -> None:
    """Encrypt a file into target (which must not exist), as a stream of authenticated pieces."""
    if not key:
        raise BackupError("No backup key is set, so the backup cannot be encrypted.")
    salt, prefix = os.urandom(_SALT_BYTES), os.urandom(_PREFIX_BYTES)
    header = MAGIC + bytes([_VERSION]) + salt + prefix
    cipher = _derive(key, salt)
    with open(source, "rb") as plain, open(target, "xb") as out:
        out.write(header)
        number, piece = 0, plain.read(PIECE)
        while True:
            following = plain.read(PIECE) if len(piece) == PIECE else b""
            last = not following
            out.write(cipher.encrypt(_nonce(prefix, number, last), piece, header))
            if last:
                break
            number, piece = number + 1, following
        out.flush()
        os.fsync(out.fileno())


def decrypt_file(source: str | Path, target: str | Path, key: str) -> None:
    """Decrypt an encrypted backup into target (which must not exist); BackupError, and no target left
    behind, when the key is not the one it was made with or the file was changed or cut short."""
    name = Path(source).name
    if not Path(source).is_file():
        raise BackupError(f"{source}: no such backup file.")
    if not key:
        raise BackupError(NO_KEY_MESSAGE.format(name=name))
    target = Path(target)
    with open(source, "rb") as sealed:
        out = open(target, "xb")  # noqa: SIM115 - closed below, and removed when the file does not decrypt
        try:
            header = sealed.read(_HEADER_BYTES)
            if len(header) < _HEADER_BYTES or header[:len(MAGIC)] != MAGIC:
                raise BackupError(f"{name} is not an encrypted portal backup.")
            if header[len(MAGIC)] != _VERSION:
                raise BackupError(f"{name} was encrypted by a newer version of the portal; restore it with that one.")
            salt = header[len(MAGIC) + 1:len(MAGIC) + 1 + _SALT_BYTES]
            prefix = header[-_PREFIX_BYTES:]
            cipher = _derive(key, salt)
            number, piece = 0, sealed.read(PIECE + _TAG_BYTES)
            while True:
                following = sealed.read(PIECE + _TAG_BYTES) if len(piece) == PIECE + _TAG_BYTES else b""
                last = not following
                out.write(cipher.decrypt(_nonce(prefix, number, last), piece, header))
                if last:
                    break
                number, piece = number + 1, following
        except InvalidTag:
            out.close()
            target.unlink(missing_ok=True)
            raise BackupError(WRONG_KEY_MESSAGE.format(name=name)) from None
        except BaseException:
            out.close()
            target.unlink(missing_ok=True)
            raise
        out.close()


def _backup_key(key: str | None) -> str:
    """The key to use: the one given, else the portal's setting (empty: backups are not encrypted)."""
    return get_settings().backup_key if key is None else key


@dataclass(frozen=True)
class BackupResult:
    """Where a backup went, its size, its schema version and its row count of events (a sanity figure)."""

    path: Path
    bytes: int
    schema_version: int
    users: int
    events: int


def is_locked(exc: BaseException) -> bool:
    """Whether a DuckDB error means another process holds the database file."""
    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


def default_target(data_dir: Path, now: datetime | None = None, *, postgres: bool = False) -> Path:
    """<data_dir>/backups/portal-YYYYmmdd-HHMMSS.duckdb (.dump: a pg_dump archive, on PostgreSQL).

    A folder made from a postgresql:// URL (the Health page takes the folder beside the database it
    reports) means the PostgreSQL portal's: its data folder, and a .dump archive."""
    if str(data_dir).startswith(("postgresql:", "postgres:")):
        data_dir, postgres = get_settings().data_dir, True
    stamp = (now or utcnow()).strftime("%Y%m%d-%H%M%S")
    return Path(data_dir) / "backups" / f"portal-{stamp}.{'dump' if postgres else 'duckdb'}"


def postgres_program(name: str) -> str:
    """pg_dump or pg_restore: on PATH, else the newest under /usr/lib/postgresql/*/bin (Debian's layout)."""
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                      key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    if versions:
        return str(versions[-1])
    raise BackupError(f"{name} was not found: install PostgreSQL's client programs "
                      "(Debian: apt-get install postgresql-client) to back up or restore a PostgreSQL portal.")


def _run_postgres_program(args: list[str]) -> None:
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        name = Path(args[0]).name
        raise BackupError(f"{name} failed: {(done.stderr or done.stdout).strip()[:1500]}")


def _postgres_backup(db: PostgresDatabase, target: Path) -> BackupResult:
    """pg_dump of one snapshot, the one the figures of the result were read in (pg_export_snapshot)."""
    with db.cursor() as cur:
        cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            snapshot = scalar(cur, "SELECT pg_export_snapshot()")
            version = int(scalar(cur, "SELECT coalesce(max(version), 0) FROM schema_migrations"))
            counts = row(cur, "SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM events) AS events")
            _run_postgres_program([postgres_program("pg_dump"), "--format=custom", "--no-owner",
                                   f"--snapshot={snapshot}", f"--file={target}", f"--dbname={db.url}"])
        finally:
            cur.execute("ROLLBACK")
    return BackupResult(target, target.stat().st_size, version, int(counts["users"]), int(counts["events"]))


def _postgres_restore(backup_file: Path, url: str) -> None:
    """pg_restore of a backup into the database of the URL, which must hold no portal yet."""
    db = open_database(url)
    try:
        with db.cursor() as cur:
            tables = int(scalar(cur, """SELECT count(*) FROM information_schema.tables
                                        WHERE table_schema = current_schema()"""))
    finally:
        db.close()
    if tables:
        raise BackupError(f"{redact_url(url)} is not empty. Restore into a new, empty database (createdb), "
                          "then point PORTAL_DATABASE_URL at it; the current one stays as it is.")
    _run_postgres_program([postgres_program("pg_restore"), "--no-owner", "--exit-on-error", "--single-transaction",
                           f"--dbname={url}", str(backup_file)])


@active_only
def backup(db: Database, actor: Actor, target: str | Path, *, key: str | None = None) -> BackupResult:
    """Copy the whole database (tables, sequences, views, indexes, migration ledger) into a new file.

    Admins only. The target must not exist yet. Runs on the live connection, so it works while
    the portal serves users; one transaction makes it a consistent snapshot. With a backup key (key,
    else the PORTAL_BACKUP_KEY setting; "" for none) the file is encrypted into `<target>.enc` and the
    plain copy removed; the result names the encrypted file.
    """
    require_role(actor, Role.ADMIN)
    target = Path(target)
    key = _backup_key(key)
    sealed = Path(str(target) + ENCRYPTED_SUFFIX) if key else None
    if target.exists() or Path(str(target) + ".wal").exists() or (sealed is not None and sealed.exists()):
        raise BackupError(f"{sealed or target} already exists; choose a new file name.")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"Cannot write the backup to {target}: its folder cannot be made there "
                          f"({exc.strerror or exc}). Choose another place.") from None
    if sealed is None:
        return _plain_backup(db, target)
    # The plain copy is written under a hidden name beside the target and removed once encrypted (or failed).
    plain = target.with_name(f".{target.name}.partial")
    try:
        for leftover in (plain, Path(str(plain) + ".wal")):
            leftover.unlink(missing_ok=True)
        made = _plain_backup(db, plain)
        encrypt_file(plain, sealed, key)
    except BaseException:
        if sealed.exists() and not is_encrypted(sealed):
            sealed.unlink(missing_ok=True)
        raise
    finally:
        for leftover in (plain, Path(str(plain) + ".wal")):
            leftover.unlink(missing_ok=True)
    return BackupResult(sealed, sealed.stat().st_size, made.schema_version, made.users, made.events)


def _plain_backup(db: Database, target: Path) -> BackupResult:
    if dialect.is_postgres(db):
        return _postgres_backup(db, target)
    alias = f"backup_{secrets.token_hex(6)}"
    with db.cursor() as cur:
        source = scalar(cur, "SELECT current_database()")
        # The path goes into ATTACH as a string literal (ATTACH takes no parameters); quotes doubled.
        literal = "'" + str(target).replace("'", "''") + "'"
        cur.execute(f"ATTACH {literal} AS {alias}")
        try:
            cur.execute("BEGIN TRANSACTION")
            try:
                cur.execute(f'COPY FROM DATABASE "{source}" TO {alias}')
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        finally:
            cur.execute(f"DETACH {alias}")
    return _describe(target)


def _describe(path: Path) -> BackupResult:
    con = duckdb.connect(str(path), read_only=True)
    try:
        if not scalar(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'schema_migrations'"):
            raise BackupError(f"{path} is not a portal database (it has no migration ledger).")
        version = int(scalar(con, "SELECT coalesce(max(version), 0) FROM schema_migrations"))
        counts = row(con, "SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM events) AS events")
    finally:
        con.close()
    return BackupResult(path, path.stat().st_size, version, int(counts["users"]), int(counts["events"]))


def restore(backup_file: str | Path, database_path: str | Path, *, key: str | None = None,
            now: datetime | None = None) -> Path:
    """Replace the database file with a backup; returns where the replaced file was kept.

    Only while no process has the database open (stop the portal first). The current file and
    any write-ahead log are kept beside it as `*.before-restore-<time>`, never deleted. On
    PostgreSQL (`database_path` a postgresql:// URL) the backup is restored into that database,
    which must be empty; nothing is replaced, and the backup file is returned. An encrypted backup
    is decrypted first (with key, else the PORTAL_BACKUP_KEY setting) into a file beside the
    database, removed afterwards; a wrong key or a damaged file restores nothing.
    """
    if is_encrypted(backup_file):
        postgres = dialect.is_postgres_url(database_path)
        place = Path(get_settings().data_dir) if postgres else Path(database_path).parent
        place.mkdir(parents=True, exist_ok=True)
        plain = place / f".{Path(backup_file).name}.decrypted"
        plain.unlink(missing_ok=True)
        try:
            decrypt_file(backup_file, plain, _backup_key(key))
            return _restore_plain(plain, database_path, now=now, shown=Path(backup_file))
        finally:
            plain.unlink(missing_ok=True)
    return _restore_plain(Path(backup_file), database_path, now=now, shown=Path(backup_file))


def _restore_plain(backup_file: Path, database_path: str | Path, *, now: datetime | None, shown: Path) -> Path:
    if dialect.is_postgres_url(database_path):
        if not Path(backup_file).is_file():
            raise BackupError(f"{backup_file}: no such backup file.")
        _postgres_restore(Path(backup_file), str(database_path))
        return shown
    backup_file, database_path = Path(backup_file), Path(database_path)
    if not backup_file.is_file():
        raise BackupError(f"{backup_file}: no such backup file.")
    try:
        _describe(backup_file)  # refuses a file that is not a portal database before anything moves
    except duckdb.Error as exc:
        raise BackupError(database_problem(backup_file, exc).replace("portal database file", "portal backup")) \
            from None
    if database_path.exists():
        try:
            duckdb.connect(str(database_path)).close()
        except duckdb.IOException as exc:
            if is_locked(exc):
                raise BackupError(f"{database_path} is open in the running portal. Stop the portal, "
                                  "then restore.") from exc
            # A damaged file is exactly what a restore replaces; it is kept aside below, not deleted.
    stamp = (now or utcnow()).strftime("%Y%m%d-%H%M%S")
    kept = database_path.with_name(f"{database_path.name}.before-restore-{stamp}")
    database_path.parent.mkdir(parents=True, exist_ok=True)
    staging = database_path.with_name(f".{database_path.name}.restoring")
    shutil.copy2(backup_file, staging)
    if database_path.exists():
        os.replace(database_path, kept)
    wal = Path(str(database_path) + ".wal")
    if wal.exists():
        # A log left by the replaced file would be replayed onto the restored one.
        os.replace(wal, Path(str(kept) + ".wal"))
    os.replace(staging, database_path)
    return kept


def open_for_command(path: str | Path) -> Database | PostgresDatabase | None:
    """Open the database (a DuckDB file, a postgresql:// URL) for a command-line tool, or say why it
    cannot be opened and return None.

    Held by the running portal, a folder, a file that is not a DuckDB database, a PostgreSQL server
    out of reach: each is told in words. PostgreSQL serves the portal and the command at once.
    """
    try:
        return open_database(path)
    except dialect.DATABASE_ERRORS as exc:
        if is_locked(exc):
            print(f"{path} is open in the running portal. {LOCKED_HINT}", file=sys.stderr)
        else:
            print(database_problem(path, exc), file=sys.stderr)
        return None


@command
def main(argv: list[str] | None = None) -> int:
    """Command line: back up (default) or restore the configured database."""
    argv = list(sys.argv[1:] if argv is None else argv)
    key_help = "a file holding the backup key an encrypted backup was made with (default: PORTAL_BACKUP_KEY)"
    if argv[:1] == ["restore"]:
        parser = argparse.ArgumentParser(prog="portal backup restore",
                                         description="Replace the database with a backup (stop the portal first).")
        parser.add_argument("backup", help="the backup file to bring back (plain, or encrypted: .enc)")
        parser.add_argument("--key-file", help=key_help)
        args = parser.parse_args(argv[1:])
        args.command = "restore"
    elif argv[:1] == ["decrypt"]:
        parser = argparse.ArgumentParser(prog="portal backup decrypt",
                                         description="Write the plain copy of an encrypted backup.")
        parser.add_argument("backup", help="the encrypted backup (.enc)")
        parser.add_argument("out", help="the plain file to write (must not exist yet)")
        parser.add_argument("--key-file", help=key_help)
        args = parser.parse_args(argv[1:])
        args.command = "decrypt"
    else:
        parser = argparse.ArgumentParser(prog="portal backup", description=__doc__,
                                         formatter_class=argparse.RawDescriptionHelpFormatter)
        parser.add_argument("target", nargs="?",
                            help="backup file to write (default: backups/portal-<time>.duckdb beside the database)")
        args = parser.parse_args(argv)
        args.command = "backup"
    settings = get_settings()
    path = settings.database_location
    postgres = dialect.is_postgres_url(path)
    shown = redact_url(path) if postgres else path
    try:
        key = _key_from_file(args.key_file) if getattr(args, "key_file", None) else None
        if args.command == "decrypt":
            if Path(args.out).exists():
                raise BackupError(f"{args.out} already exists; choose a new file name.")
            decrypt_file(args.backup, args.out, _backup_key(key))
            print(f"Decrypted {args.backup} to {args.out}. It is the whole database in plain: keep it as safe "
                  "as the key, and delete it when done.")
            return 0
        if args.command == "restore":
            kept = restore(args.backup, path, key=key)
            if postgres:
                print(f"Restored {shown} from {args.backup}.")
            else:
                print(f"Restored {path} from {args.backup}. The replaced file is kept as {kept}.")
            return 0
        if not postgres and not Path(path).exists():
            print(f"{path}: no database to back up.", file=sys.stderr)
            return 1
        db = open_for_command(path)
        if db is None:
            return 2
        try:
            folder = settings.data_dir if postgres else Path(path).parent
            result = backup(db, SYSTEM, args.target or default_target(folder, postgres=postgres))
        finally:
            db.close()
    except BackupError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(f"Backed up {shown} to {result.path} ({result.bytes:,} bytes, schema {result.schema_version:04d}, "
          f"{result.users} accounts, {result.events} events).")
    return 0


def _key_from_file(name: str) -> str:
    """The backup key kept in a file (its first line), or BackupError saying why it cannot be read."""
    try:
        key = Path(name).read_text(encoding="utf-8").strip().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BackupError(f"Cannot read the key file {name}: {getattr(exc, 'strerror', None) or exc}.") from None
    if not key or not key[0].strip():
        raise BackupError(f"The key file {name} is empty.")
    return key[0].strip()


if __name__ == "__main__":
    raise SystemExit(main())
