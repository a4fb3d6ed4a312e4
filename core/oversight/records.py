"""A student's records, whole: the archive they (or the career office) download, and erasure.

The archive is one ZIP: per table a JSON file and a CSV file of the rows that are the student's, and a
README.txt that says what each table and column holds. It leaves out what would open an account or a
feed (password and token hashes) and email attachments. A student's private reflections are in the
student's own archive and in nobody else's.

Erasure is the career office's, confirmed by typing the student's full name, recorded, and final. Every
text the student wrote, and every personal field about them or the people they met, is replaced on every
table: a text that was written becomes "(erased)" (so a stage that counts "research written" still
counts it: cohort figures keep their values), a contact channel becomes empty, and the account keeps its
row under a pseudonym ("an erased student", so the audit trail keeps its shape and says who). Their
notifications, their outbox, sessions, sign-in attempts, calendar feeds and choices are deleted; the
events about them keep their kind, time and ids, and only the words of their details that are not
names of things (kinds, channels, counts) stay. Other people's notifications and emails that name the
student are reworded. The nightly export files kept in PORTAL_EXPORT_DIR are rewritten with the
student's rows blanked. Backups are not rewritten: they age out by the backup retention (docs/privacy.md).

Here, in oversight, because it reads every area's tables and the exports' columns (core/oversight/export.py)
and their formula-safe cells; it imports nothing above it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from core.admin import disclosures
from core.admin.downloads import TEMP_PREFIX, DownloadFile
from core.clock import utcnow
from core.config import get_settings
from core.errors import AccessDenied, AccountError, NotFound
from core.identity.access import require_role
from core.models import Actor, Role
from core.oversight.export import BOM, PIPELINE_COLUMNS, PIPELINE_NOTE_COLUMNS, PROGRESS_COLUMNS, cell
from core.store import events
from core.store.db import Cursor, Database, row, rows, scalar

ERASED_FIRST, ERASED_LAST = "an erased", "student"
ERASED_NAME = f"{ERASED_FIRST} {ERASED_LAST}"
ERASED_TEXT = "(erased)"

SECRET_COLUMNS = frozenset({"password_hash", "token_hash", "handoff_hash", "attachment"})
"""Never in an archive: they would open the account, a session or a calendar feed, or are whole files."""


@dataclass(frozen=True)
class Part:
    """One table of a student's archive: which rows are theirs (`where`, its `?` filled from `keys`)."""

    table: str
    where: str
    meaning: str
    keys: tuple[str, ...] = ("id",)


ARCHIVE: tuple[Part, ...] = (
    Part("users", "id = ?", "Your account (the password's hash left out)"),
    Part("cohort_members", "student_id = ?", "The cohort you are a member of, and since when"),
    Part("cohort_past_members", "student_id = ?", "Cohorts you were a member of before"),
    Part("focus_occupations", "student_id = ?", "The occupations you narrowed to"),
    Part("contacts", "student_id = ?", "The people you chose to learn from, and how to reach them"),
    Part("research_notes", "student_id = ?", "Your research on each person, their organization and field"),
    Part("planned_questions", "student_id = ?", "The questions you planned to ask each person"),
    Part("outreach_messages", "student_id = ?", "Your meeting requests and follow-ups: drafts, sent, replies"),
    Part("meetings", "student_id = ?", "Your meetings and what you logged after them"),
    Part("meeting_notes", "student_id = ?", "Your notes per question asked in a meeting"),
    Part("thank_yous", "student_id = ?", "Your thank-you notes"),
    Part("reflections", "student_id = ?", "Your reflections after meetings"),
    Part("follow_ups", "student_id = ?", "Your keep-in-touch notes"),
    Part("outcomes", "student_id = ?", "Where you landed"),
    Part("outcome_contacts", "outcome_id IN (SELECT id FROM outcomes WHERE student_id = ?)",
         "Which contacts helped towards each outcome"),
    Part("comments", "student_id = ? AND deleted_at IS NULL", "Comments on your work, yours and your counselors'"),
    Part("student_flags", "student_id = ?", "Flags your counselors raised about your campaign"),
    Part("volunteer_requests", "student_id = ?", "Volunteers of the career office's directory you asked to meet"),
    Part("student_activity", "student_id = ?", "When you last worked on your campaign"),
    Part("student_figures", "student_id = ?", "Your figures as the dashboard keeps them"),
    Part("events", "student_id = ? OR actor_id = ?", "The event log: what you did, and what was done about you",
         ("id", "id")),
    Part("notifications", "user_id = ?", "Notifications the portal gave you"),
    Part("notification_prefs", "user_id = ?", "Your choices of what comes by email"),
    Part("digest_prefs", "user_id = ?", "How often you take a digest"),
    Part("email_outbox", "user_id = ?", "Emails the portal sent or will send you (attachments left out)"),
    Part("sessions", "user_id = ?", "Your sign-ins to the portal (the secret tokens left out)"),
    Part("login_attempts", "lower(username) IN (lower(?), lower(?))", "Sign-in attempts with your username or email",
         ("username", "email")),
    Part("calendar_feeds", "student_id = ?", "Your calendar feed addresses (the secret tokens left out)"),
    Part("comment_reads", "user_id = ?", "When you last read each comment thread"),
)

