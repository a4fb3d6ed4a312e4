"""Roster import: a CSV of students becomes accounts in cohorts, previewed before anything is written.

The file needs columns for the name (`name`, or `first_name` and `last_name`), `email` and
`cohort` (its name); `student_id` is optional. Headers are matched loosely (case, spaces).
`preview` says, line by line, what would be created, updated or rejected and why; `apply`
writes the accepted lines in one transaction and returns each new account's one-time
password, to be shown once and handed to the students. A line that moves a student with campaign
work to another cohort is named in the preview first (`RosterPreview.move_warnings`); the cohort left
keeps what the student did there (core/admin/cohorts.py `move_student`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.admin.cohorts import move_student
from core.clock import utcnow
from core.errors import RosterError
from core.identity.access import active_only, require_role
from core.identity.accounts import hash_password, one_time_password
from core.models import Actor, Role, _check_email, name_problem, text_problem
from core.store import events
from core.store.csv_input import PERSON_HEADERS, read_records, split_name
from core.store.db import Cursor, Database, rows, rows_table

MAX_ROWS = 20_000
# 20,000 students take about 2 MB; a file ten times that is something else (an export, a log).
MAX_BYTES = 20 * 1024 * 1024

_HEADER_ALIASES = {
    **PERSON_HEADERS, "student_name": "name",
    "cohort": "cohort", "cohort_name": "cohort",
    "student_id": "student_id", "student_number": "student_id", "id_number": "student_id",
}
_USERNAME_CLEAN = re.compile(r"[^a-z0-9._-]+")


@dataclass
class RosterLine:
    """One line of the file and what importing it would do."""

    line: int
    first_name: str
    last_name: str
    email: str
    cohort: str
    student_id: str | None
    action: str = "create"  # create | update | unchanged | reject
    reasons: list[str] = field(default_factory=list)
    username: str = ""
    user_id: int | None = None
    cohort_id: int | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    moves_from: str = ""  # the cohort a student with campaign work leaves
    work: str = ""  # that student's campaign work in words ("5 targets, 2 meetings held")

    @property
    def why(self) -> str:
        return "; ".join(self.reasons)

    @property
    def change_words(self) -> str:
        """What an update changes, in words ("moves to Cohort Y; name")."""
        words = []
        if "cohort_id" in self.changes:
            words.append(f"moves to {self.cohort}" + (f" from {self.moves_from} (has campaign work: {self.work})"
                                                       if self.work else ""))
        if "first_name" in self.changes or "last_name" in self.changes:
            words.append("name")
        if "student_number" in self.changes:
            words.append("student ID")
        return "; ".join(words)


@dataclass
class RosterPreview:
    """Every line of a roster with its verdict, and the counts per verdict."""

    lines: list[RosterLine]

    def count(self, action: str) -> int:
        return sum(1 for line in self.lines if line.action == action)

    @property
    def accepted(self) -> list[RosterLine]:
        return [line for line in self.lines if line.action in ("create", "update")]

    @property
    def moves_with_work(self) -> list[RosterLine]:
        """The updates that move a student who has campaign work to another cohort."""
        return [line for line in self.lines if line.action == "update" and line.work]

    def move_warnings(self) -> list[str]:
        """What each move of a student with campaign work does, in words, to read before importing."""
        return [f"Line {x.line}: {x.first_name} {x.last_name} moves from {x.moves_from} to {x.cohort} and has "
                f"campaign work ({x.work}). That work stays with {x.moves_from}, counted in its exports for "
                f"the time {x.first_name} was a member; from the import on, new work counts for {x.cohort}."
                for x in self.moves_with_work]

    def as_rows(self) -> list[dict[str, Any]]:
        """The preview as table rows for the page, the reason or change in words next to the verdict."""
        return [{"Line": x.line, "Action": x.action, "Why / what changes": x.why or x.change_words,
                 "First name": x.first_name, "Last name": x.last_name, "Email": x.email, "Cohort": x.cohort,
                 "Student ID": x.student_id or "", "Username": x.username} for x in self.lines]


@dataclass(frozen=True)
class IssuedPassword:
    """A new account and the one-time password it was given."""

    username: str
    email: str
    first_name: str
    last_name: str
    cohort: str
    one_time_password: str


@dataclass
class RosterResult:
    """What an import wrote."""

    created: list[IssuedPassword]
    updated: int
    rejected: int


def _check_header(columns: list[str], header: list[str]) -> None:
    has_name = "name" in columns or ("first_name" in columns and "last_name" in columns)
    missing = [c for c in ("email", "cohort") if c not in columns]
    if not has_name:
        missing.insert(0, "name (or first_name and last_name)")
    if missing:
        raise RosterError(
            "The file lacks the column" + ("s " if len(missing) > 1 else " ") + ", ".join(missing)
            + ". Expected a header like: first_name,last_name,email,cohort,student_id "
            f"(found: {', '.join(h.strip() for h in header) or 'nothing'}).")


def read_roster(data: bytes | str) -> list[dict[str, Any]]:
    """The file's lines as dictionaries of the known columns (with 'line', 1 = the header)."""
    return read_records(data, aliases=_HEADER_ALIASES, check_header=_check_header, error=RosterError,
                        max_rows=MAX_ROWS, max_bytes=MAX_BYTES, what="a roster", items="students")


