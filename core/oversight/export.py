"""Career-office CSV exports: cohort progress, pipeline and activity log, from the portal and the command line.

Every export checks access, then has DuckDB write the CSV to a temporary file with COPY
(`export_file`); the command line streams that file out (`export_csv`), the portal's download
route sends it from disk (core/admin/downloads.py): neither holds the file in memory. The columns
are listed in PROGRESS_COLUMNS, PIPELINE_COLUMNS and ACTIVITY_COLUMNS and documented in
docs/exports.md. Files are UTF-8 with a byte-order mark (Excel then reads accented names
correctly), dates are ISO 8601, and no text cell can start a spreadsheet formula.

Private reflections never leave. Free-text notes (research notes, meeting notes, non-private
reflections, event details) leave only when an admin asks for them with include_notes=True.

    portal export progress|pipeline|activity [--cohort ID_OR_NAME] [--since YYYY-MM-DD]
                          [--until YYYY-MM-DD] [--include-notes] [--for-outside PURPOSE] [--as USERNAME]
                          --out FILE.csv

Every file made here or downloaded from the portal is recorded as taken out (core/admin/disclosures.py);
the nightly job's files, which stay on the server, are not.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import duckdb

from core.admin import disclosures
from core.admin.backup import open_for_command
from core.admin.downloads import CHUNK_BYTES, TEMP_PREFIX, DownloadFile
from core.clock import utcnow
from core.config import get_settings
from core.errors import AccessDenied, ExportError, check_id
from core.identity.access import SYSTEM, require_active, require_cohort, require_role
from core.identity.accounts import load_actor, user_id_for_username
from core.models import Actor, Role, _unreadable
from core.oversight.dashboard import dashboard_query, memberships_in_scope, period_bounds, students_in_scope
from core.rules.activity import MEANING as ACTIVITY
from core.rules.facts import LATEST_REPLY, PROGRESS, THANK_STATUS, ctes, settle
from core.store import dialect
from core.store.commands import command
from core.store.db import Cursor, Database

KINDS = ("progress", "pipeline", "activity")


BOM = "\ufeff".encode()
MEDIA_TYPE = "text/csv; charset=utf-8"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# (column, type, meaning): the stable contract, in file order. docs/exports.md repeats it.
PROGRESS_COLUMNS = [
    ("cohort", "text", "Name of the student's cohort"),
    ("student_id", "integer", "Portal id of the student"),
    ("student_number", "text", "The institution's student number (may be empty)"),
    ("first_name", "text", "Student's first name"),
    ("last_name", "text", "Student's last name"),
    ("email", "text", "Student's email address"),
    ("joined_at", "datetime", "When the student joined the cohort (UTC)"),
    ("targets", "integer", "Contacts added in the period and still on the list (archived ones excluded)"),
    ("researched", "integer", "Contacts first researched in the period (notes or planned questions)"),
    ("outreach_sent", "integer", "Contacts first sent a meeting request in the period"),
    ("interviews", "integer", "Informational interviews held in the period"),
    ("thanked", "integer", "Thank-you notes sent in the period to people met"),
    ("reflections", "integer", "Reflections written in the period (private ones counted, never exported)"),
    ("referrals", "integer", "Contacts added in the period as a referral from another contact"),
    ("last_activity_at", "datetime", f"The student's latest {ACTIVITY} (UTC; empty if none)"),
    ("days_inactive", "integer", "Whole days from the latest campaign work (or joining) to the export"),
    ("overdue_thank_yous", "integer", "At export time: meetings held whose thank-you is late and not sent"),
    ("meetings_without_reflection", "integer", "At export time: held meetings with no reflection written"),
    ("goals_total", "integer", "Active goals of the cohort"),
    ("goals_met", "integer", "Active goals the student has reached"),
    ("goals_off_track", "integer", "Active goals the student is behind on or missed"),
    ("stalled", "boolean", "At export time: no campaign work for the cohort's stalled threshold (true/false)"),
    ("no_targets", "boolean", "No contact added in the period (true/false)"),
    ("left_at", "datetime", "When the student moved to another cohort (UTC; empty while a member): the row counts "
                            "the work done while a member, its at-export-time columns as they stood then"),
]

PIPELINE_COLUMNS = [
    ("cohort", "text", "Name of the student's cohort"),
    ("student_id", "integer", "Portal id of the student"),
    ("student_number", "text", "The institution's student number (may be empty)"),
    ("student_first_name", "text", "Student's first name"),
    ("student_last_name", "text", "Student's last name"),
    ("contact_id", "integer", "Portal id of the contact"),
    ("contact_first_name", "text", "Contact's first name"),
    ("contact_last_name", "text", "Contact's last name"),
    ("organization", "text", "Contact's organization"),
    ("title", "text", "Contact's job title"),
    ("field", "text", "Contact's field or occupation"),
    ("focus_occupation", "text", "The student's focus occupation this contact is tagged with"),
    ("source", "text", "Where the student found the contact (alumni_network, linkedin, referral, ...)"),
    ("priority", "integer", "1 (highest) to 3"),
    ("referred_by_contact_id", "integer", "The contact who referred this one (empty if none)"),
    ("stage", "text", "Current stage: target, research, outreach, interview, thank, reflect, keep_in_touch"),
    ("target_at", "datetime", "When the contact was added (UTC)"),
    ("research_at", "datetime", "When research began (UTC)"),
    ("outreach_at", "datetime", "When the first request was sent (UTC)"),
    ("interview_at", "datetime", "When the first interview was held (UTC)"),
    ("thank_at", "datetime", "When the first thank-you was sent (UTC)"),
    ("reflect_at", "datetime", "When the first reflection was written (UTC)"),
    ("keep_in_touch_at", "datetime", "When the first keep-in-touch message was sent (UTC)"),
    ("last_reply", "text", "Latest reply to a request: accepted, declined, no_reply (empty if none)"),
    ("thank_you_due_at", "datetime", "When the thank-you for the first interview is or was due (UTC)"),
    ("thank_you_overdue", "boolean", "At export time: a thank-you is late and not sent (true/false)"),
    ("archived_at", "datetime", "When the student archived the contact (UTC; empty if active)"),
]
PIPELINE_NOTE_COLUMNS = [
    ("research_notes", "text", "Notes on the person, the organization and the field (admins, with notes only)"),
    ("meeting_notes", "text", "Insights and advice logged after interviews (admins, with notes only)"),
    ("reflections", "text", "Answers of non-private reflections; private ones never (admins, with notes only)"),
]

ACTIVITY_COLUMNS = [
    ("event_id", "integer", "Portal id of the event"),
    ("occurred_at", "datetime", "When it happened (UTC)"),
    ("cohort", "text", "Name of the cohort the student was a member of when it happened"),
    ("student_id", "integer", "Portal id of the student whose campaign it concerns"),
    ("student_number", "text", "The institution's student number (may be empty)"),
    ("student_first_name", "text", "Student's first name"),
    ("student_last_name", "text", "Student's last name"),
    ("actor_id", "integer", "Portal id of who acted (empty for the system)"),
    ("actor_role", "text", "student, counselor or admin"),
    ("actor_name", "text", "Who acted"),
    ("action", "text", "What was done (created, sent, held, commented, ...)"),
    ("entity_type", "text", "What it was done to (contact, outreach, meeting, thank_you, reflection, ...)"),
    ("entity_id", "integer", "Portal id of that record"),
    ("contact_id", "integer", "The contact concerned (empty if none)"),
]
ACTIVITY_NOTE_COLUMNS = [
    ("detail", "text", "The event's details as JSON (admins, with notes only)"),
]


def columns_for(kind: str, *, include_notes: bool = False) -> list[tuple[str, str, str]]:
    """The documented columns of an export kind, in file order."""
    if kind == "progress":
        return PROGRESS_COLUMNS
    if kind == "pipeline":
        return PIPELINE_COLUMNS + (PIPELINE_NOTE_COLUMNS if include_notes else [])
    if kind == "activity":
        return ACTIVITY_COLUMNS + (ACTIVITY_NOTE_COLUMNS if include_notes else [])
    raise ValueError(f"Unknown export {kind!r}: choose one of {', '.join(KINDS)}.")


def cell(value: Any) -> str:
    """One value as CSV text: ISO 8601 dates, true/false, and text that cannot start a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float)):
        # Numbers come from the database, never from what a user typed, so "-1" here is a number.
        return str(value)
    text = str(value)
    # A leading apostrophe makes spreadsheets show the text as typed instead of running it.
    return "'" + text if text.startswith(FORMULA_STARTS) else text