COLUMN_WORDS = {
    "id": "The row's id in the portal", "student_id": "Your account's id", "user_id": "Your account's id",
    "contact_id": "The contact (contacts.id) it is about", "meeting_id": "The meeting (meetings.id) it is about",
    "cohort_id": "The cohort (cohorts.id)", "actor_id": "Who acted (users.id; empty for the portal itself)",
    "created_at": "When it was created (UTC)", "updated_at": "When it was last changed (UTC)",
    "version": "How many times it was saved (edits are checked against it)", "sent_at": "When it was sent (UTC)",
    "body": "The text as written", "kind": "Its kind", "channel": "email, linkedin, phone or other",
    "first_name": "First name", "last_name": "Last name", "email": "Email address", "title": "Job title or title",
    "organization": "Organization", "is_private": "true: a private reflection, shown to nobody but you",
    "detail": "The event's details as JSON", "entity_type": "What the event was about",
    "entity_id": "The id of what the event was about", "action": "What was done", "occurred_at": "When (UTC)",
    "client_address": "The network address the request came from", "due_at": "When it is or was due (UTC)",
}

# Event details keep these words when their values are names of things (lower_case words, not text people wrote).
_KIND_KEYS = frozenset({"kind", "channel", "purpose", "reply", "mode", "fields", "source", "subject_type", "method",
                        "role", "metric", "frequency", "starts_at"})


# ---------------------------------------------------------------- the archive


def _plain(value: Any) -> Any:
    """A value as JSON holds it."""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return None
    if hasattr(value, "is_integer") and not isinstance(value, (int, float)):
        return float(value)  # Decimal from PostgreSQL
    return value


def _student(cur: Cursor, student_id: int) -> dict[str, Any]:
    found = row(cur, "SELECT id, username, email, first_name, last_name, role FROM users WHERE id = ?", [student_id])
    if found is None or found["role"] != Role.STUDENT.value:
        raise NotFound("No such student.")
    erased = scalar(cur, "SELECT erased_at FROM erasures WHERE student_id = ?", [student_id])
    if erased is not None:
        raise AccountError(f"This student's records were erased on {erased:%d %b %Y}; nothing is left to archive.")
    return found


def _may_archive(actor: Actor, student_id: int) -> None:
    if actor.role == Role.ADMIN or (actor.role == Role.STUDENT and actor.user_id == student_id):
        return
    raise AccessDenied("A student's archive is for the student and the career office.")