def _username_base(email: str) -> str:
    local = _USERNAME_CLEAN.sub("", email.split("@", 1)[0].lower()).strip("._-")
    return (local or "student")[:32].ljust(2, "0")


@active_only
def preview(db: Database, actor: Actor, data: bytes | str) -> RosterPreview:
    """What importing the file would do, line by line; nothing is written (admins only)."""
    require_role(actor, Role.ADMIN)
    records = read_roster(data)
    with db.cursor() as cur:
        cohorts = {r["name"].strip().lower(): r for r in rows(cur, "SELECT id, name, archived_at FROM cohorts")}
        users_by_email = {r["email"].lower(): r for r in rows(
            cur, """SELECT u.id, u.username, u.email, u.first_name, u.last_name, u.role, u.student_number,
                           m.cohort_id FROM users u LEFT JOIN cohort_members m ON m.student_id = u.id""")}
        by_number = {r["student_number"]: r["id"] for r in rows(
            cur, "SELECT id, student_number FROM users WHERE student_number IS NOT NULL")}
        taken = {r["username"] for r in rows(cur, "SELECT username FROM users")}
    seen_email: dict[str, int] = {}
    seen_number: dict[str, int] = {}
    lines: list[RosterLine] = []
    for record in records:
        first, last = split_name(record)
        line = RosterLine(line=record["line"], first_name=first, last_name=last, email=record.get("email", ""),
                          cohort=record.get("cohort", ""), student_id=record.get("student_id") or None)
        reasons = line.reasons
        if not first:
            reasons.append("first name is missing")
        if len(first) > 100 or len(last) > 100:
            reasons.append("name is longer than 100 characters")
        # People's names follow one rule in every form and importer (core/models.py); the other cells the text
        # rule: a line that breaks either is refused, not the file.
        for label, value in (("first name", first), ("last name", last)):
            if value and (problem := name_problem(value)):
                reasons.append(f"{label} {problem}")
        for label, value in (("email", line.email), ("cohort", line.cohort), ("student ID", line.student_id or "")):
            if problem := text_problem(value, one_line=True):
                reasons.append(f"{label} {problem}")
        try:
            line.email = _check_email(line.email)
        except ValueError:
            reasons.append("email is missing" if not line.email else f"{line.email!r} is not an email address")
        cohort = cohorts.get(line.cohort.lower())
        if not line.cohort:
            reasons.append("cohort is missing")
        elif cohort is None:
            reasons.append(f"no cohort is named {line.cohort!r}")
        elif cohort["archived_at"] is not None:
            reasons.append(f"cohort {cohort['name']!r} is archived")
        else:
            line.cohort, line.cohort_id = cohort["name"], cohort["id"]
        if line.student_id and len(line.student_id) > 200:
            reasons.append("student ID is longer than 200 characters")
        if line.email and line.email in seen_email:
            reasons.append(f"same email as line {seen_email[line.email]}")
        if line.student_id and line.student_id in seen_number:
            reasons.append(f"same student ID as line {seen_number[line.student_id]}")
        if line.email and "@" in line.email:
            seen_email.setdefault(line.email, line.line)
        if line.student_id:
            seen_number.setdefault(line.student_id, line.line)
        existing = users_by_email.get(line.email)
        if existing is not None and existing["role"] != Role.STUDENT:
            reasons.append(f"that email belongs to a {existing['role']} account")
        number_owner = by_number.get(line.student_id) if line.student_id else None
        if number_owner is not None and (existing is None or number_owner != existing["id"]):
            reasons.append("that student ID belongs to another account")
        if reasons:
            line.action = "reject"
        elif existing is not None:
            line.user_id, line.username = existing["id"], existing["username"]
            for key, old, new in (("first_name", existing["first_name"], first),
                                  ("last_name", existing["last_name"], last),
                                  ("student_number", existing["student_number"],
                                   line.student_id or existing["student_number"]),
                                  ("cohort_id", existing["cohort_id"], line.cohort_id)):
                if old != new:
                    line.changes[key] = new
            line.action = "update" if line.changes else "unchanged"
        else:
            base = _username_base(line.email)
            candidate, n = base, 1
            while candidate in taken:
                n += 1
                candidate = f"{base}{n}"
            taken.add(candidate)
            line.username = candidate
        lines.append(line)
    _name_work_of_moves(db, lines, {c["id"]: c["name"] for c in cohorts.values()},
                        {u["id"]: u["cohort_id"] for u in users_by_email.values()})
    return RosterPreview(lines)


