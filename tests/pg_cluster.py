"""A throwaway PostgreSQL cluster for a test run: initdb into a temporary folder, a server listening
on a unix socket in that folder only (no TCP), fsync off, stopped (pg_ctl) and removed at the end.

The server is this process's child, started with a parent-death signal (setpriv --pdeathsig), not
daemonized by pg_ctl: a test run that is killed (a CI timeout, Ctrl-C twice) takes its server with
it instead of leaving one running.

The binaries are Debian's (`apt-get install postgresql`; `make test` installs them when missing):
initdb and pg_ctl on PATH or under /usr/lib/postgresql/<version>/bin. PostgreSQL refuses to run
as root, so under root (CI) the cluster belongs to, and the server runs as, the unprivileged
`nobody` account. A missing PostgreSQL is an error, never a reason to skip the PostgreSQL tests.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from itertools import count
from pathlib import Path

SUPERUSER = "portal"


class PostgresMissing(RuntimeError):
    """initdb/pg_ctl were not found: install Debian's postgresql package (make test does, as root)."""


def find_binaries() -> Path:
    """The folder holding initdb and pg_ctl: PATH first, then the newest /usr/lib/postgresql/*/bin."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(os.path.realpath(on_path)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    if candidates:
        return Path(candidates[-1]).parent
    raise PostgresMissing(
        "PostgreSQL's initdb and pg_ctl were not found (on PATH or under /usr/lib/postgresql/*/bin). "
        "Install Debian's postgresql package (`apt-get install postgresql`); `make test` does it when run as root.")


class Cluster:
    """One running throwaway cluster; `url(name)` addresses a database in it."""

    def __init__(self) -> None:
        self.bin = find_binaries()
        self.dir = Path(tempfile.mkdtemp(prefix="portal-pg-"))
        self.data = self.dir / "data"
        self._as: list[str] = []
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(self.dir, nobody.pw_uid, nobody.pw_gid)
            self._as = ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups"]
        self._names = count(1)
        self.started = False
        self.server: subprocess.Popen | None = None
        try:
            self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
                      "--locale=C", "--no-sync")
            self._start()
            self.started = True
        except BaseException:
            self.stop()
            raise
        atexit.register(self.stop)

    def _start(self) -> None:
        import psycopg

        with open(self.dir / "server.log", "ab") as log:
            self.server = subprocess.Popen(
                [*(self._as or ["setpriv"]), "--pdeathsig", "INT", str(self.bin / "postgres"), "-D", str(self.data),
                 "-k", str(self.dir), "-c", "listen_addresses=", "-c", "fsync=off", "-c", "synchronous_commit=off",
                 "-c", "full_page_writes=off", "-c", "max_connections=200", "-c", "shared_buffers=32MB"],
                cwd=self.dir, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        deadline = time.monotonic() + 60
        while True:
            try:
                psycopg.connect(self.url(), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if self.server.poll() is not None or time.monotonic() > deadline:
                    tail = (self.dir / "server.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"the PostgreSQL server did not start: {tail}") from None
                time.sleep(0.1)

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run([*self._as, str(self.bin / program), *args], cwd=self.dir,
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            log = self.dir / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr.strip()} {tail}")

    def url(self, database: str = "postgres") -> str:
        """A postgresql:// URL of a database in this cluster, over its unix socket."""
        return f"postgresql://{SUPERUSER}@/{database}?host={self.dir}"

    def new_name(self, prefix: str = "t") -> str:
        """A database name not used before in this run."""
        return f"{prefix}{next(self._names)}"

    def stop(self) -> None:
        """Stop the server (immediately: nothing in it is kept) and remove the folder."""
        if self.server is not None and self.server.poll() is None:
            try:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
            except (RuntimeError, subprocess.TimeoutExpired):
                pass
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
        self.started = False
        shutil.rmtree(self.dir, ignore_errors=True)