# The pipeline and progress files are written in slices of consecutive students in the files' order,
# of about this many contacts each (a student counts at least one): DuckDB computes and sorts everything
# a query covers before writing its first line, so one query for the whole institution holds all of
# its contacts' figures in memory (the pipeline: about 440 MB at 10,000 students, 2.4 GB at 100,000).
# Each slice scans the tables again, so smaller slices cost time: at 100,000 students 50,000 contacts
# took 10 s and 84 MB above a warm process's memory, 25,000 took 14-16 s and 36-112 MB, 10,000 took
# 17 s (bench/exports.py; the first export of a fresh process adds 200-260 MB at 10,000 and 100,000 alike).
SLICE_CONTACTS = 25_000
# The progress file's slices can be larger: one row per student, its whole-time figures kept. At
# 100,000 students: 2.2 s in slices of 25,000 contacts, 1.0 s in slices of 100,000, 0.6-0.9 s in slices
# of 400,000 (about 27,000 students; 25 MB above a warm process, 74 MB for the command line's fresh
# one), against 0.4 s and about 180 MB more memory for one query.
PROGRESS_SLICE_CONTACTS = 400_000


def _progress_query(cur, actor: Actor, cohort_id: int | None, since, until, now, *,
                    members: list[tuple[int, int]] | None = None) -> tuple[str, list[Any]]:
    sql, params = dashboard_query(cur, actor, cohort_id=cohort_id, since=since, until=until, now=now, members=members,
                                  former=True)
    names = ", ".join("cohort_name AS cohort" if c == "cohort" else c for c, _, _ in PROGRESS_COLUMNS)
    return f"SELECT {names} FROM ({sql}) d ORDER BY cohort, last_name, first_name, student_id, joined_at", params