# A student's campaign work, counted for the preview's warning: (words, SQL counting the student's rows).
_WORK = [
    ("target", "targets", "SELECT count(*) FROM contacts WHERE student_id = u.id"),
    ("request sent", "requests sent",
     "SELECT count(*) FROM outreach_messages WHERE student_id = u.id AND sent_at IS NOT NULL"),
    ("meeting held", "meetings held", "SELECT count(*) FROM meetings WHERE student_id = u.id AND status = 'held'"),
    ("thank-you note sent", "thank-you notes sent",
     "SELECT count(*) FROM thank_yous WHERE student_id = u.id AND sent_at IS NOT NULL"),
    ("reflection", "reflections", "SELECT count(*) FROM reflections WHERE student_id = u.id"),
]


def _name_work_of_moves(db: Database, lines: list[RosterLine], cohort_names: dict[int, str],
                        current: dict[int, int | None]) -> None:
    """Note, on each line that moves a student from one cohort to another, the student's campaign work."""
    moving = {x.user_id: x for x in lines if x.action == "update" and "cohort_id" in x.changes
              and current.get(x.user_id) is not None}
    if not moving:
        return
    counts = ", ".join(f"({sql}) AS w{n}" for n, (_, _, sql) in enumerate(_WORK))
    with db.cursor() as cur:
        found = cur.execute(f"SELECT u.id, {counts} FROM users u WHERE u.id IN (SELECT unnest(CAST(? AS BIGINT[])))",
                            [sorted(moving)]).fetchall()
    for user_id, *numbers in found:
        line = moving[user_id]
        line.moves_from = cohort_names.get(current[user_id], "")
        line.work = ", ".join(f"{n} {one if n == 1 else many}"
                              for n, (one, many, _) in zip(numbers, _WORK, strict=True) if n)


@active_only
def apply(
    db: Database, actor: Actor, plan: RosterPreview, *, now: datetime | None = None, rounds: int = 12,
    on_progress: Callable[[int, int], None] | None = None,
) -> RosterResult:
    """Write the accepted lines of a preview in one transaction (admins only).

    New accounts get a one-time password each and must choose their own at first sign-in.
    Hashing is the slow part, so it happens before the transaction, reporting progress; the
    transaction then re-checks that no email or username was taken meanwhile, and writes all
    or nothing.
    """
    require_role(actor, Role.ADMIN)
    now = now or utcnow()
    to_create = [x for x in plan.lines if x.action == "create"]
    to_update = [x for x in plan.lines if x.action == "update"]
    issued: list[tuple[RosterLine, str, str]] = []
    total = len(to_create)
    for done, line in enumerate(to_create, start=1):
        password = one_time_password()
        issued.append((line, password, hash_password(password, rounds=rounds)))
        if on_progress is not None and (done % 25 == 0 or done == total):
            on_progress(done, total)

    def work(cur: Cursor) -> RosterResult:
        if issued:
            _create_accounts(cur, actor, issued, now)
        for line in to_update:
            _update_account(cur, actor, line, now)
        events.record(cur, actor, "roster_imported", "cohort",
                      detail={"created": len(issued), "updated": len(to_update),
                              "rejected": plan.count("reject")}, now=now)
        return RosterResult(
            created=[IssuedPassword(x.username, x.email, x.first_name, x.last_name, x.cohort, pw)
                     for x, pw, _ in issued],
            updated=len(to_update), rejected=plan.count("reject"))

    return db.transaction(work)


