"""The institution's network at institution size (bench/dataset.build: 10,000 students, ~150,000 contacts).

Adding a target now also counts how many other students asked the same person this term (care for
over-asked people). This prints, for one student, the median time of adding a target alone and of
the count beside it, in a small institution (the 24-student demo size: 24 students) and at the
benchmark sizes, and the same for browsing the volunteer directory (500 volunteers) and the
per-occupation summary. Goal: adding a target with its count stays within the same page-time budget
as adding alone (the count at most a few milliseconds, flat as the institution grows).

    .venv/bin/python -m bench.network
    BENCH_SIZES=10000 .venv/bin/python -m bench.network
"""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

from bench import median_time
from bench.dataset import BASE, NOW, build
from core.campaign.contacts import create_contact
from core.identity.accounts import load_actor, user_id_for_username
from core.models import ContactCreate, VolunteerCreate
from core.network import narrowing, volunteers
from core.store.db import Database

RUNS = int(os.environ.get("BENCH_RUNS", "15"))
VOLUNTEERS = 500


def _measure(path: Path) -> dict[str, float]:
    db = Database(path)
    try:
        student = load_actor(db, BASE + 3)
        admin = load_actor(db, user_id_for_username(db, "bench.admin"))
        for i in range(VOLUNTEERS):
            volunteers.add_volunteer(db, admin, VolunteerCreate(
                first_name=f"Volunteer{i}", last_name="Bench", email=f"v{i}@bench.example.org",
                organization=f"Org {i % 80}", occupation=["Consulting", "Data analysis", "Nursing", "Teaching"][i % 4],
                topics="first jobs, career change"), now=NOW)
        # Someone five classmates already asked, as usually happens; and the benchmark's most common contact
        # (every student of the generated data has an "Alex Contact0"), the worst case of the count.
        person = ContactCreate(first_name="Imani", last_name="Cole", organization="Harbor Clinic",
                               email="imani.cole@harbor.example")
        with db.cursor() as cur:
            classmates = [r[0] for r in cur.execute("SELECT id FROM users WHERE role = 'student' AND id <> ? "
                                                    "ORDER BY id DESC LIMIT 5", [student.user_id]).fetchall()]
        for classmate in classmates:
            create_contact(db, load_actor(db, classmate), person, now=NOW)
        by_name = ContactCreate(first_name="Imani", last_name="Cole", organization="Harbor Clinic")
        with db.cursor() as cur:
            known = cur.execute("SELECT first_name, last_name, organization FROM contacts WHERE student_id <> ? "
                                "AND organization <> '' ORDER BY id LIMIT 1", [student.user_id]).fetchone()
        everyone = ContactCreate(first_name=known[0], last_name=known[1], organization=known[2])
        assert volunteers.demand_for_new(db, student, by_name, now=NOW).other_students == 5

        def add_alone():
            create_contact(db, student, ContactCreate(first_name="Bench", last_name=uuid.uuid4().hex[:8],
                                                      organization="Somewhere"),
                           now=NOW, idempotency_key=uuid.uuid4().hex)

        return {
            "add a target": median_time(add_alone, RUNS),
            "count of others (name)": median_time(lambda: volunteers.demand_for_new(db, student, by_name, now=NOW),
                                                  RUNS),
            "count of others (email)": median_time(lambda: volunteers.demand_for_new(db, student, person, now=NOW),
                                                   RUNS),
            "count, asked by everyone": median_time(lambda: volunteers.demand_for_new(db, student, everyone, now=NOW),
                                                    RUNS),
            "volunteer directory": median_time(lambda: volunteers.directory(db, student, focus_only=False, now=NOW),
                                               RUNS),
            "occupation summary": median_time(lambda: narrowing.occupation_summaries(db, student, student.user_id),
                                              RUNS),
            "who next": median_time(lambda: narrowing.who_next(db, student), RUNS),
            "most asked (career office)": median_time(lambda: volunteers.most_asked_people(db, admin, now=NOW), RUNS),
        }
    finally:
        db.close()


def main() -> None:
    """Build each size, time each step, print them side by side."""
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "24,10000").split(",")]
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-network-") as tmp:
        for n in sizes:
            path = Path(tmp) / f"institution-{n}.duckdb"
            counts = build(path, students=n, cohorts=max(1, n // 250))
            print(f"{n:,} students, {counts.get('contacts', 0):,} contacts", flush=True)
            results[n] = _measure(path)
    print(f"\n{'median, ms':<28}" + "".join(f"{n:>12,}" for n in sizes) + ("   ×smallest" if len(sizes) > 1 else ""))
    for name in results[sizes[0]]:
        line = f"{name:<28}" + "".join(f"{results[n][name] * 1000:12.1f}" for n in sizes)
        if len(sizes) > 1:
            line += f"   {results[sizes[-1]][name] / results[sizes[0]][name]:8.2f}"
        print(line)
    largest = results[sizes[-1]]
    share = (largest["count of others (name)"] + largest["count of others (email)"]) / 2 / largest["add a target"]
    print(f"goal: the count beside adding a target stays within its page-time budget; at {sizes[-1]:,} students the "
          f"count is {share:.2f}× the add itself")


if __name__ == "__main__":
    main()