def _member_slices(cur, actor: Actor, cohort_id: int | None, budget: int) -> list[list[tuple[int, int]]]:
    """The memberships in scope (memberships_in_scope: current and former) as (student_id, cohort_id) pairs in
    the files' order (cohort name, last name, first name, student id), cut into consecutive runs of about
    `budget` contacts each (a membership counts at least one; one with more than `budget` is a run of its
    own). The runs one after the other are every pair once, in that order, so queries over them, each sorted
    on its own, give the rows of the single query."""
    scope, sparams = memberships_in_scope(actor, cohort_id)
    found = cur.execute(f"""
        WITH mb AS (SELECT DISTINCT student_id, cohort_id FROM ({scope}) AS m),
        n AS (SELECT student_id, count(*) AS contacts FROM contacts
              WHERE student_id IN (SELECT student_id FROM mb) GROUP BY student_id)
        SELECT mb.student_id, mb.cohort_id, greatest(coalesce(n.contacts, 0), 1) AS weight
        FROM mb JOIN users u ON u.id = mb.student_id JOIN cohorts co ON co.id = mb.cohort_id
        LEFT JOIN n ON n.student_id = mb.student_id
        ORDER BY co.name, u.last_name, u.first_name, mb.student_id, mb.cohort_id""", sparams).fetchall()
    slices: list[list[tuple[int, int]]] = []
    in_slice = budget
    for student_id, member_of, weight in found:
        if in_slice + weight > budget and in_slice:
            slices.append([])
            in_slice = 0
        slices[-1].append((student_id, member_of))
        in_slice += weight
    return slices or [[]]  # no student: one query all the same, for the header


