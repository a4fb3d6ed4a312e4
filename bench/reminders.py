"""One run of the reminder job over the benchmark institution (bench/dataset.build): which reminders are
due, giving them (notifications and queued emails), the ledger check of a second run that finds them
all given, the counselors' digests, and the sending rate to an SMTP server on loopback; with the
process's resident memory growth (RSS). Goal: the due computation at 10,000 students under 2 s.

    .venv/bin/python -m bench.reminders                      # 10,000 students
    BENCH_SIZES=10000,100000 .venv/bin/python -m bench.reminders
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.dataset import build
from bench.download import Peak
from core.identity.access import SYSTEM
from core.messaging import mailer, reminders
from core.store.db import Database
from tests.smtp_server import SmtpServer

SEND_SAMPLE = 300
"""How many emails the sending rate is measured over."""


def _timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def _measure(path: Path, smtp: SmtpServer) -> dict[str, float]:
    db = Database(path)
    settings = smtp.settings()
    # The moment: 30 hours after the institution's latest meeting, so the thank-yous of the last days'
    # meetings, the follow-ups of the last requests and the rest fall due as they would on a busy day.
    # Counselors on daily digests make the digest path run too.
    with db.cursor() as cur:
        now = cur.execute("SELECT max(held_at) FROM meetings").fetchone()[0] + timedelta(hours=30)
        cur.execute("""INSERT INTO digest_prefs (user_id, frequency, updated_at)
                       SELECT id, 'daily', ? FROM users WHERE role = 'counselor'""", [now])
        counselors = cur.execute("SELECT count(*) FROM users WHERE role = 'counselor'").fetchone()[0]
    out: dict[str, float] = {"counselors": counselors}
    with Peak(os.getpid()) as peak:
        due, out["due (facts), s"] = _timed(lambda: reminders.due_reminders(
            db, SYSTEM, now=now, settings=settings, include_digests=False))
        digests, out["digests, s"] = _timed(lambda: reminders._digests(db, now, settings))
        given, out["give, s"] = _timed(lambda: reminders.give(db, due + digests, now=now, settings=settings))
        again, out["ledger check (second run), s"] = _timed(lambda: reminders.due_reminders(
            db, SYSTEM, now=now, settings=settings))
    for kind in sorted({d.kind for d in due}):
        out[f"  of which {kind}"] = sum(d.kind == kind for d in due)
    out.update({"due reminders": len(due), "digests": len(digests), "notifications given": given.notified,
                "emails queued": given.emailed, "due on the second run": len(again),
                "RSS growth, MB": peak.growth / 1e6})
    # The sending rate: the first SEND_SAMPLE emails to the loopback server, one connection.
    with db.cursor() as cur:
        cur.execute("""UPDATE email_outbox SET next_attempt_at = ? WHERE id NOT IN (
                           SELECT id FROM email_outbox ORDER BY id LIMIT ?)""", [now + timedelta(days=1), SEND_SAMPLE])
    counts, seconds = _timed(lambda: mailer.send_pending(db, runner="bench", now=now, settings=settings,
                                                         limit=SEND_SAMPLE))
    out["emails sent"] = counts["sent"]
    out["emails per second"] = counts["sent"] / seconds if seconds else 0.0
    db.close()
    return out


def main() -> None:
    """Build each size, run the reminder job once, print the figures."""
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "10000").split(",")]
    smtp = SmtpServer().start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-reminders-") as tmp:
            results = {}
            for n in sizes:
                path = Path(tmp) / f"institution-{n}.duckdb"
                build(path, students=n, cohorts=max(1, n // 250))
                results[n] = _measure(path, smtp)
                path.unlink()
    finally:
        smtp.stop()
    names = list(next(iter(results.values())))
    print(f"{'':<32}" + "".join(f"{n:>14,}" for n in sizes))
    for name in names:
        print(f"{name:<32}" + "".join(
            f"{results[n][name]:14.3f}" if name.endswith((", s", "MB", "second")) else f"{int(results[n][name]):14,}"
            for n in sizes))
    print("goal: the due computation (facts) at 10,000 students under 2 s")


if __name__ == "__main__":
    main()