def archive_tables(db: Database, actor: Actor, student_id: int, *, now: datetime | None = None,
                   record: bool = True, address: str | None = None,
                   purpose: disclosures.Purpose | None = None) -> dict[str, list[dict[str, Any]]]:
    """The student's rows per table, as the archive holds them (secret columns left out; private
    reflections only when the student asks). Checked: the student themselves, or an active admin.
    The archive is recorded as a file that left the portal (core/admin/disclosures.py: who made it, from
    which address, for whom, how many rows), which the audit log tells."""
    _may_archive(actor, student_id)
    now = now or utcnow()
    own = actor.user_id == student_id

    def work(cur: Cursor) -> dict[str, list[dict[str, Any]]]:
        events.require_active(cur, actor)
        person = _student(cur, student_id)
        values = {"id": student_id, "username": person["username"], "email": person["email"]}
        out: dict[str, list[dict[str, Any]]] = {}
        for part in ARCHIVE:
            where = part.where
            if part.table == "reflections" and not own:
                where += " AND NOT is_private"
            found = rows(cur, f"SELECT * FROM {part.table} WHERE {where}", [values[k] for k in part.keys])
            out[part.table] = [{k: _plain(v) for k, v in r.items() if k not in SECRET_COLUMNS} for r in found]
        if record:  # a file holding the student's records leaves the portal: recorded as every such file is
            disclosures.record(cur, actor, "archive", rows=sum(len(v) for v in out.values()),
                               student_ids=[student_id], address=address, purpose=purpose, now=now)
        return out

    return db.transaction(work)


def _csv_text(table_rows: list[dict[str, Any]], names: list[str]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(names)
    for r in table_rows:
        writer.writerow([cell(r.get(n)) for n in names])
    return BOM + text.getvalue().encode("utf-8")


def _readme(person: dict[str, Any], tables: dict[str, list[dict[str, Any]]], now: datetime, own: bool) -> str:
    lines = [
        f"Everything the portal holds about {person['first_name']} {person['last_name']} ({person['username']}),",
        f"as it stood on {now:%d %b %Y at %H:%M} UTC.",
        "",
        "Each table is here twice: TABLE.json (a list of rows, each a set of column: value) and TABLE.csv",
        "(UTF-8, opens in Excel; a cell that would start a formula begins with an apostrophe). Times are UTC.",
        "Left out: password and token hashes (they would open the account) and email attachments.",
        "Private reflections are included." if own else
        "Private reflections are left out: they are in the student's own copy only.",
        "",
    ]
    for part in ARCHIVE:
        table_rows = tables[part.table]
        counted = f"{len(table_rows)} row" + ("" if len(table_rows) == 1 else "s")
        lines += [f"{part.table} ({counted}): {part.meaning}."]
        for name in (list(table_rows[0]) if table_rows else []):
            lines.append(f"    {name}: {COLUMN_WORDS.get(name, name.replace('_', ' '))}")
        lines.append("")
    return "\n".join(lines)


def archive_zip(db: Database, actor: Actor, student_id: int, *, now: datetime | None = None) -> bytes:
    """The student's archive as ZIP bytes (for tests and the command line; the portal sends `archive_file`)."""
    target = io.BytesIO()
    _write_zip(db, actor, student_id, target, now=now or utcnow())
    return target.getvalue()


def _write_zip(db: Database, actor: Actor, student_id: int, out: Any, *, now: datetime,
               address: str | None = None, purpose: disclosures.Purpose | None = None) -> str:
    tables = archive_tables(db, actor, student_id, now=now, address=address, purpose=purpose)
    person = tables["users"][0]
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", _readme(person, tables, now, actor.user_id == student_id))
        for part in ARCHIVE:
            table_rows = tables[part.table]
            names = list(table_rows[0]) if table_rows else []
            archive.writestr(f"{part.table}.json", json.dumps(table_rows, ensure_ascii=False, indent=1, default=str))
            archive.writestr(f"{part.table}.csv", _csv_text(table_rows, names))
    return person["username"]


def archive_file(db: Database, actor: Actor, student_id: int, *, now: datetime | None = None,
                 address: str | None = None, purpose: disclosures.Purpose | None = None) -> DownloadFile:
    """The archive written to a private temporary file, ready to send and discard (address: the browser's;
    purpose: who the file is for, when the career office makes it for someone outside the institution)."""
    now = now or utcnow()
    folder = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX))
    path = folder / "records.zip"
    try:
        with path.open("wb") as out:
            username = _write_zip(db, actor, student_id, out, now=now, address=address, purpose=purpose)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in username)
    return DownloadFile((path,), f"portal-records-{safe}-{now:%Y-%m-%d}.zip", "application/zip", temporary=True)