def _pipeline_query(actor: Actor, cohort_id: int | None, since, until, now, include_notes: bool, *,
                    members: list[tuple[int, int]] | None = None) -> tuple[str, list[Any]]:
    """The pipeline rows of the memberships in scope, or of those of them in `members` (a slice), in file order.

    A contact is listed for each membership its student worked on it in (memberships_in_scope), with the
    stage it had reached by the end of the membership and only the stage dates within it: a student who
    moved shows, in the cohort left, each contact as it stood when they left."""
    scope, sparams = _members_of(actor, cohort_id, members)
    start, end = period_bounds(since, until)
    notes_ctes = notes_cols = notes_joins = ""
    if include_notes:
        notes_ctes = """,
        rn AS (SELECT contact_id, concat_ws(chr(10) || chr(10), nullif(about_person, ''),
                                            nullif(about_organization, ''), nullif(about_field, ''), nullif(links, ''))
                                  AS research_notes
               FROM research_notes WHERE student_id IN (SELECT student_id FROM sc)),
        mn AS (SELECT contact_id, string_agg(concat_ws(chr(10) || chr(10), nullif(insights, ''), nullif(advice, '')),
                                             chr(10) || chr(10) ORDER BY held_at) AS meeting_notes
               FROM meetings WHERE status = 'held' AND student_id IN (SELECT student_id FROM sc) GROUP BY contact_id),
        rf AS (SELECT contact_id, string_agg(concat_ws(chr(10) || chr(10), nullif(feelings, ''), nullif(see_myself, ''),
                                                       nullif(view_changed, ''), nullif(still_need, '')),
                                             chr(10) || chr(10) ORDER BY created_at) AS reflections
               FROM reflections WHERE NOT is_private AND student_id IN (SELECT student_id FROM sc)
               GROUP BY contact_id)"""
        notes_cols = ", rn.research_notes, mn.meeting_notes, rf.reflections"
        notes_joins = """LEFT JOIN rn ON rn.contact_id = c.id LEFT JOIN mn ON mn.contact_id = c.id
                         LEFT JOIN rf ON rf.contact_id = c.id"""
    sql = f"""
        WITH w AS (SELECT CAST(? AS TIMESTAMP) AS since, CAST(? AS TIMESTAMP) AS until, CAST(? AS TIMESTAMP) AS now),
        mb AS ({scope}),
        sc AS (SELECT DISTINCT student_id FROM mb){ctes(PROGRESS, THANK_STATUS, LATEST_REPLY)},
        -- Each contact as it stood at the end of each membership (the present for the current one).
        pm AS (SELECT p.*, mb.cohort_id, mb.counts_from, mb.counts_until, {_STAGE_BY_END} AS stage_by_end
               FROM progress p JOIN mb ON mb.student_id = p.student_id),
        pw AS (SELECT pm.*, {_STAGE_AT_BY_END} AS stage_by_end_at FROM pm),
        ty AS (SELECT t.contact_id, mb.cohort_id, mb.counts_from, min(t.due_at) AS thank_you_due_at,
                      bool_or(CASE WHEN mb.counts_until >= w.now THEN t.overdue
                                   ELSE t.archived_at IS NULL AND (t.sent_at IS NULL OR t.sent_at > mb.counts_until)
                                        AND mb.counts_until > t.due_at END) AS thank_you_overdue
               FROM thank_status t JOIN mb ON mb.student_id = t.student_id CROSS JOIN w
               WHERE t.held_at >= mb.counts_from AND t.held_at < mb.counts_until
               GROUP BY t.contact_id, mb.cohort_id, mb.counts_from){notes_ctes}
        SELECT co.name AS cohort, u.id AS student_id, u.student_number, u.first_name AS student_first_name,
               u.last_name AS student_last_name, c.id AS contact_id, c.first_name AS contact_first_name,
               c.last_name AS contact_last_name, c.organization, c.title, c.field, fo.name AS focus_occupation,
               c.source, c.priority, c.referred_by_contact_id, p.stage_by_end AS stage, {_DATES_WITHIN},
               rep.outreach_reply AS last_reply, ty.thank_you_due_at,
               coalesce(ty.thank_you_overdue, false) AS thank_you_overdue, c.archived_at{notes_cols}
        FROM contacts c
        JOIN pw p ON p.contact_id = c.id
        JOIN users u ON u.id = c.student_id
        JOIN cohorts co ON co.id = p.cohort_id
        LEFT JOIN focus_occupations fo ON fo.id = c.focus_occupation_id
        LEFT JOIN f_latest_reply rep ON rep.contact_id = c.id
        LEFT JOIN ty ON ty.contact_id = c.id AND ty.cohort_id = p.cohort_id AND ty.counts_from = p.counts_from
        {notes_joins}
        CROSS JOIN w
        WHERE p.target_at < least(w.until, p.counts_until) AND p.stage_by_end_at >= greatest(w.since, p.counts_from)
        ORDER BY co.name, u.last_name, u.first_name, u.id, p.counts_from, c.id"""
    return sql, [start, end, now, *sparams]


_STAGE_TIMES = [("keep_in_touch", "keep_in_touch_at"), ("reflect", "reflect_at"), ("thank", "thank_at"),
                ("interview", "interview_at"), ("outreach", "outreach_at"), ("research", "research_at")]
# The stage a contact had reached by the end of a membership (its current stage for the current membership), and
# when it reached it: the latest stage reached before counts_until, as core/rules/facts.py PROGRESS orders them.
_STAGE_BY_END = ("CASE " + " ".join(f"WHEN p.{at} < mb.counts_until THEN '{stage}'" for stage, at in _STAGE_TIMES)
                 + " ELSE 'target' END")
_STAGE_AT_BY_END = ("CASE " + " ".join(f"WHEN pm.{at} < pm.counts_until THEN pm.{at}" for _, at in _STAGE_TIMES)
                    + " ELSE pm.target_at END")
# The stage dates of the pipeline, those outside the membership left empty.
_DATES_WITHIN = ", ".join(f"CASE WHEN p.{at} >= p.counts_from AND p.{at} < p.counts_until THEN p.{at} END AS {at}"
                          for at in ("target_at", "research_at", "outreach_at", "interview_at", "thank_at",
                                     "reflect_at", "keep_in_touch_at"))


def _members_of(actor: Actor, cohort_id: int | None,
                members: list[tuple[int, int]] | None) -> tuple[str, list[Any]]:
    """memberships_in_scope, narrowed to the (student_id, cohort_id) pairs of a slice when given."""
    scope, sparams = memberships_in_scope(actor, cohort_id)
    if members is None:
        return scope, sparams
    return (f"""SELECT v.* FROM ({scope}) AS v
                JOIN (SELECT unnest(CAST(? AS BIGINT[])) AS student_id, unnest(CAST(? AS BIGINT[])) AS cohort_id) AS sl
                  ON sl.student_id = v.student_id AND sl.cohort_id = v.cohort_id""",
            [*sparams, [int(s) for s, _ in members], [int(c) for _, c in members]])


