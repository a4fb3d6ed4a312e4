"""Import a LinkedIn `Connections.csv` export as targets.

LinkedIn's export starts with a few "Notes:" lines (two or three, sometimes with blank lines),
then the header `First Name,Last Name,URL,Email Address,Company,Position,Connected On`; dates look
like `12 Mar 2024` (older exports: `7-Feb-22`, `2024-03-12`, `03/12/2024`), emails are usually
blank, company names may hold quoted commas, and the file may start with a byte-order mark. The
import is two steps: parse (a preview, nothing written), then import, which skips people already
in the list (same LinkedIn address, or same name and organization) and people repeated within the
file, and writes the rest in one transaction. A date that cannot be read is named in the preview.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from dateutil import parser as dateutil_parser
from pydantic import ValidationError

from core.campaign.contacts import linkedin_key
from core.clock import utcnow
from core.errors import ImportProblem
from core.identity.access import active_only, require_own_campaign
from core.models import Actor, ContactCreate, Source, describe
from core.store import events
from core.store.db import Cursor, Database, rows, rows_table

HEADER = ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"]
MAX_PREAMBLE_ROWS = 15
MAX_BYTES = 20 * 1024 * 1024
CHUNK = 1000
_INCOMING = rows_table([("first_name", "VARCHAR"), ("last_name", "VARCHAR"), ("organization", "VARCHAR"),
                        ("title", "VARCHAR"), ("email", "VARCHAR"), ("linkedin_url", "VARCHAR"),
                        ("connected_on", "DATE"), ("position", "INTEGER")])

# LinkedIn caps a member's connections at 30,000, so a longer file is not one person's export.
MAX_CONNECTIONS = 30_000
# No field of a LinkedIn export comes near this; a longer cell means the file is something else.
MAX_CELL = 10_000
TOO_LONG = ("One cell of the file holds more than {limit:,} characters; a LinkedIn export never does. Check that this "
            "is Connections.csv. Nothing was imported.")


@dataclass(frozen=True)
class Connection:
    """One person from the file, ready to become a target."""

    line: int
    first_name: str
    last_name: str
    linkedin_url: str | None
    email: str | None
    organization: str
    title: str
    connected_on: date | None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass
class ParsedFile:
    """What the file holds: importable people and the lines that could not be read."""

    connections: list[Connection]
    rejected: list[tuple[int, str]] = field(default_factory=list)
    # Lines whose "Connected On" could not be read as a date (the person is imported without one).
    undated: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class ImportResult:
    """What an import did: ids created and every person skipped with the reason."""

    imported_ids: list[int]
    skipped: list[tuple[str, str]]

    @property
    def imported(self) -> int:
        return len(self.imported_ids)


NOT_TEXT = ("This file is not a text CSV (UTF-8 or Windows-1252): it may be a spreadsheet, a picture or a file "
            "saved in another encoding. Export Connections.csv from LinkedIn again and upload it as it comes. "
            "Nothing was imported.")


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Older exports opened and re-saved in Excel come back as Windows-1252.
        text = data.decode("cp1252", errors="replace")
        if text.count("\ufffd") > max(8, len(text) // 100):
            raise ImportProblem(NOT_TEXT) from None
    # Text files hold no NUL or these control bytes; UTF-16 files and binaries (xlsx, images) do. A stray escape, bell
    # or backspace in a cell is the line's problem, told by the text rule (core/models.py), not the file's.
    if any(ch in text for ch in "\x00\x01\x02\x03\x04\x05\x06\x0b\x0e\x0f\x10\x1a"):
        raise ImportProblem(NOT_TEXT)
    return text


def _norm(cell: str) -> str:
    return " ".join(cell.replace("\ufeff", "").split()).lower()


def parse_connections(data: bytes) -> ParsedFile:
    """Read a Connections.csv export; ImportProblem if it is empty, too big or not that file."""
    if not data or not data.strip():
        raise ImportProblem("The file is empty. Export your connections from LinkedIn and choose Connections.csv.")
    if len(data) > MAX_BYTES:
        raise ImportProblem("The file is larger than 20 MB; that is not a LinkedIn connections export.")
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    wanted = [_norm(h) for h in HEADER]
    columns: dict[str, int] | None = None
    try:
        for index, cells in enumerate(reader):
            if index >= MAX_PREAMBLE_ROWS:
                break
            normalized = [_norm(c) for c in cells]
            if all(w in normalized for w in wanted):
                columns = {h: normalized.index(w) for h, w in zip(HEADER, wanted, strict=False)}
                break
        if columns is None:
            raise ImportProblem(
                "This does not look like LinkedIn's Connections.csv: no header line with "
                + ", ".join(HEADER) + " was found near the top of the file. Nothing was imported.")
        connections: list[Connection] = []
        rejected: list[tuple[int, str]] = []
        undated: list[tuple[int, str]] = []
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if any(len(c) > MAX_CELL for c in cells):
                raise ImportProblem(TOO_LONG.format(limit=MAX_CELL))
            if len(connections) + len(rejected) >= MAX_CONNECTIONS:
                raise ImportProblem(f"The file lists more than {MAX_CONNECTIONS:,} people; LinkedIn allows at most "
                                    f"{MAX_CONNECTIONS:,} connections, so this is not one Connections.csv export. "
                                    "Nothing was imported.")

            def cell(name: str) -> str:
                i = columns[name]
                return cells[i].strip() if i < len(cells) else ""

            first, last = cell("First Name"), cell("Last Name")
            if not first and not last:
                rejected.append((line, "no name"))
                continue
            if not first:
                first, last = last, ""
            connected = None
            if cell("Connected On"):
                connected = _parse_date(cell("Connected On"))
                if connected is None:
                    undated.append((line, cell("Connected On")[:40]))
            url = cell("URL") or None
            email = cell("Email Address") or None
            try:
                checked = ContactCreate(first_name=first[:100], last_name=last[:100],
                                        organization=cell("Company")[:200], title=cell("Position")[:200],
                                        email=email, linkedin_url=url, source=Source.LINKEDIN, connected_on=connected)
            except ValidationError as exc:
                # A bad email or address is dropped rather than losing the person.
                try:
                    checked = ContactCreate(first_name=first[:100], last_name=last[:100],
                                            organization=cell("Company")[:200], title=cell("Position")[:200],
                                            source=Source.LINKEDIN, connected_on=connected)
                except ValidationError:
                    rejected.append((line, describe(exc)))
                    continue
            connections.append(Connection(line, checked.first_name, checked.last_name, checked.linkedin_url,
                                          checked.email, checked.organization, checked.title, checked.connected_on))
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise ImportProblem(TOO_LONG.format(limit=MAX_CELL)) from exc
        raise ImportProblem(f"The file could not be read as CSV ({exc}). Nothing was imported.") from exc
    if not connections and not rejected:
        raise ImportProblem("The file has LinkedIn's header but no connections under it. Nothing was imported.")
    return ParsedFile(connections, rejected, undated)


# Two different defaults: a date that reads the same under both named its day, month and year itself
# (dateutil fills what a text leaves out from the default, so "Mar 2024" alone would become a 1st).
_DEFAULTS = (datetime(2000, 1, 1), datetime(2001, 2, 2))


def _parse_date(value: str) -> date | None:
    """The date a LinkedIn export wrote, in any of the formats it has used; None for text that names no
    whole, real date (`30 Feb 2024`, `soon`, a month alone)."""
    try:
        first, second = (dateutil_parser.parse(value, default=d) for d in _DEFAULTS)
    except (ValueError, OverflowError):
        return None
    if first != second or not 1900 <= first.year <= 2199:
        return None
    return first.date()


# One rule for "the same LinkedIn address", shared with the manual add's duplicate check.
_url_key = linkedin_key


def _name_key(first: str, last: str, organization: str) -> tuple[str, str]:
    return (_norm(f"{first} {last}"), _norm(organization))


def split_duplicates(existing: list[dict],
                     connections: list[Connection]) -> tuple[list[Connection], list[tuple[str, str]]]:
    """(people to import, [(name, reason)] skipped) against the student's list and within the file."""
    urls = {_url_key(e["linkedin_url"]) for e in existing if e["linkedin_url"]}
    names = {_name_key(e["first_name"], e["last_name"], e["organization"]) for e in existing}
    seen_urls: set[str] = set()
    seen_names: set[tuple[str, str]] = set()
    fresh: list[Connection] = []
    skipped: list[tuple[str, str]] = []
    for c in connections:
        url, name = _url_key(c.linkedin_url), _name_key(c.first_name, c.last_name, c.organization)
        if (url and url in urls) or name in names:
            skipped.append((c.full_name, "already in your list"))
        elif (url and url in seen_urls) or name in seen_names:
            skipped.append((c.full_name, f"repeated in the file (line {c.line})"))
        else:
            fresh.append(c)
            if url:
                seen_urls.add(url)
            seen_names.add(name)
    return fresh, skipped