# ---------------------------------------------------------------- erasure

# Per table, the columns a person wrote or that name someone: text becomes "(erased)" where it held
# something (so "has research" stays true), a nullable channel becomes empty.
_WRITTEN: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "focus_occupations": (("name",), ()),
    "contacts": (("first_name", "last_name", "organization", "title", "field", "source_detail"),
                 ("email", "phone", "linkedin_url", "other_channel")),
    "research_notes": (("about_person", "about_organization", "about_field", "links"), ()),
    "planned_questions": (("text",), ()),
    "outreach_messages": (("subject", "body"), ()),
    "meetings": (("location", "insights", "skill_words", "advice", "resources", "resume_feedback"), ()),
    "meeting_notes": (("question", "answer"), ()),
    "thank_yous": (("body",), ()),
    "reflections": (("feelings", "see_myself", "view_changed", "still_need"), ()),
    "follow_ups": (("body",), ()),
    "outcomes": (("organization", "title", "description"), ()),
    "comments": (("body",), ()),
    "student_flags": (("note",), ()),
}

# Rows that are only the student's and hold nothing the cohort counts: deleted.
_DELETED: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("notifications", "user_id = ?", ("id",)),
    ("email_outbox", "user_id = ?", ("id",)),
    ("sessions", "user_id = ?", ("id",)),
    ("login_attempts", "lower(username) IN (lower(?), lower(?))", ("username", "email")),
    ("calendar_feeds", "student_id = ?", ("id",)),
    ("notification_prefs", "user_id = ?", ("id",)),
    ("digest_prefs", "user_id = ?", ("id",)),
    ("form_submissions", "user_id = ?", ("id",)),
)

# The kept nightly exports: the columns of a student's row that name or quote someone.
_EXPORT_KEEP = frozenset({"cohort", "source", "stage", "last_reply"})
_EXPORT_PERSONAL = frozenset(
    name for name, kind, _ in PROGRESS_COLUMNS + PIPELINE_COLUMNS + PIPELINE_NOTE_COLUMNS
    if kind == "text" and name not in _EXPORT_KEEP)

NOTICE = "About a student whose records were erased."


@dataclass
class Erasure:
    """What an erasure changed: rows per table, and the kept export files rewritten."""

    student_id: int
    erased_at: datetime
    rows: dict[str, int] = field(default_factory=dict)
    export_files: int = 0

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def _same_name(typed: str, first: str, last: str) -> bool:
    return " ".join(typed.split()).casefold() == " ".join(f"{first} {last}".split()).casefold()


def _kept_detail(text: str | None) -> str:
    """An event's detail with only what names things (kinds, channels, counts, ids), never people's words."""
    try:
        parsed = json.loads(text) if text else {}
    except (TypeError, ValueError):
        return "{}"
    if not isinstance(parsed, dict):
        return "{}"
    kept: dict[str, Any] = {}
    for key, value in parsed.items():
        if value is None or isinstance(value, (bool, int, float)):
            kept[key] = value
        elif key in _KIND_KEYS and _is_word(value):
            kept[key] = value
        elif key in _KIND_KEYS and isinstance(value, list) and all(_is_word(v) for v in value):
            kept[key] = value
    return json.dumps(kept, sort_keys=True)


def _is_word(value: Any) -> bool:
    allowed = "_-:+.0123456789T "
    return isinstance(value, str) and len(value) <= 40 and all(ch.islower() or ch in allowed for ch in value)


