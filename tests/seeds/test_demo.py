"""The demo cohort: deterministic, idempotent, and showing every stage and every flag."""

from datetime import datetime

from core.identity.access import SYSTEM
from core.clock import utcnow
from core.store.db import Database, rows, scalar
from core.oversight.progress import student_metrics
from seeds.demo import seed_demo


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