# An event belongs to the membership it happened in (each of a student's memberships counts over its own window).
_WHILE_MEMBER = " AND e.occurred_at >= mb.counts_from AND e.occurred_at < mb.counts_until"


def _activity_query(actor: Actor, cohort_id: int | None, since, until, include_notes: bool) -> tuple[str, list[Any]]:
    start, end = period_bounds(since, until)
    return _activity_between(actor, cohort_id, start, end, include_notes)


# The activity log is written in slices of about this many events, each sorted on its own: DuckDB
# sorts everything a query orders before writing the first line, so one query for the whole log
# would hold the whole log in memory (about 4 times the file, measured at 10,000 students).
SLICE_EVENTS = 100_000


def _activity_slices(cur, actor: Actor, cohort_id: int | None, since, until,
                     include_notes: bool) -> list[tuple[str, list[Any]]]:
    """The activity log as queries over consecutive periods of about SLICE_EVENTS events each, in file order.

    The periods split at whole hours of occurred_at (counted first, which takes little memory), so
    each event falls in exactly one, and the slices together give the rows in the order of the single
    query. An hour with more events than SLICE_EVENTS is one slice of its own.
    """
    scope, sparams = memberships_in_scope(actor, cohort_id)
    start, end = period_bounds(since, until)
    hours = cur.execute(f"""
        WITH mb AS ({scope})
        SELECT date_trunc('hour', e.occurred_at) AS hour, count(*) AS events
        FROM events e JOIN mb ON mb.student_id = e.student_id{_WHILE_MEMBER}
        WHERE e.occurred_at >= ? AND e.occurred_at < ?
        GROUP BY hour ORDER BY hour""", [*sparams, start, end]).fetchall()
    bounds, in_slice = [start], 0
    for hour, events in hours:
        if in_slice and in_slice + events > SLICE_EVENTS:
            bounds.append(hour)  # later than the slice's start: its first event's hour is earlier
            in_slice = 0
        in_slice += events
    bounds.append(end)
    return [_activity_between(actor, cohort_id, a, b, include_notes) for a, b in zip(bounds, bounds[1:], strict=False)]


def _activity_between(actor: Actor, cohort_id: int | None, start: datetime, end: datetime,
                      include_notes: bool) -> tuple[str, list[Any]]:
    scope, sparams = memberships_in_scope(actor, cohort_id)
    notes_cols = ", e.detail" if include_notes else ""
    sql = f"""
        WITH mb AS ({scope})
        SELECT e.id AS event_id, e.occurred_at, co.name AS cohort, e.student_id, u.student_number,
               u.first_name AS student_first_name, u.last_name AS student_last_name, e.actor_id,
               a.role AS actor_role, a.first_name || ' ' || a.last_name AS actor_name, e.action, e.entity_type,
               e.entity_id, e.contact_id{notes_cols}
        FROM events e
        JOIN mb ON mb.student_id = e.student_id{_WHILE_MEMBER}
        JOIN users u ON u.id = e.student_id
        JOIN cohorts co ON co.id = mb.cohort_id
        LEFT JOIN users a ON a.id = e.actor_id
        WHERE e.occurred_at >= ? AND e.occurred_at < ?
        ORDER BY e.occurred_at, e.id"""
    return sql, [*sparams, start, end]


def export_csv(db: Database, actor: Actor, kind: str, *, disclose: bool = False,
               purpose: disclosures.Purpose | None = None, address: str | None = None,
               **options: Any) -> Iterator[bytes]:
    """Check access, then return the export as a stream of UTF-8 CSV chunks (BOM and header first).

    Options and refusals as for `export_file`; access is checked now, the file is made when the
    first chunk is asked for, and removed once the last one is read (or the stream is dropped).
    With disclose=True the file, once made, is recorded as taken out (core/admin/disclosures.py),
    with the purpose and address given: the command line does; the nightly job, whose files stay on
    the server, does not.
    """
    columns, queries = _plan(db, actor, kind, **options)
    recorded = (lambda made: _disclose(db, actor, kind, made, columns, options, purpose, address)) if disclose \
        else None
    return _stream(db, columns, queries, recorded)


