"""Who took student records out: one record per file that left the portal holding them.

Every download or export with student records in it (the three CSV exports, the cohort comparison,
one-time passwords, a student's archive, a backup, the audit log's CSV) calls `record` once the file
is made: who, when, from which address (the client address as core/identity/proxies.py resolves
it; the page passes it in), which cohort or students, how many rows, and, when the file is for
someone outside the institution, the purpose the person gave (`purpose_for`). `record` also writes
one event to the audit log, so the log tells the download as a sentence with its address.

The career office lists the records per student (`for_student`) or all of them (`list_disclosures`);
a student sees the files that held their records (`mine`). A backup holds everyone: it is recorded
once as `whole_portal`, and counts for every student whose account existed when it was taken.

For another file that leaves with student records (a student's archive, say), call, once the file
is made and in the same place the download is checked:

    disclosures.record(db, actor, "archive", student_ids=[student_id], rows=rows_written,
                       file_name=name, address=address, purpose=purpose)

with a cursor instead of `db` to write it in the caller's own transaction.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from core.admin.downloads import TEMP_PREFIX, DownloadFile
from core.clock import utcnow
from core.errors import ExportError, NotFound
from core.identity.access import active_only, require_active, require_role
from core.models import SYSTEM, Actor, Role
from core.store import events
from core.store.db import Cursor, Database, PostgresDatabase, row, rows, scalar
from core.store.db import rows as rows_of

# What each kind of file is, in words; the order is the order of the filter.
KINDS: dict[str, str] = {
    "progress": "cohort progress export",
    "pipeline": "pipeline export",
    "activity": "activity log export",
    "comparison": "cohort comparison",
    "passwords": "one-time passwords",
    "archive": "student data archive",
    "backup": "backup of the whole portal",
    "audit": "audit log",
}
PURPOSE_MAX = 500
OUTSIDE_LABEL = "Someone outside the institution"
INSIDE_LABEL = "Staff of the institution, for their work with students"
PURPOSE_HELP = ("Who receives the file and why (for example: the accreditation agency, for the annual report). "
                "It is kept with the record of this download, and the students concerned can read it.")
COMMAND_LINE = "command line"


def kind_words(kind: str) -> str:
    """A kind of file as words ("pipeline" -> "pipeline export")."""
    return KINDS.get(kind, kind.replace("_", " "))


@dataclass(frozen=True)
class Purpose:
    """Who a file is for: staff of the institution (no purpose asked), or someone outside it and why."""

    outside: bool = False
    purpose: str = ""


INSIDE = Purpose()


def purpose_for(outside: bool, text: str | None) -> Purpose:
    """The purpose as the download form gave it; ExportError when a file for someone outside has none."""
    if not outside:
        return INSIDE
    cleaned = " ".join("".join(ch if ch.isprintable() else " " for ch in (text or "")).split())
    if not cleaned:
        raise ExportError("Say who receives the file and why: a file for someone outside the institution "
                          "needs a purpose.")
    if len(cleaned) > PURPOSE_MAX:
        raise ExportError(f"The purpose is {len(cleaned)} characters long; keep it within {PURPOSE_MAX}.")
    return Purpose(True, cleaned)


def record(
    db_or_cur: Database | PostgresDatabase | Cursor,
    actor: Actor | None,
    kind: str,
    *,
    rows: int | None,
    student_ids: Iterable[int] = (),
    file_name: str = "",
    cohort_id: int | None = None,
    covers: str = "",
    whole_portal: bool = False,
    include_notes: bool = False,
    purpose: Purpose | None = None,
    address: str | None = None,
    size: int | None = None,
    now: datetime | None = None,
) -> int:
    """Record that a file holding student records left the portal; returns the record's id.

    actor: who took it (None or SYSTEM: the command line or the portal's own work). rows: the file's
    rows (None when it has no rows, a backup). student_ids: whose records it held. covers: what it
    covered in words ("Cohort X, 2026-03-01 to 2026-03-31"). With a Database it writes in a
    transaction of its own, with a cursor inside the caller's; an inactive account is refused.
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown kind of file {kind!r}: one of {', '.join(KINDS)}.")
    purpose = purpose or INSIDE
    now = now or utcnow()
    ids = sorted({int(i) for i in student_ids})

    def work(cur: Cursor) -> int:
        by = actor if actor is not None and actor.user_id != SYSTEM.user_id else None
        if by is not None:
            require_active(cur, by)
        disclosure_id = int(scalar(
            cur,
            """INSERT INTO disclosures (occurred_at, actor_id, actor_role, client_address, kind, file_name, cohort_id,
                                        covers, whole_portal, row_count, include_notes, outside, purpose)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
            [now, by.user_id if by else None, by.role.value if by else None, address, kind, file_name[:300],
             cohort_id, covers[:300], whole_portal, rows, include_notes, purpose.outside, purpose.purpose],
        ))
        if ids:
            cur.execute("""INSERT INTO disclosure_students (disclosure_id, student_id)
                           SELECT ?, unnest(CAST(? AS BIGINT[]))""", [disclosure_id, ids])
        detail: dict[str, Any] = {"kind": kind, "rows": rows, "students": len(ids), "file": file_name[:300]}
        if whole_portal:
            detail["whole_portal"] = True
        if size is not None:
            detail["bytes"] = size
        if address:
            detail["address"] = address
        if cohort_id is not None:
            detail["cohort_id"] = cohort_id
        if covers:
            detail["covers"] = covers[:300]
        if include_notes:
            detail["include_notes"] = True
        if purpose.outside:
            detail["outside"], detail["purpose"] = True, purpose.purpose
        events.record(cur, by, "downloaded", "disclosure", entity_id=disclosure_id,
                      student_id=ids[0] if len(ids) == 1 else None, detail=detail, now=now)
        return disclosure_id

    if isinstance(db_or_cur, (Database, PostgresDatabase)):
        return db_or_cur.transaction(work)
    return work(db_or_cur)


def recorded_file(
    db: Database, actor: Actor, kind: str, data: bytes, *, file_name: str, rows: int, roles: tuple[Role, ...],
    student_ids: Iterable[int] = (), usernames: Iterable[str] = (), cohort_id: int | None = None, covers: str = "",
    purpose: Purpose | None = None, address: str | None = None, media_type: str = "text/csv; charset=utf-8",
    now: datetime | None = None,
) -> DownloadFile:
    """A small file a page already holds (the cohort comparison, one-time passwords), written to a temporary
    file to send and recorded as taken out, when the download happens: the actor must still be active and
    hold one of `roles`. The students are given by id or by username."""
    require_role(actor, *roles)
    names = sorted({u for u in usernames if u})
    ids = set(student_ids)
    if names:
        with db.cursor() as cur:
            ids |= {int(r["id"]) for r in rows_of(cur, """SELECT id FROM users WHERE role = 'student'
                                                        AND username IN (SELECT unnest(CAST(? AS VARCHAR[])))""",
                                                   [names])}
    folder = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX))
    try:
        (folder / "file").write_bytes(data)
        record(db, actor, kind, rows=rows, student_ids=ids, file_name=file_name, cohort_id=cohort_id, covers=covers,
               purpose=purpose, address=address, now=now)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return DownloadFile((folder / "file",), file_name, media_type, temporary=True)


# ---------------------------------------------------------------- reading


_SELECT = """
    SELECT d.id, d.occurred_at, d.actor_id, d.actor_role, d.client_address, d.kind, d.file_name, d.cohort_id,
           c.name AS cohort, d.covers, d.whole_portal, d.row_count, d.include_notes, d.outside, d.purpose,
           a.first_name || ' ' || a.last_name AS actor
    FROM disclosures d
    LEFT JOIN users a ON a.id = d.actor_id
    LEFT JOIN cohorts c ON c.id = d.cohort_id"""


def _of_student(student_id: int) -> tuple[str, list[Any]]:
    """The disclosures that held a student's records: named them, or held the whole portal after she had an account."""
    return ("""(d.id IN (SELECT disclosure_id FROM disclosure_students WHERE student_id = ?)
                OR (d.whole_portal AND d.occurred_at >= (SELECT created_at FROM users WHERE id = ?)))""",
            [student_id, student_id])


def _told(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for d in found:
        d["what"] = kind_words(d["kind"])
        d["actor"] = d["actor"] if d["actor_id"] is not None else "the portal (command line or scheduled work)"
        d["for_whom"] = f"Outside the institution: {d['purpose']}" if d["outside"] else "Within the institution"
    return found


def for_student(db: Database, actor: Actor, student_id: int, *, limit: int = 1_000) -> list[dict[str, Any]]:
    """The files that held a student's records, newest first (the career office only), with who took
    each, from which address, what it covered, its rows and its purpose."""
    require_role(actor, Role.ADMIN)
    where, params = _of_student(student_id)
    with db.cursor() as cur:
        require_active(cur, actor)
        return _told(rows(cur, f"{_SELECT} WHERE {where} ORDER BY d.occurred_at DESC, d.id DESC LIMIT ?",
                          [*params, limit]))


def mine(db: Database, actor: Actor, *, limit: int = 200) -> list[dict[str, Any]]:
    """For a student: the files that held their records, newest first, with who took each and why
    (the address is the career office's to see, not shown here)."""
    require_role(actor, Role.STUDENT)
    where, params = _of_student(actor.user_id)
    with db.cursor() as cur:
        require_active(cur, actor)
        found = _told(rows(cur, f"{_SELECT} WHERE {where} ORDER BY d.occurred_at DESC, d.id DESC LIMIT ?",
                           [*params, limit]))
    for d in found:
        d.pop("client_address", None)
    return found


def list_disclosures(
    db: Database, actor: Actor, *, kind: str | None = None, since: date | None = None, until: date | None = None,
    limit: int = 1_000,
) -> list[dict[str, Any]]:
    """Every recorded file, newest first (the career office only), with how many students each held;
    `until` is inclusive (the whole day)."""
    require_role(actor, Role.ADMIN)
    start = datetime(since.year, since.month, since.day) if since else None
    end = datetime(until.year, until.month, until.day) + timedelta(days=1) if until else None
    with db.cursor() as cur:
        require_active(cur, actor)
        found = rows(cur, f"""{_SELECT}
                     WHERE (? IS NULL OR d.kind = ?) AND (? IS NULL OR d.occurred_at >= ?)
                       AND (? IS NULL OR d.occurred_at < ?)
                     ORDER BY d.occurred_at DESC, d.id DESC LIMIT ?""",
                     [kind, kind, start, start, end, end, limit])
        counts = {int(r["disclosure_id"]): int(r["n"]) for r in rows(
            cur, """SELECT disclosure_id, count(*) AS n FROM disclosure_students
                    WHERE disclosure_id IN (SELECT unnest(CAST(? AS BIGINT[]))) GROUP BY disclosure_id""",
            [[d["id"] for d in found]])} if found else {}
    for d in found:
        d["students"] = counts.get(int(d["id"]), 0)
    return _told(found)


@active_only
def get(db: Database, actor: Actor, disclosure_id: int) -> dict[str, Any]:
    """One record with the ids of the students it held (the career office only)."""
    require_role(actor, Role.ADMIN)
    with db.cursor() as cur:
        found = row(cur, f"{_SELECT} WHERE d.id = ?", [disclosure_id])
        if found is None:
            raise NotFound("No such record of a download.")
        found["student_ids"] = [int(r["student_id"]) for r in rows(
            cur, "SELECT student_id FROM disclosure_students WHERE disclosure_id = ? ORDER BY student_id",
            [disclosure_id])]
    return _told([found])[0]