def _identifiers(person: dict[str, Any], *, in_json: bool) -> dict[str, str]:
    """How the student may be named in other people's text, each with what replaces it: their full name and
    email; in an event's JSON detail also their username, as a whole quoted value (a short username is part
    of many words, so it is never looked for inside other text)."""
    full = f"{person['first_name']} {person['last_name']}".strip()
    if not in_json:
        return {s: ERASED_NAME for s in (full, person["email"]) if s and len(s) >= 3}
    quoted = {json.dumps(s): json.dumps(ERASED_NAME) for s in (person["username"], person["email"])}
    return {**quoted, **{json.dumps(full)[1:-1]: ERASED_NAME, full: ERASED_NAME}}


def erase_student(db: Database, actor: Actor, student_id: int, *, typed_name: str, now: datetime | None = None,
                  export_dir: str | Path | None = None) -> Erasure:
    """Erase a student's records for good (the career office, confirmed by typing their full name).

    One transaction; recorded in the event log as "erased" (no name in it). Then the kept nightly
    exports (export_dir, default PORTAL_EXPORT_DIR) are rewritten with the student's rows blanked.
    """
    require_role(actor, Role.ADMIN)
    now = now or utcnow()
    done = Erasure(student_id, now)

    def work(cur: Cursor) -> None:
        events.require_active(cur, actor)
        person = _student(cur, student_id)
        if not _same_name(typed_name, person["first_name"], person["last_name"]):
            raise AccountError(f"To erase this student, type their full name exactly: "
                               f"{person['first_name']} {person['last_name']}.")
        values = {"id": student_id, "username": person["username"], "email": person["email"]}
        for table, (texts, channels) in _WRITTEN.items():
            sets = [f"{c} = CASE WHEN {c} <> '' THEN ? ELSE {c} END" for c in texts]
            sets += [f"{c} = NULL" for c in channels]
            cur.execute(f"UPDATE {table} SET {', '.join(sets)} WHERE student_id = ?",
                        [ERASED_TEXT] * len(texts) + [student_id])
            done.rows[table] = scalar(cur, f"SELECT count(*) FROM {table} WHERE student_id = ?", [student_id])
        for table, where, keys in _DELETED:
            params = [values[k] for k in keys]
            done.rows[table] = scalar(cur, f"SELECT count(*) FROM {table} WHERE {where}", params)
            cur.execute(f"DELETE FROM {table} WHERE {where}", params)
        _erase_events(cur, student_id, person, done)
        _reword_others(cur, person, done)
        cur.execute(
            """UPDATE users SET username = ?, email = ?, first_name = ?, last_name = ?, student_number = NULL,
                      password_hash = '!', must_change_password = false, active = false,
                      failed_login_attempts = 0, last_login_at = NULL, updated_at = ?
               WHERE id = ?""",
            [f"erased-{student_id}", f"erased-{student_id}@erased.invalid", ERASED_FIRST, ERASED_LAST, now,
             student_id])
        done.rows["users"] = 1
        cur.execute("INSERT INTO erasures (student_id, erased_by, erased_at) VALUES (?, ?, ?)",
                    [student_id, actor.user_id, now])
        events.record(cur, actor, "erased", "user", entity_id=student_id, student_id=student_id,
                      detail={"rows": sum(done.rows.values())}, now=now)

    db.transaction(work)
    folder = export_dir if export_dir is not None else get_settings().export_dir
    if folder:
        done.export_files = _erase_kept_exports(Path(folder), student_id)
    return done


def _erase_events(cur: Cursor, student_id: int, person: dict[str, Any], done: Erasure) -> None:
    """The student's events keep their shape (time, kind, ids); their details keep only names of things.
    Other events that name the student (an account created, a roster import) have the name replaced."""
    own = rows(cur, """SELECT id, detail FROM events
                       WHERE student_id = ? OR actor_id = ? OR (entity_type = 'user' AND entity_id = ?)""",
               [student_id, student_id, student_id])
    changed = [(kept, r["id"]) for r in own if (kept := _kept_detail(r["detail"])) != r["detail"]]
    for kept, event_id in changed:
        cur.execute("UPDATE events SET detail = ? WHERE id = ?", [kept, event_id])
    done.rows["events"] = len(own)
    names = _identifiers(person, in_json=True)
    ids = {r["id"] for r in own}
    where = " OR ".join("strpos(detail, ?) > 0" for _ in names)
    for r in rows(cur, f"SELECT id, detail FROM events WHERE {where}", list(names)):
        if r["id"] in ids:
            continue
        text = r["detail"]
        for name, instead in names.items():
            text = text.replace(name, instead)
        cur.execute("UPDATE events SET detail = ? WHERE id = ?", [text, r["id"]])
        done.rows["events"] += 1