@active_only
def preview(db: Database, actor: Actor, parsed: ParsedFile) -> tuple[list[Connection], list[tuple[str, str]]]:
    """What an import would do now: (new people, skipped with reasons). Writes nothing."""
    require_own_campaign(actor, actor.user_id)
    with db.cursor() as cur:
        existing = _existing(cur, actor.user_id)
    fresh, skipped = split_duplicates(existing, parsed.connections)
    return fresh, skipped + [(f"line {line}", reason) for line, reason in parsed.rejected]


def _existing(cur: Cursor, student_id: int) -> list[dict]:
    # Archived contacts count: re-importing should not bring back someone the student set aside.
    return rows(cur, "SELECT first_name, last_name, organization, linkedin_url FROM contacts WHERE student_id = ?",
                [student_id])


@active_only
def import_connections(
    db: Database, actor: Actor, parsed: ParsedFile, *, focus_occupation_id: int | None = None,
    progress: Callable[[float], None] | None = None, now: datetime | None = None,
) -> ImportResult:
    """Add the file's new people as targets of the acting student, in one transaction.

    Duplicates are worked out again inside the transaction, so two imports at once cannot add the
    same person twice. `progress` is called with the fraction done as chunks are written.
    """
    require_own_campaign(actor, actor.user_id)
    now = now or utcnow()

    def work(cur: Cursor) -> ImportResult:
        # Results are fetched in full (rows, not scalar): DuckDB refuses register() while a result is open.
        if focus_occupation_id is not None and not rows(
            cur, "SELECT id FROM focus_occupations WHERE id = ? AND student_id = ?",
            [focus_occupation_id, actor.user_id],
        ):
            raise ImportProblem("Pick one of your own focus occupations.")
        fresh, skipped = split_duplicates(_existing(cur, actor.user_id), parsed.connections)
        skipped += [(f"line {line}", reason) for line, reason in parsed.rejected]
        created: list[int] = []
        cohort = rows(cur, "SELECT cohort_id FROM cohort_members WHERE student_id = ?", [actor.user_id])
        cohort_id = cohort[0]["cohort_id"] if cohort else None
        detail = json.dumps({"source": Source.LINKEDIN.value, "via": "linkedin_import"}, sort_keys=True)
        for start in range(0, len(fresh), CHUNK):
            chunk = fresh[start:start + CHUNK]
            new_ids = [r[0] for r in cur.execute(
                f"""INSERT INTO contacts (student_id, first_name, last_name, organization, title, field,
                                          focus_occupation_id, source, source_detail, email, linkedin_url, priority,
                                          connected_on, created_at, updated_at)
                    SELECT ?, first_name, last_name, organization, title, '', ?, 'linkedin', 'Connections.csv',
                           email, linkedin_url, 2, connected_on, ?, ?
                    FROM ({_INCOMING}) AS incoming_connections ORDER BY position
                    RETURNING id""",
                [actor.user_id, focus_occupation_id, now, now,
                 [c.first_name for c in chunk], [c.last_name for c in chunk], [c.organization for c in chunk],
                 [c.title for c in chunk], [c.email for c in chunk], [c.linkedin_url for c in chunk],
                 [c.connected_on for c in chunk], list(range(start, start + len(chunk)))]).fetchall()]
            # One event per new contact, as create_contact would record, written in one statement.
            cur.execute(
                """INSERT INTO events (occurred_at, actor_id, student_id, cohort_id, contact_id, entity_type,
                                       entity_id, action, detail)
                   SELECT ?, ?, ?, ?, id, 'contact', id, 'imported', ?
                   FROM contacts WHERE id IN (SELECT unnest(CAST(? AS BIGINT[])))""",
                [now, actor.user_id, actor.user_id, cohort_id, detail, new_ids])
            events.student_acted(cur, actor.user_id, now)
            created.extend(new_ids)
            if progress is not None:
                progress(min(1.0, (start + len(chunk)) / max(len(fresh), 1)))
        if progress is not None and not fresh:
            progress(1.0)
        return ImportResult(sorted(created), skipped)

    return db.transaction(work)