def export_file(db: Database, actor: Actor, kind: str, *, name: str | None = None,
                purpose: disclosures.Purpose | None = None, address: str | None = None,
                **options: Any) -> DownloadFile:
    """Check access, then write the export to a temporary file on disk, ready to send and discard.

    kind: 'progress' (one row per student), 'pipeline' (one per contact), 'activity' (one per event).
    Options: cohort_id (None: every cohort the actor may read), since, until (a date `until` is
    inclusive), include_notes (admins only), now. Counselors export their cohorts, admins any;
    students nothing. A deactivated account is refused (AccessDenied) whatever it asks for.
    `name` is the file name the browser is offered (default: `file_name(kind, None)`). The file holds
    the CSV as DuckDB wrote it; its `prefix` is the byte-order mark that goes first.

    The file, once made, is recorded as taken out (core/admin/disclosures.py): its rows, the students
    in it, the client `address` the page resolved and the `purpose` given for a file meant for
    someone outside the institution.
    """
    columns, queries = _plan(db, actor, kind, **options)
    made = _copy_to_file(db, columns, queries, name or file_name(kind, None, now=options.get("now")))
    try:
        _disclose(db, actor, kind, made, columns, options, purpose, address)
    except BaseException:
        made.discard()
        raise
    return made


def counted(made: DownloadFile, columns: list[tuple[str, str, str]]) -> tuple[int, set[int]]:
    """The rows of a made export and the ids of the students they are about, read back from its file
    (what was written, not a second query that could see other rows); the parts are read as a stream."""
    at = [column for column, _, _ in columns].index("student_id")
    rows, students = 0, set()
    for number, part in enumerate(made.parts):
        with open(part, encoding="utf-8", newline="") as handle:
            lines = csv.reader(handle)
            if number == 0:
                next(lines, None)  # the header
            for line in lines:
                rows += 1
                if len(line) > at and line[at].isdigit():
                    students.add(int(line[at]))
    return rows, students


def _disclose(db: Database, actor: Actor, kind: str, made: DownloadFile, columns: list[tuple[str, str, str]],
              options: dict[str, Any], purpose: disclosures.Purpose | None, address: str | None) -> None:
    rows, students = counted(made, columns)
    cohort_id = options.get("cohort_id")
    with db.cursor() as cur:
        cohort = cur.execute("SELECT name FROM cohorts WHERE id = ?", [cohort_id]).fetchone() if cohort_id else None
    since, until = options.get("since"), options.get("until")
    covers = cohort[0] if cohort else "every cohort the person may read"
    if since or until:
        covers += f", {_day_text(since) or 'the beginning'} to {_day_text(until) or 'the export'}"
    if options.get("include_notes"):
        covers += ", with free-text notes"
    disclosures.record(db, actor, kind, rows=rows, student_ids=students, file_name=made.file_name,
                       cohort_id=cohort_id, covers=covers, include_notes=bool(options.get("include_notes")),
                       purpose=purpose, address=address, now=options.get("now"))


def _day_text(value: date | datetime | None) -> str:
    return value.date().isoformat() if isinstance(value, datetime) else value.isoformat() if value else ""


Queries = Callable[[Cursor], list[tuple[str, list[Any]]]]


def _plan(db: Database, actor: Actor, kind: str, *, cohort_id: int | None = None,
          since: date | datetime | None = None, until: date | datetime | None = None,
          include_notes: bool = False, now: datetime | None = None) -> tuple[list[tuple[str, str, str]], Queries]:
    """Check access for an export and return its columns and how to get its rows: one or more
    queries (with their parameters) whose rows, one after the other, are the file's."""
    require_role(actor, Role.COUNSELOR, Role.ADMIN)
    if include_notes and actor.role != Role.ADMIN:
        raise AccessDenied("Only the career office (admins) can export free-text notes.")
    columns = columns_for(kind, include_notes=include_notes)
    now = now or utcnow()
    if kind not in KINDS:
        raise LookupError(f"No export {kind!r}: choose {', '.join(KINDS)}.")
    if since is not None and until is not None and since > until:
        raise ExportError("The period ends before it starts: check the two dates.")
    with db.cursor() as cur:
        require_active(cur, actor)
        if cohort_id is not None:
            require_cohort(cur, actor, cohort_id)
    if kind == "progress":
        settle(db, students_in_scope(actor, cohort_id))  # whole-time figures are read as kept: saves counted first
        return columns, lambda cur: [_progress_query(cur, actor, cohort_id, since, until, now, members=members)
                                     for members in _member_slices(cur, actor, cohort_id,
                                                                   PROGRESS_SLICE_CONTACTS)]
    if kind == "pipeline":
        return columns, lambda cur: [_pipeline_query(actor, cohort_id, since, until, now, include_notes,
                                                     members=members)
                                     for members in _member_slices(cur, actor, cohort_id, SLICE_CONTACTS)]
    return columns, lambda cur: _activity_slices(cur, actor, cohort_id, since, until, include_notes)


