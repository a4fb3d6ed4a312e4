"""The demo cohort: deterministic, idempotent, and showing every stage and every flag."""

from __future__ import annotations

from datetime import datetime

from core.clock import utcnow
from core.identity.access import SYSTEM
from core.store.db import Database, open_database, rows, scalar
from core.store.transfer import checksum, columns, tables
from seeds.demo import seed_demo
from tests.conftest import drop_postgres_database, new_postgres_database
from tests.figures import student_metrics


def _fingerprint(db):
    with db.cursor() as cur:
        return rows(cur, """SELECT u.username, c.first_name, c.last_name, c.organization, p.stage
                            FROM contacts c JOIN users u ON u.id = c.student_id
                            JOIN contact_progress p ON p.contact_id = c.id ORDER BY u.username, c.id""")


def test_demo_is_deterministic_and_idempotent():
    now = datetime(2026, 11, 1, 12, 0)
    a, b = Database(), Database()
    assert seed_demo(a, now=now, rounds=4) == {"students": 24}
    seed_demo(b, now=now, rounds=4)
    assert _fingerprint(a) == _fingerprint(b)
    assert seed_demo(a, now=now, rounds=4) == {"students": 0}
    with a.cursor() as cur:
        assert scalar(cur, "SELECT count(*) FROM users") == 27


def test_demo_has_every_stage_and_the_flags_later_pages_need(demo_file):
    db = Database(demo_file)
    try:
        with db.cursor() as cur:
            stages = {r["stage"] for r in rows(cur, "SELECT DISTINCT stage FROM contact_progress")}
            assert stages == {"target", "research", "outreach", "interview", "thank", "reflect", "keep_in_touch"}
            roles = dict(cur.execute("SELECT role, count(*) FROM users GROUP BY role").fetchall())
            assert roles == {"admin": 1, "counselor": 2, "student": 24}
            assert scalar(cur, "SELECT count(*) FROM cohorts") == 2
            overdue = scalar(cur, "SELECT count(*) FROM thank_you_status WHERE sent_at IS NULL AND due_at < ?",
                             [utcnow()])
            assert overdue >= 2
            stalled = scalar(cur, """SELECT count(*) FROM users u WHERE u.role = 'student' AND
                                     (SELECT max(occurred_at) FROM events e WHERE e.student_id = u.id
                                      AND e.actor_id = u.id) < ? - INTERVAL 14 DAY""", [utcnow()])
            assert stalled >= 2
            assert scalar(cur, "SELECT count(*) FROM contacts WHERE referred_by_contact_id IS NOT NULL") >= 4
            assert scalar(cur, "SELECT count(*) FROM reflections WHERE is_private") >= 1
            assert scalar(cur, "SELECT count(*) FROM meetings WHERE status = 'scheduled' AND starts_at > ?",
                          [utcnow()]) >= 2
        metrics = student_metrics(db, SYSTEM)
        assert sum(1 for m in metrics.values() if m["targets"] == 0) == 2
    finally:
        db.close()


def test_the_demo_seeded_on_each_store_is_the_same_portal(pg_cluster, demo_file):
    """The same core functions write the same records on both stores: every table of the run's demo
    (DuckDB) and of the demo seeded into PostgreSQL at the same moment has the same rows (password
    hashes aside: salted; and what the seed leaves to the clock: when the content library was loaded,
    and the reminders given as it ends)."""
    from datetime import timedelta

    from seeds.demo import seed_demo

    duck = Database(demo_file)
    name = new_postgres_database(pg_cluster, None)
    pg = open_database(pg_cluster.url(name))
    try:
        with duck.cursor() as cur:  # seed_demo dates every account 60 days before its moment
            moment = scalar(cur, "SELECT min(created_at) FROM users") + timedelta(days=60)
        seed_demo(pg, now=moment, rounds=4)
        prints = []
        for database in (duck, pg):
            with database.cursor() as cur:
                prints.append({t: checksum(cur, t, [n for n, _ in columns(cur, t) if n != "password_hash" and not (
                                   t == "library_items" and n in ("created_at", "updated_at"))])
                               for t in tables(cur) if t not in ("schema_migrations", "notifications", "email_outbox")})
        assert prints[0]["contacts"][0] > 0 and prints[0]["events"][0] > 0
        assert {t: v for t, v in prints[0].items() if v != prints[1].get(t)} == {}
    finally:
        pg.close()
        duck.close()
        drop_postgres_database(pg_cluster, name)