def _reword_others(cur: Cursor, person: dict[str, Any], done: Erasure) -> None:
    """Other people's notifications and emails that name the student say only that they were about an
    erased student (they may quote what the student wrote); the scheduled jobs' log names them no more."""
    names = list(_identifiers(person, in_json=False))
    hits = " OR ".join("strpos(title, ?) > 0 OR strpos(body, ?) > 0" for _ in names)
    params = [n for n in names for _ in range(2)]
    done.rows["notifications"] += scalar(cur, f"SELECT count(*) FROM notifications WHERE {hits}", params)
    cur.execute(f"UPDATE notifications SET title = ?, body = '' WHERE {hits}", [NOTICE, *params])
    mail = " OR ".join("strpos(subject, ?) > 0 OR strpos(body_text, ?) > 0 OR strpos(body_html, ?) > 0"
                       for _ in names)
    params = [n for n in names for _ in range(3)]
    done.rows["email_outbox"] += scalar(cur, f"SELECT count(*) FROM email_outbox WHERE {mail}", params)
    cur.execute(f"""UPDATE email_outbox SET subject = ?, body_text = ?, body_html = ?, attachment = NULL,
                           attachment_name = NULL, attachment_type = NULL WHERE {mail}""",
                [NOTICE, NOTICE, f"<p>{NOTICE}</p>", *params])
    # A scheduled job's summary or error may quote an address it could not send to.
    for name in names:
        done.rows["job_runs"] = done.rows.get("job_runs", 0) + scalar(
            cur, "SELECT count(*) FROM job_runs WHERE strpos(summary, ?) > 0 OR strpos(error, ?) > 0", [name, name])
        cur.execute("""UPDATE job_runs SET summary = replace(summary, ?, ?), error = replace(error, ?, ?)
                       WHERE strpos(summary, ?) > 0 OR strpos(error, ?) > 0""",
                    [name, ERASED_NAME, name, ERASED_NAME, name, name])


def _erase_kept_exports(folder: Path, student_id: int) -> int:
    """Rewrite each kept export CSV in the folder whose rows include the student, their personal cells blanked."""
    if not folder.is_dir():
        return 0
    rewritten = 0
    for path in sorted(folder.glob("*.csv")):
        text = path.read_text(encoding="utf-8-sig")
        table = list(csv.reader(io.StringIO(text)))
        if not table or "student_id" not in table[0]:
            continue
        header = table[0]
        at = header.index("student_id")
        blank = [i for i, name in enumerate(header) if name in _EXPORT_PERSONAL]
        touched = False
        for line in table[1:]:
            if len(line) > at and line[at] == str(student_id):
                for i in blank:
                    if i < len(line) and line[i]:
                        line[i] = ""
                        touched = True
        if touched:
            out = io.StringIO()
            csv.writer(out, lineterminator="\r\n").writerows(table)
            partial = path.with_suffix(".csv.partial")
            partial.write_bytes(BOM + out.getvalue().encode("utf-8"))
            os.replace(partial, path)
            rewritten += 1
    return rewritten


def erased_at(db: Database, student_id: int) -> datetime | None:
    """When the student was erased, or None."""
    with db.cursor() as cur:
        return scalar(cur, "SELECT erased_at FROM erasures WHERE student_id = ?", [student_id])


def erased_students(db: Database, actor: Actor) -> dict[int, datetime]:
    """Every erased student's id and when (the career office's)."""
    require_role(actor, Role.ADMIN)
    with db.cursor() as cur:
        events.require_active(cur, actor)
        return {int(r[0]): r[1] for r in cur.execute("SELECT student_id, erased_at FROM erasures").fetchall()}