def _as_text(db: Database, column: str, kind: str) -> str:
    """One column as the text its cells hold (the rules of `cell`), computed by the database for the whole file."""
    value = f'"{column}"'
    raw = f"CAST({value} AS VARCHAR)"
    if kind == "datetime":
        text = dialect.timestamp_text(db, f"CAST({value} AS TIMESTAMP)")
    elif kind == "boolean":
        text = f"CASE WHEN {value} THEN 'true' WHEN NOT {value} THEN 'false' END"
    elif kind == "integer":
        text = raw
    else:
        # A leading apostrophe makes spreadsheets show the text as typed instead of running it.
        text = f"CASE WHEN {dialect.regex_matches(db, raw, _FORMULA_PATTERN)} THEN '''' || {raw} ELSE {raw} END"
    return f'nullif({text}, \'\') AS "{column}"'


# The FORMULA_STARTS as a regular expression in an SQL literal (backslashes are plain characters in the
# strings of both stores; both regular expression engines read \t and \r as tab and carriage return).
_FORMULA_PATTERN = "'^[=+@\\t\\r-]'"


def _copy_to_file(db: Database, columns: list[tuple[str, str, str]], queries: Queries, name: str) -> DownloadFile:
    """The database writes the CSV with COPY (core.store.dialect.copy_csv: fast, and bounded in memory however
    many rows) into a private temporary folder, one part per query, the header in the first; all in one
    transaction, so the parts are one consistent snapshot. The byte-order mark is sent before them."""
    select = ", ".join(_as_text(db, column, kind) for column, kind, _ in columns)
    folder = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX))
    parts: list[Path] = []
    made = DownloadFile((), name, MEDIA_TYPE, prefix=BOM, temporary=True)
    try:
        with db.cursor() as cur:
            dialect.begin_snapshot(cur)
            try:
                for number, (sql, params) in enumerate(queries(cur)):
                    parts.append(folder / f"export-{number:05d}.csv")
                    dialect.copy_csv(cur, f"SELECT {select} FROM ({sql}) AS export", params, str(parts[-1]),
                                     header=[column for column, _, _ in columns] if number == 0 else None)
            finally:
                cur.execute("ROLLBACK")  # it only read
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return replace(made, parts=tuple(parts))


def _stream(db: Database, columns: list[tuple[str, str, str]], queries: Queries,
            recorded: Callable[[DownloadFile], None] | None = None) -> Iterator[bytes]:
    """The export as chunks of at most CHUNK_BYTES: the queries run when the first chunk is asked
    for, and the temporary files are removed when the stream ends or is dropped. `recorded` is
    told of the made file before its first chunk is sent."""
    made = _copy_to_file(db, columns, queries, "export.csv")
    try:
        if recorded is not None:
            recorded(made)
        yield from made.chunks(CHUNK_BYTES)
    finally:
        made.discard()


def write_csv(db: Database, actor: Actor, kind: str, out: IO[bytes], **options: Any) -> int:
    """Write an export to a binary file; returns the bytes written."""
    written = 0
    for chunk in export_csv(db, actor, kind, **options):
        out.write(chunk)
        written += len(chunk)
    return written


def export_bytes(db: Database, actor: Actor, kind: str, **options: Any) -> bytes:
    """An export as one bytes object: for tests and small files only (the portal sends from disk)."""
    return b"".join(export_csv(db, actor, kind, **options))


def file_name(kind: str, cohort_name: str | None, *, now: datetime | None = None) -> str:
    """A download name such as progress_health-science-explorers_2026-03-10.csv."""
    stamp = (now or utcnow()).date().isoformat()
    slug = "".join(ch.lower() if ch.isalnum() else "-" for ch in (cohort_name or "all-cohorts"))
    slug = "-".join(part for part in slug.split("-") if part)[:60] or "cohort"
    return f"{kind}_{slug}_{stamp}.csv"


# ---------------------------------------------------------------- command line


def _resolve_cohort(db: Database, value: str | None) -> int | None:
    if value is None:
        return None
    value = value.strip()
    if _unreadable(value):
        raise SystemExit(f"No cohort {value!r} (give its id or its exact name).")
    with db.cursor() as cur:
        if value.isascii() and value.isdigit():
            try:
                cohort_id = check_id(value, "cohort")
            except LookupError:
                cohort_id = None
            found = cur.execute("SELECT id FROM cohorts WHERE id = ?", [cohort_id]).fetchone() if cohort_id else None
        else:
            found = cur.execute("SELECT id FROM cohorts WHERE lower(name) = lower(?)", [value]).fetchone()
    if found is None:
        raise SystemExit(f"No cohort {value!r} (give its id or its exact name).")
    return int(found[0])