def _create_accounts(cur: Cursor, actor: Actor, issued: list[tuple[RosterLine, str, str]], now: datetime) -> None:
    # The new accounts as a table of rows (one array parameter per column), read by each statement.
    roster_new = [[x.username for x, _, _ in issued], [x.email for x, _, _ in issued],
                  [x.first_name for x, _, _ in issued], [x.last_name for x, _, _ in issued],
                  [h for _, _, h in issued], [x.student_id for x, _, _ in issued], [x.cohort_id for x, _, _ in issued]]
    clash = cur.execute(f"""WITH roster_new AS ({_ROSTER_NEW})
                            SELECT count(*) FROM users u JOIN roster_new r
                            ON u.username = r.username OR lower(u.email) = lower(r.email)
                               OR (r.student_number IS NOT NULL AND u.student_number = r.student_number)""",
                        roster_new).fetchall()[0][0]
    if clash:
        raise RosterError(f"{clash} line(s) clash with accounts created since the preview; preview the file again.")
    # One set-based insert per table: thousands of single-row statements would hold the
    # write transaction open for many seconds.
    cur.execute(
        f"""INSERT INTO users (username, email, first_name, last_name, role, password_hash, must_change_password,
                              student_number, created_at, updated_at)
            WITH roster_new AS ({_ROSTER_NEW})
            SELECT username, email, first_name, last_name, 'student', password_hash, true, student_number, ?, ?
            FROM roster_new""",
        [*roster_new, now, now],
    )
    cur.execute(
        f"""INSERT INTO cohort_members (student_id, cohort_id, joined_at)
            WITH roster_new AS ({_ROSTER_NEW})
            SELECT u.id, r.cohort_id, ? FROM roster_new r JOIN users u ON u.username = r.username""",
        [*roster_new, now],
    )
    # The same event rows core.store.events.record writes, one per account, set-based for speed.
    cur.execute(
        f"""INSERT INTO events (occurred_at, actor_id, student_id, cohort_id, entity_type, entity_id, action, detail)
            WITH roster_new AS ({_ROSTER_NEW})
            SELECT ?, ?, u.id, r.cohort_id, 'user', u.id, 'created',
                   '{{"role": "student", "source": "roster", "username": '
                   || CAST(to_json(r.username) AS VARCHAR) || '}}'
            FROM roster_new r JOIN users u ON u.username = r.username""",
        [*roster_new, now, actor.user_id or None],
    )


_ROSTER_NEW = rows_table([("username", "VARCHAR"), ("email", "VARCHAR"), ("first_name", "VARCHAR"),
                          ("last_name", "VARCHAR"), ("password_hash", "VARCHAR"), ("student_number", "VARCHAR"),
                          ("cohort_id", "BIGINT")])


def _update_account(cur: Cursor, actor: Actor, line: RosterLine, now: datetime) -> None:
    fields = {k: v for k, v in line.changes.items() if k in ("first_name", "last_name", "student_number")}
    for key, value in fields.items():
        cur.execute(f"UPDATE users SET {key} = ?, updated_at = ? WHERE id = ?", [value, now, line.user_id])
    if "cohort_id" in line.changes:
        move_student(cur, line.user_id, line.cohort_id, now)
    events.record(cur, actor, "updated", "user", entity_id=line.user_id, student_id=line.user_id,
                  detail={"source": "roster", **{k: str(v) for k, v in line.changes.items()}}, now=now)


def passwords_csv(issued: list[IssuedPassword]) -> bytes:
    """The new accounts and their one-time passwords as a CSV that opens cleanly in Excel."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["first_name", "last_name", "email", "cohort", "username", "one_time_password"])
    for x in issued:
        writer.writerow([_cell(v) for v in (x.first_name, x.last_name, x.email, x.cohort, x.username,
                                            x.one_time_password)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _cell(value: str) -> str:
    # A cell starting with = + - @ (or a tab/CR) would run as a formula in a spreadsheet.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def sample_csv(cohort: str = "Your cohort name") -> bytes:
    """A small example roster to download and fill in."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["first_name", "last_name", "email", "cohort", "student_id"])
    writer.writerow(["Maria", "Lopez", "maria.lopez@example.edu", cohort, "S1001"])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
