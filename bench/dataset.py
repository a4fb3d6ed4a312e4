"""An institution-sized dataset for the benchmarks, generated with bulk SQL straight into DuckDB.

Going through the core functions would record every step properly but take hours at this size;
the shapes here (stage timestamps, events per fact, private reflections, overdue thank-yous)
follow what those functions write. Deterministic: every "random" choice is a hash of an id.

Default size: 10,000 students in 40 cohorts of 250, about 150,000 contacts and 650,000 events.
One counselor per cohort, plus `bench.counselor` assigned to the first four cohorts (1,000 students).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

from core.rules.activity import LATEST_CAMPAIGN_WORK
from core.rules.facts import refresh_everyone
from core.rules.timing import FOLLOW_UP_BUSINESS_DAYS, STALLED_AFTER_DAYS, THANK_YOU_WINDOW_HOURS
from core.store.db import Database
from core.store.migrate import apply_migrations

NOW = datetime(2026, 3, 10, 15, 0, 0)
BENCH_COUNSELOR = "bench.counselor"
BENCH_ADMIN = "bench.admin"

# Ids of bulk rows start high so they never meet the ids the sequence hands out.
BASE = 1_000_000


_PLACEHOLDER = re.compile(r"\?/\*(\w+)\*/")


def build(path: Path, *, students: int = 10_000, cohorts: int = 40, now: datetime = NOW) -> dict[str, int]:
    """Create and fill a fresh database file; returns row counts per table."""
    if path.exists():
        path.unlink()
    db = Database(path)
    apply_migrations(db)
    per_cohort = students // cohorts
    start = now - timedelta(days=100)
    with db.cursor() as cur:
        cur.execute("BEGIN TRANSACTION")
        params = dict(students=students, cohorts=cohorts, per_cohort=per_cohort, now=now, start=start)
        # A deterministic "random" number in [0, 1) from an integer and a salt.
        cur.execute("CREATE TEMP MACRO rnd(x, salt) AS ((hash(x * 1000003 + salt) % 1000000) / 1000000.0)")
        for sql in _STATEMENTS:
            # Each ?/*name*/ placeholder says which parameter it takes, in text order.
            cur.execute(sql.format(base=BASE), [params[name] for name in _PLACEHOLDER.findall(sql)])
        refresh_everyone(cur)  # the kept figures, as the portal's writes keep them
        cur.execute("COMMIT")
        counts = {t: cur.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("users", "cohorts", "contacts", "outreach_messages", "meetings", "thank_yous",
                            "reflections", "follow_ups", "events")}
        cur.execute("CHECKPOINT")
    db.close()
    return counts


_STATEMENTS = [
    # Accounts: students, one counselor per cohort, the benchmark counselor and admin.
    """INSERT INTO users (id, username, email, first_name, last_name, role, password_hash, student_number,
                          created_at, updated_at)
       SELECT {base} + i, 'student' || i, 'student' || i || '@bench.example.edu',
              ['Amara','Élodie','José','Chloé','Søren','Zoë','Noor','Ben','Priya','Mateo'][i % 10 + 1],
              'Student' || i, 'student', 'x', 'S' || (2026000000 + i), ?/*start*/, ?/*start*/
       FROM range(?/*students*/) t(i)""",
    """INSERT INTO users (id, username, email, first_name, last_name, role, password_hash, created_at, updated_at)
       SELECT {base} + 900000 + i, 'counselor' || i, 'counselor' || i || '@bench.example.edu', 'Counselor', 'No' || i,
              'counselor', 'x', ?/*start*/, ?/*start*/
       FROM range(?/*cohorts*/) t(i)""",
    """INSERT INTO users (id, username, email, first_name, last_name, role, password_hash, created_at, updated_at)
       VALUES ({base} + 999998, 'bench.counselor', 'bench.counselor@bench.example.edu', 'Bench', 'Counselor',
               'counselor', 'x', ?/*start*/, ?/*start*/),
              ({base} + 999999, 'bench.admin', 'bench.admin@bench.example.edu', 'Bench', 'Admin',
               'admin', 'x', ?/*start*/, ?/*start*/)""",
    (f"""INSERT INTO cohorts (id, name, term_start, term_end, created_at, updated_at, thank_you_window_hours,
                            stalled_after_days, follow_up_business_days)
       SELECT {{base}} + i, 'Cohort ' || lpad(CAST(i + 1 AS VARCHAR), """
     f"""CAST(greatest(2, length(CAST(?/*cohorts*/ AS VARCHAR))) AS INTEGER), '0'), CAST(?/*start*/ AS DATE),
              CAST(?/*now*/ AS DATE) + 40, ?/*start*/, ?/*start*/, {THANK_YOU_WINDOW_HOURS.default},
              {STALLED_AFTER_DAYS.default}, {FOLLOW_UP_BUSINESS_DAYS.default}
       FROM range(?/*cohorts*/) t(i)"""),
    ("""INSERT INTO cohort_counselors SELECT {base} + i, {base} + 900000 + i, ?/*start*/ """
     """FROM range(?/*cohorts*/) t(i)"""),
    """INSERT INTO cohort_counselors SELECT {base} + i, {base} + 999998, ?/*start*/ FROM range(4) t(i)""",
    """INSERT INTO cohort_members SELECT {base} + i, {base} + (i // ?/*per_cohort*/), ?/*start*/
       FROM range(?/*students*/) t(i)""",
    """INSERT INTO cohort_goals (cohort_id, metric, target_count, due_on, created_by, created_at)
       SELECT {base} + i, g.metric, g.n, CAST(?/*now*/ AS DATE) + 20, {base} + 900000 + i, ?/*start*/
       FROM range(?/*cohorts*/) t(i), (VALUES ('targets', 12), ('interviews', 3), ('thanked', 3)) g(metric, n)""",
    # Contacts: 0 to 30 per student (15 on average); depth = how far down the pipeline each one went.
    """CREATE TEMP TABLE gen AS
       SELECT {base} + s * 100 + k AS id, {base} + s AS student_id, k,
              ?/*start*/ + to_minutes(CAST(floor(rnd(s * 100 + k, 1) * 80 * 24 * 60) AS BIGINT)) AS t0,
              CASE WHEN rnd(s * 100 + k, 2) < 0.30 THEN 0 WHEN rnd(s * 100 + k, 2) < 0.50 THEN 1
                   WHEN rnd(s * 100 + k, 2) < 0.75 THEN 2 WHEN rnd(s * 100 + k, 2) < 0.80 THEN 3
                   WHEN rnd(s * 100 + k, 2) < 0.85 THEN 4 WHEN rnd(s * 100 + k, 2) < 0.95 THEN 5 ELSE 6 END AS depth
       FROM range(?/*students*/) a(s), range(31) b(k)
       WHERE k < CAST(floor(rnd(s, 3) * 31) AS INTEGER)""",
    ("""INSERT INTO contacts (id, student_id, first_name, last_name, organization, title, field, source, priority,
                             referred_by_contact_id, created_at, updated_at)
       SELECT id, student_id, ['Alex','Bianca','Carlos','Deborah','Ethan','Fatima','Renée','Łukasz'][k % 8 + 1],
              'Contact' || k, ['Riverside General', 'Meridian Partners', """
     """'=Formula Corp', 'State Budget Office'][k % 4 + 1],
              'Analyst', 'Consulting', CASE WHEN k > 0 AND k % 7 = 0 THEN 'referral' ELSE 'linkedin' END, 1 + k % 3,
              CASE WHEN k > 0 AND k % 7 = 0 THEN id - 1 END, t0, t0
       FROM gen"""),
    """INSERT INTO research_notes (contact_id, student_id, about_person, about_organization, created_at, updated_at)
       SELECT id, student_id, 'Ten years in the field, started as an intern.', 'Growing, hiring analysts.',
              t0 + INTERVAL 1 DAY, t0 + INTERVAL 1 DAY FROM gen WHERE depth >= 1""",
    """INSERT INTO outreach_messages (contact_id, student_id, channel, subject, body, sent_at, reply, replied_at,
                                      created_at, updated_at)
       SELECT id, student_id, 'email', 'A short conversation?', 'Could we talk for twenty minutes?',
              t0 + INTERVAL 2 DAY, CASE WHEN depth >= 3 THEN 'accepted' WHEN k % 3 = 0 THEN 'no_reply' END,
              CASE WHEN depth >= 3 OR k % 3 = 0 THEN t0 + INTERVAL 3 DAY END, t0 + INTERVAL 2 DAY, t0 + INTERVAL 2 DAY
       FROM gen WHERE depth >= 2""",
    """INSERT INTO meetings (id, contact_id, student_id, starts_at, timezone, mode, status, held_at, insights,
                             created_at, updated_at)
       SELECT id, id, student_id, least(t0 + INTERVAL 6 DAY, ?/*now*/), 'UTC', 'video', 'held',
              least(t0 + INTERVAL 6 DAY, ?/*now*/), 'More people than spreadsheets.', t0 + INTERVAL 3 DAY,
              t0 + INTERVAL 3 DAY
       FROM gen WHERE depth >= 3""",
    """INSERT INTO thank_yous (contact_id, student_id, meeting_id, recipient_contact_id, kind, body, sent_at,
                               created_at, updated_at)
       SELECT id, student_id, id, id, 'interview', 'Thank you for your time.', least(t0 + INTERVAL 7 DAY, ?/*now*/),
              least(t0 + INTERVAL 7 DAY, ?/*now*/), least(t0 + INTERVAL 7 DAY, ?/*now*/)
       FROM gen WHERE depth >= 4""",
    """INSERT INTO reflections (meeting_id, contact_id, student_id, feelings, fit_rating, is_private, created_at,
                                updated_at)
       SELECT id, id, student_id, 'Encouraged.', 4, k % 10 = 0, least(t0 + INTERVAL 8 DAY, ?/*now*/),
              least(t0 + INTERVAL 8 DAY, ?/*now*/)
       FROM gen WHERE depth >= 5""",
    """INSERT INTO follow_ups (contact_id, student_id, kind, body, sent_at, created_at, updated_at)
       SELECT id, student_id, 'news', 'Joined the association you suggested.', least(t0 + INTERVAL 20 DAY, ?/*now*/),
              least(t0 + INTERVAL 20 DAY, ?/*now*/), least(t0 + INTERVAL 20 DAY, ?/*now*/)
       FROM gen WHERE depth >= 6""",
    # The event log: one event per fact, as the core functions record them, appended in the order
    # things happened (as the portal appends them), not student by student.
    """INSERT INTO events (occurred_at, actor_id, student_id, cohort_id, contact_id, entity_type, entity_id, action)
       SELECT e.happened, g.student_id, g.student_id, m.cohort_id, g.id, e.entity, g.id, e.action
       FROM gen g JOIN cohort_members m ON m.student_id = g.student_id,
       LATERAL (SELECT * FROM (VALUES
            (0, 'contact', 'created', g.t0),
            (1, 'research', 'saved', g.t0 + INTERVAL 1 DAY),
            (2, 'outreach', 'drafted', g.t0 + INTERVAL 2 DAY),
            (2, 'outreach', 'sent', g.t0 + INTERVAL 2 DAY),
            (2, 'outreach', 'reply_recorded', g.t0 + INTERVAL 3 DAY),
            (3, 'meeting', 'scheduled', g.t0 + INTERVAL 3 DAY),
            (3, 'meeting', 'logged', least(g.t0 + INTERVAL 6 DAY, ?/*now*/)),
            (4, 'thank_you', 'drafted', least(g.t0 + INTERVAL 7 DAY, ?/*now*/)),
            (4, 'thank_you', 'sent', least(g.t0 + INTERVAL 7 DAY, ?/*now*/)),
            (5, 'reflection', 'written', least(g.t0 + INTERVAL 8 DAY, ?/*now*/)),
            (6, 'follow_up', 'sent', least(g.t0 + INTERVAL 20 DAY, ?/*now*/))) v(depth, entity, action, happened)
            WHERE v.depth <= g.depth) e
       ORDER BY e.happened, g.id, e.entity, e.action""",
    # What core.store.events.record keeps as events are written: each student's latest campaign work.
    f"INSERT INTO student_activity {LATEST_CAMPAIGN_WORK}",
    "DROP TABLE gen",
]