def _day(text: str) -> date:
    """A command-line date: YYYY-MM-DD, or a message saying how to write one (argparse shows it, no traceback)."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write it as YYYY-MM-DD, for example 2026-03-31.") \
            from None
    if not 1900 <= day.year <= 2199:
        raise argparse.ArgumentTypeError(f"{text} is out of range (1900 to 2199). Leave --since or --until out "
                                         "to export from the beginning or up to now.")
    return day


# The command line runs in a process of its own, so it gives DuckDB a memory budget: the database's
# cache of the tables it reads and the slices' sorting stay within it (what does not fit goes to a
# temporary folder beside the file). Without it a fresh process grew by 115-260 MB exporting 100,000
# students, with it by 55-90 MB, at 1.3-1.9 times DuckDB's own COPY of the same rows (bench/exports.py).
# The portal's own process serves everyone at once and keeps DuckDB's default.
COMMAND_LINE_MEMORY = "64MB"


def _bounded_export(db: Database, actor: Actor, kind: str, options: dict[str, Any]) -> Iterator[bytes]:
    """export_csv within COMMAND_LINE_MEMORY on DuckDB. An export that cannot be done within it
    (DuckDB says it is out of memory before the first byte is written) is made again without it."""
    if dialect.is_postgres(db):  # the server's memory is the database administrator's to set
        return export_csv(db, actor, kind, **options)
    with db.cursor() as cur:
        # One thread: each of DuckDB's threads works on its own share of a slice, with memory of its own.
        cur.execute(f"SET memory_limit = '{COMMAND_LINE_MEMORY}'")
        cur.execute("SET threads = 1")
    chunks = export_csv(db, actor, kind, **options)
    try:
        first = next(chunks)
    except duckdb.OutOfMemoryException:
        print(f"The export needed more than {COMMAND_LINE_MEMORY} of memory; making it again without that limit.",
              file=sys.stderr)
        with db.cursor() as cur:
            cur.execute("RESET memory_limit")
            cur.execute("RESET threads")
        chunks = export_csv(db, actor, kind, **options)
        first = next(chunks)
    return itertools.chain([first], chunks)


@command
def main(argv: list[str] | None = None) -> int:
    """Write one export to a file (or standard output with --out -)."""
    parser = argparse.ArgumentParser(prog="portal export", description="Career-office CSV exports.")
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("--cohort", help="cohort id or exact name (default: every cohort)")
    parser.add_argument("--since", type=_day, help="first day, YYYY-MM-DD (inclusive)")
    parser.add_argument("--until", type=_day, help="last day, YYYY-MM-DD (inclusive)")
    parser.add_argument("--include-notes", action="store_true", help="add free-text notes (admins only)")
    parser.add_argument("--for-outside", dest="purpose", metavar="PURPOSE",
                        help="the file is for someone outside the institution: who receives it and why (recorded)")
    parser.add_argument("--as", dest="username", help="export as this counselor or admin (default: the career office)")
    parser.add_argument("--db", help="database file or postgresql:// URL (default: the portal's configured database)")
    parser.add_argument("--out", required=True, help="file to write, or - for standard output")
    args = parser.parse_args(argv)

    path = args.db or get_settings().database_location
    if not dialect.is_postgres_url(path) and not Path(path).exists():
        raise SystemExit(f"{path}: no database there (give --db, or set the portal's database path).")
    db = open_for_command(path)
    if db is None:
        return 2
    try:
        actor = SYSTEM
        if args.username:
            user_id = None if _unreadable(args.username) else user_id_for_username(db, args.username)
            actor = load_actor(db, user_id) if user_id is not None else None
            if actor is None:
                raise SystemExit(f"No active account {args.username!r}.")
        try:
            purpose = disclosures.purpose_for(args.purpose is not None, args.purpose)
        except ExportError as exc:
            raise SystemExit(str(exc)) from None
        # The file leaves the portal: recorded as taken out, from the command line (no browser address).
        options = dict(cohort_id=_resolve_cohort(db, args.cohort), since=args.since, until=args.until,
                       include_notes=args.include_notes, disclose=True, purpose=purpose,
                       address=disclosures.COMMAND_LINE)
        try:
            chunks = _bounded_export(db, actor, args.kind, options)  # refused here, before a file is created
        except (AccessDenied, LookupError, ValueError) as exc:
            raise SystemExit(str(exc)) from exc
        try:
            out = sys.stdout.buffer if args.out == "-" else open(args.out, "wb")
        except OSError as exc:
            raise SystemExit(f"Cannot write {args.out}: {exc.strerror or exc}.") from None
        written = 0
        try:
            for chunk in chunks:
                out.write(chunk)
                written += len(chunk)
        finally:
            if out is not sys.stdout.buffer:
                out.close()
        if args.out != "-":
            print(f"Wrote {args.out} ({written:,} bytes).", file=sys.stderr)
    finally:
        db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
