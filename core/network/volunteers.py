"""The institution's network: the career office's volunteer directory, and care for people many students ask.

Volunteers are alumni and employer friends who agreed to talk with students. They have no account:
the career office keeps them (by hand or from a CSV, previewed line by line like the roster), and
students browse them, filtered by their focus occupations, and add one as a target in one click,
with the introduction template drafted. Each volunteer accepts so many conversations a term; one
who has them all shows as full, and cannot be added again until the next term.

Several students of one institution often write to the same few people. When a student's target is
already a contact of other students this term, the student is told how many (never who) and what
to do instead; the career office sees the most-asked people and organizations and may cap how many
students ask one person in a term.

"This term" is one definition (`term_window`): from the earliest start to the latest end of the
active cohorts whose term holds today, or the last 120 days when none does. A person is named the
way the duplicate check of a student's own list names them (core.campaign.contacts.find_duplicate): the
same email, the same LinkedIn address, or the same name at the same organization.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from core.campaign.contacts import _norm, duplicate_message, find_duplicate, insert_contact, linkedin_key
from core.campaign.merge_fields import fill, values_for
from core.campaign.outreach import create_draft
from core.clock import utcnow
from core.errors import DuplicateRecord, NetworkError, NotFound
from core.identity.access import active_only, require_role
from core.models import (
    Actor,
    Channel,
    ContactCreate,
    ContactPreference,
    OutreachCreate,
    Role,
    Source,
    VolunteerCreate,
    name_problem,
    searchable,
    text_problem,
)
from core.rules import facts
from core.store import events, idempotency, versioning
from core.store.csv_input import PERSON_HEADERS, formula_like, read_records, split_name
from core.store.db import Cursor, Database, row, rows, scalar

TERM_FALLBACK_DAYS = 120


# ---------------------------------------------------------------- this term, and who a person is


def term_window(cur: Cursor, now: datetime) -> tuple[datetime, datetime]:
    """'This term' for counts across the institution, as [start, end) timestamps."""
    found = row(cur, """SELECT min(term_start) AS start, max(term_end) AS finish FROM cohorts
                        WHERE archived_at IS NULL AND term_start <= CAST(? AS DATE) AND term_end >= CAST(? AS DATE)""",
                [now, now])
    if found and found["start"] is not None:
        start = datetime.combine(found["start"], datetime.min.time())
        return start, datetime.combine(found["finish"], datetime.min.time()) + timedelta(days=1)
    return now - timedelta(days=TERM_FALLBACK_DAYS), now + timedelta(days=1)


def _words(column: str) -> str:
    # Python's " ".join(text.split()).lower() (core.campaign.contacts._norm), in SQL.
    return f"lower(regexp_replace(trim(coalesce({column}, '')), '\\s+', ' ', 'g'))"


SQL_EMAIL_KEY = "nullif(lower(trim(coalesce(c.email, ''))), '')"
SQL_LINKEDIN_KEY = ("nullif(rtrim(replace(replace(lower(trim(coalesce(c.linkedin_url, ''))), 'http://', 'https://'), "
                    "'://linkedin.', '://www.linkedin.'), '/'), '')")
SQL_NAME_KEY = (f"CASE WHEN {_words('c.organization')} = '' THEN NULL ELSE "
                f"{_words('c.first_name')} || '|' || {_words('c.last_name')} || '|' || {_words('c.organization')} END")
SQL_PERSON_KEY = (f"CASE WHEN {SQL_EMAIL_KEY} IS NOT NULL THEN 'email:' || {SQL_EMAIL_KEY} "
                  f"WHEN {SQL_LINKEDIN_KEY} IS NOT NULL THEN 'linkedin:' || {SQL_LINKEDIN_KEY} "
                  f"ELSE 'name:' || {SQL_NAME_KEY} END")
"""A contact `c`'s person key: its email, else its LinkedIn address, else its name at its organization."""


@dataclass(frozen=True)
class PersonKeys:
    """The ways a person can be recognised across students' lists (None where the record lacks one)."""

    email: str | None
    linkedin: str | None
    name: str | None

    @property
    def key(self) -> str | None:
        """The one key a person is counted under (SQL_PERSON_KEY's Python twin)."""
        if self.email:
            return f"email:{self.email}"
        if self.linkedin:
            return f"linkedin:{self.linkedin}"
        return f"name:{self.name}" if self.name else None

    @property
    def all(self) -> list[str]:
        return [k for k in (f"email:{self.email}" if self.email else None,
                            f"linkedin:{self.linkedin}" if self.linkedin else None,
                            f"name:{self.name}" if self.name else None) if k]


def person_keys(*, email: str | None, linkedin_url: str | None, first_name: str | None, last_name: str | None,
                organization: str | None) -> PersonKeys:
    """A person's keys from a contact's fields (the same reduction as SQL_*_KEY)."""
    org = _norm(organization)
    return PersonKeys(
        email=(email or "").strip().lower() or None,
        linkedin=linkedin_key(linkedin_url),
        name=f"{_norm(first_name)}|{_norm(last_name)}|{org}" if org else None,
    )


# ---------------------------------------------------------------- care for over-asked people


@dataclass(frozen=True)
class Demand:
    """How many other students asked a person this term, and the career office's cap for them."""

    other_students: int
    cap: int | None

    @property
    def capped(self) -> bool:
        return self.cap is not None and self.other_students >= self.cap

    def notice(self) -> str | None:
        """What the student is told (a count, never who), or None when nobody else asked."""
        if self.capped:
            return ("Asked often this term: talk to your counselor first. "
                    f"{_students(self.other_students)} at your institution already reached out to this person "
                    "this term, and the career office asks that nobody else does without a word with a counselor.")
        if self.other_students:
            return (f"{_students(self.other_students)} at your institution already reached out to this person this "
                    "term. Busy people get many requests: coordinate through your counselor, or ask someone "
                    "else at the same organization.")
        return None


def _students(n: int) -> str:
    return "1 other student" if n == 1 else f"{n} other students"


def _demand(cur: Cursor, student_id: int, keys: PersonKeys, now: datetime, *,
            exclude_contact: int | None = None) -> Demand:
    if not keys.all:
        return Demand(0, None)
    start, end = term_window(cur, now)
    # One branch per key, each filtered on its own: the name's regular expressions then only run on the
    # rows with that last name, instead of on every contact of the term.
    scope = ("FROM contacts c JOIN users u ON u.id = c.student_id AND u.active WHERE c.student_id <> ? "
             "AND c.archived_at IS NULL AND c.created_at >= ? AND c.created_at < ? AND c.id IS DISTINCT FROM ?")
    scope_params = [student_id, start, end, exclude_contact]
    branches, params = [], []
    if keys.email:
        branches.append(f"SELECT c.student_id {scope} AND c.email IS NOT NULL AND {SQL_EMAIL_KEY} = ?")
        params += [*scope_params, keys.email]
    if keys.linkedin:
        branches.append(f"SELECT c.student_id {scope} AND c.linkedin_url IS NOT NULL AND {SQL_LINKEDIN_KEY} = ?")
        params += [*scope_params, keys.linkedin]
    if keys.name:
        last = keys.name.split("|")[1]
        branches.append(f"SELECT c.student_id {scope} AND lower(c.last_name) LIKE ? ESCAPE '\\' AND {SQL_NAME_KEY} = ?")
        params += [*scope_params, f"%{_like(last)}%" if last else "%", keys.name]
    others = scalar(cur, f"SELECT count(DISTINCT student_id) FROM ({' UNION ALL '.join(branches)}) AS asked",
                    params) or 0
    return Demand(int(others), _cap_for(cur, keys))


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _cap_for(cur: Cursor, keys: PersonKeys) -> int | None:
    placeholders = ", ".join("?" for _ in keys.all)
    own = scalar(cur, f"SELECT min(cap) FROM person_caps WHERE person_key IN ({placeholders})", keys.all)
    if own is not None:
        return int(own)
    default = scalar(cur, "SELECT default_person_cap FROM network_settings WHERE id = 1")
    return None if default is None else int(default)


@active_only
def demand_for_new(db: Database, actor: Actor, data: ContactCreate, *, now: datetime | None = None) -> Demand:
    """How many other students asked the person a student is about to add, this term (students only)."""
    require_role(actor, Role.STUDENT)
    keys = person_keys(email=data.email, linkedin_url=data.linkedin_url, first_name=data.first_name,
                       last_name=data.last_name, organization=data.organization)
    with db.cursor() as cur:
        return _demand(cur, actor.user_id, keys, now or utcnow())


@active_only
def demand_for_contact(db: Database, actor: Actor, contact_id: int, *, now: datetime | None = None) -> Demand:
    """How many other students asked one of the student's own contacts, this term (the student only)."""
    require_role(actor, Role.STUDENT)
    with db.cursor() as cur:
        c = row(cur, """SELECT id, email, linkedin_url, first_name, last_name, organization FROM contacts
                        WHERE id = ? AND student_id = ?""", [contact_id, actor.user_id])
        if c is None:
            raise NotFound("No such contact.")
        keys = person_keys(email=c["email"], linkedin_url=c["linkedin_url"], first_name=c["first_name"],
                           last_name=c["last_name"], organization=c["organization"])
        return _demand(cur, actor.user_id, keys, now or utcnow(), exclude_contact=contact_id)


def most_asked_people(db: Database, actor: Actor, *, now: datetime | None = None,
                      limit: int = 50) -> list[dict[str, Any]]:
    """The people most students asked this term, with their cap (the career office only)."""
    require_role(actor, Role.ADMIN)
    with db.cursor() as cur:
        start, end = term_window(cur, now or utcnow())
        found = rows(cur, f"""
            WITH asked AS (
                SELECT {SQL_PERSON_KEY} AS person_key, c.student_id, c.first_name, c.last_name, c.organization
                FROM contacts c JOIN users u ON u.id = c.student_id AND u.active
                WHERE c.archived_at IS NULL AND c.created_at >= ? AND c.created_at < ?)
            SELECT person_key, count(DISTINCT student_id) AS students, count(*) AS contacts,
                   min(first_name || ' ' || last_name) AS name, min(organization) AS organization
            FROM asked WHERE person_key IS NOT NULL
            GROUP BY person_key HAVING count(DISTINCT student_id) > 1
            ORDER BY students DESC, person_key LIMIT ?""", [start, end, int(limit)])
        caps = {r["person_key"]: r["cap"] for r in rows(cur, "SELECT person_key, cap FROM person_caps")}
        default = scalar(cur, "SELECT default_person_cap FROM network_settings WHERE id = 1")
    for f in found:
        f["own_cap"] = caps.get(f["person_key"])
        f["cap"] = f["own_cap"] if f["own_cap"] is not None else default
        f["capped"] = f["cap"] is not None and f["students"] >= f["cap"]
    return found


def most_asked_organizations(db: Database, actor: Actor, *, now: datetime | None = None,
                             limit: int = 30) -> list[dict[str, Any]]:
    """The organizations most students wrote to this term (the career office only)."""
    require_role(actor, Role.ADMIN)
    with db.cursor() as cur:
        start, end = term_window(cur, now or utcnow())
        return rows(cur, f"""
            SELECT min(c.organization) AS organization, count(DISTINCT c.student_id) AS students,
                   count(DISTINCT {SQL_PERSON_KEY}) AS people
            FROM contacts c JOIN users u ON u.id = c.student_id AND u.active
            WHERE c.archived_at IS NULL AND c.created_at >= ? AND c.created_at < ? AND trim(c.organization) <> ''
            GROUP BY {_words('c.organization')} HAVING count(DISTINCT c.student_id) > 1
            ORDER BY students DESC, organization LIMIT ?""", [start, end, int(limit)])


def set_person_cap(db: Database, actor: Actor, person_key: str, label: str, cap: int | None, *,
                   now: datetime | None = None) -> None:
    """Cap how many students may ask one person this term, or lift the cap with None (the career office only)."""
    require_role(actor, Role.ADMIN)
    now = now or utcnow()
    if not isinstance(person_key, str) or person_key.split(":", 1)[0] not in ("email", "linkedin", "name") \
            or len(person_key) > 600 or text_problem(person_key):
        raise NetworkError("That person cannot be capped: pick them from the list of people asked this term.")
    if cap is not None and not 1 <= int(cap) <= 1000:
        raise NetworkError("A cap is a number of students from 1 to 1,000.")
    # The label only names the person in lists (their name as students wrote it): cleaned, never a reason to refuse.
    label = searchable(label, limit=300)

    def work(cur: Cursor) -> None:
        cur.execute("DELETE FROM person_caps WHERE person_key = ?", [person_key])
        if cap is not None:
            cur.execute("INSERT INTO person_caps (person_key, label, cap, set_by, set_at) VALUES (?, ?, ?, ?, ?)",
                        [person_key, label, int(cap), actor.user_id, now])
        events.record(cur, actor, "person_capped" if cap is not None else "person_cap_lifted", "network",
                      detail={"label": label, "cap": cap}, now=now)

    db.transaction(work)


def network_settings(db: Database) -> dict[str, Any]:
    """The institution's network settings (default cap None: off)."""
    with db.cursor() as cur:
        found = row(cur, "SELECT default_person_cap FROM network_settings WHERE id = 1")
    return {"default_person_cap": found["default_person_cap"] if found else None}


def set_default_cap(db: Database, actor: Actor, cap: int | None, *, now: datetime | None = None) -> None:
    """The cap for every person without one of their own, or None for no default cap (the career office only)."""
    require_role(actor, Role.ADMIN)
    now = now or utcnow()
    if cap is not None and not 1 <= int(cap) <= 1000:
        raise NetworkError("A cap is a number of students from 1 to 1,000.")

    def work(cur: Cursor) -> None:
        cur.execute("""INSERT INTO network_settings (id, default_person_cap, updated_by, updated_at) VALUES (1, ?, ?, ?)
                       ON CONFLICT (id) DO UPDATE SET default_person_cap = excluded.default_person_cap,
                       updated_by = excluded.updated_by, updated_at = excluded.updated_at""",
                    [None if cap is None else int(cap), actor.user_id, now])
        events.record(cur, actor, "default_cap_set", "network", detail={"cap": cap}, now=now)

    db.transaction(work)


# ---------------------------------------------------------------- the volunteer directory (career office)

VOLUNTEER_FIELDS = ("first_name", "last_name", "email", "organization", "title", "occupation", "topics",
                    "contact_preference", "linkedin_url", "capacity_per_term", "active")


CAPACITY_MESSAGE = "Capacity is a whole number of 0 or more"
_WHOLE = re.compile(r"\+?[0-9]+(?:\.0+)?")  # 3, +3 and 3.0 (as spreadsheets write it) are three conversations
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)")


def capacity_problem(value: Any) -> str | None:
    """CAPACITY_MESSAGE when a capacity (conversations per term) is not a whole number of 0 or more, else None."""
    if isinstance(value, bool):
        return CAPACITY_MESSAGE
    if isinstance(value, int):
        return None if value >= 0 else CAPACITY_MESSAGE
    return None if _WHOLE.fullmatch(str(value).strip()) else CAPACITY_MESSAGE


def _capacity(text: str) -> int:
    return int(float(text.strip()))


def _check_capacity(data: VolunteerCreate) -> None:
    # The model refuses it too; a VolunteerCreate made with model_construct skips the model's checks.
    if problem := capacity_problem(data.capacity_per_term):
        raise NetworkError(problem + ".")


def _formula_cells(record: dict[str, Any], columns: list[str]) -> list[str]:
    """The cells a spreadsheet would run as a formula: text that starts with =, +, - or @ (or a tab) and is
    not a number; -1 or +3 is a number to a spreadsheet, and a bad capacity gets its own message."""
    return [c for c in formula_like(record, columns) if not _NUMBER.fullmatch(str(record.get(c) or ""))]


def _values(data: VolunteerCreate) -> list[Any]:
    return [data.first_name, data.last_name, data.email, data.organization, data.title, data.occupation, data.topics,
            data.contact_preference.value, data.linkedin_url, data.capacity_per_term, data.active]


def _email_taken(cur: Cursor, email: str, exclude_id: int | None = None) -> int | None:
    return scalar(cur, "SELECT id FROM volunteers WHERE lower(email) = ? AND id IS DISTINCT FROM ?",
                  [email.lower(), exclude_id])


def add_volunteer(db: Database, actor: Actor, data: VolunteerCreate, *, now: datetime | None = None,
                  idempotency_key: str | None = None) -> int:
    """Add a volunteer to the directory, once per form render (the career office only)."""
    require_role(actor, Role.ADMIN)
    _check_capacity(data)
    now = now or utcnow()

    def work(cur: Cursor) -> int:
        existing = _email_taken(cur, data.email)
        if existing is not None:
            raise DuplicateRecord("A volunteer with this email is already in the directory; edit that one instead.",
                                  existing)
        new_id = scalar(cur, f"""INSERT INTO volunteers ({", ".join(VOLUNTEER_FIELDS)}, created_by, created_at,
                                                         updated_at)
                                 VALUES ({", ".join("?" for _ in VOLUNTEER_FIELDS)}, ?, ?, ?) RETURNING id""",
                        [*_values(data), actor.user_id, now, now])
        events.record(cur, actor, "created", "volunteer", entity_id=new_id, now=now)
        return new_id

    return idempotency.create_once(db, actor, idempotency_key, "volunteer", work, now=now)


def update_volunteer(db: Database, actor: Actor, volunteer_id: int, data: VolunteerCreate, *,
                     expected_version: int | None = None, original: dict[str, Any] | None = None,
                     now: datetime | None = None) -> None:
    """Edit a volunteer; a save from a stale form is refused with what changed (the career office only)."""
    require_role(actor, Role.ADMIN)
    _check_capacity(data)
    now = now or utcnow()

    def work(cur: Cursor) -> None:
        found = row(cur, "SELECT * FROM volunteers WHERE id = ?", [volunteer_id])
        if found is None:
            raise NotFound("No such volunteer.")
        versioning.check(found, expected_version, what="volunteer", fields=VOLUNTEER_FIELDS, original=original)
        if _email_taken(cur, data.email, volunteer_id) is not None:
            raise NetworkError("Another volunteer in the directory has this email.")
        cur.execute(f"""UPDATE volunteers SET {", ".join(f"{f} = ?" for f in VOLUNTEER_FIELDS)},
                        updated_at = ?, version = version + 1 WHERE id = ?""", [*_values(data), now, volunteer_id])
        events.record(cur, actor, "edited", "volunteer", entity_id=volunteer_id, now=now)

    db.transaction(work)


def set_volunteer_active(db: Database, actor: Actor, volunteer_id: int, active: bool, *,
                         now: datetime | None = None) -> None:
    """Pause a volunteer (students no longer see them) or take them back (the career office only)."""
    require_role(actor, Role.ADMIN)
    now = now or utcnow()

    def work(cur: Cursor) -> None:
        if row(cur, "SELECT id FROM volunteers WHERE id = ?", [volunteer_id]) is None:
            raise NotFound("No such volunteer.")
        cur.execute("UPDATE volunteers SET active = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                    [bool(active), now, volunteer_id])
        events.record(cur, actor, "resumed" if active else "paused", "volunteer", entity_id=volunteer_id, now=now)

    db.transaction(work)


@active_only
def get_volunteer(db: Database, actor: Actor, volunteer_id: int) -> dict[str, Any]:
    """One volunteer as stored, for the edit form (the career office only)."""
    require_role(actor, Role.ADMIN)
    with db.cursor() as cur:
        found = row(cur, "SELECT * FROM volunteers WHERE id = ?", [volunteer_id])
    if found is None:
        raise NotFound("No such volunteer.")
    return found


_REQUESTS_THIS_TERM = """
requests AS (
    SELECT r.volunteer_id, r.contact_id, r.student_id FROM volunteer_requests r
    JOIN contacts c ON c.id = r.contact_id AND c.archived_at IS NULL
    WHERE r.created_at >= ? AND r.created_at < ?)"""
"""A volunteer's requests this term: contacts made from the directory this term that the student still keeps
(archiving one gives its place back). Takes the term's start and end."""


@active_only
def volunteer_report(db: Database, actor: Actor, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """Every volunteer with this term's requests, meetings held and thank-yous received on time
    (the career office only)."""
    require_role(actor, Role.ADMIN)
    now = now or utcnow()
    with db.cursor() as cur:
        start, end = term_window(cur, now)
        return rows(cur, f"""
            WITH {facts.NOW}, {_REQUESTS_THIS_TERM},
            sc AS (SELECT DISTINCT student_id FROM requests){facts.ctes(facts.THANK_STATUS)},
            held AS (SELECT r.volunteer_id, count(*) AS meetings_held,
                            count(*) FILTER (WHERE t.sent_at IS NOT NULL AND t.sent_at <= t.due_at) AS thanked_on_time
                     FROM requests r JOIN thank_status t ON t.contact_id = r.contact_id
                     GROUP BY r.volunteer_id),
            asked AS (SELECT volunteer_id, count(*) AS requests FROM requests GROUP BY volunteer_id)
            SELECT v.id, v.first_name, v.last_name, v.email, v.organization, v.title, v.occupation, v.topics,
                   v.contact_preference, v.capacity_per_term, v.active, v.version,
                   coalesce(a.requests, 0) AS requests, coalesce(h.meetings_held, 0) AS meetings_held,
                   coalesce(h.thanked_on_time, 0) AS thanked_on_time,
                   coalesce(a.requests, 0) >= v.capacity_per_term AS is_full
            FROM volunteers v LEFT JOIN asked a ON a.volunteer_id = v.id LEFT JOIN held h ON h.volunteer_id = v.id
            ORDER BY v.last_name, v.first_name, v.id""", [now, start, end])


# ---------------------------------------------------------------- the directory, for students


def directory(db: Database, actor: Actor, *, search: str = "", focus_only: bool = True,
              now: datetime | None = None) -> list[dict[str, Any]]:
    """The volunteers a student may ask: active ones, those full this term marked, not hidden (students only).

    By default only those whose occupation matches one of the student's focus occupations (either
    name within the other, case ignored); `search` looks in the name, organization, occupation and topics.
    """
    require_role(actor, Role.STUDENT)
    now = now or utcnow()
    needle = searchable(search).lower()
    with db.cursor() as cur:
        start, end = term_window(cur, now)
        found = rows(cur, f"""
            WITH {_REQUESTS_THIS_TERM},
            asked AS (SELECT volunteer_id, count(*) AS requests FROM requests GROUP BY volunteer_id),
            focus AS (SELECT id, lower(trim(name)) AS name FROM focus_occupations
                      WHERE student_id = ? AND trim(name) <> ''),
            mine AS (SELECT r.volunteer_id, min(r.contact_id) AS contact_id FROM volunteer_requests r
                     JOIN contacts c ON c.id = r.contact_id WHERE r.student_id = ? GROUP BY r.volunteer_id)
            SELECT v.id, v.first_name, v.last_name, v.organization, v.title, v.occupation, v.topics,
                   v.contact_preference, v.capacity_per_term,
                   coalesce(a.requests, 0) >= v.capacity_per_term AS is_full,
                   (SELECT min(f.id) FROM focus f WHERE v.occupation <> '' AND
                        (strpos(lower(v.occupation), f.name) > 0 OR strpos(f.name, lower(v.occupation)) > 0))
                       AS focus_occupation_id,
                   mine.contact_id AS my_contact_id
            FROM volunteers v LEFT JOIN asked a ON a.volunteer_id = v.id
            LEFT JOIN mine ON mine.volunteer_id = v.id
            WHERE v.active AND (? = '' OR strpos(lower(v.first_name || ' ' || v.last_name || ' ' || v.organization
                                                   || ' ' || v.occupation || ' ' || v.topics || ' ' || v.title), ?) > 0)
            ORDER BY is_full, v.organization, v.last_name, v.id""",
                     [start, end, actor.user_id, actor.user_id, needle, needle])
    if focus_only:
        found = [f for f in found if f["focus_occupation_id"] is not None]
    return found


@dataclass
class AddedVolunteer:
    """What adding a volunteer as a target made: the contact and its drafted introduction."""

    contact_id: int
    draft_id: int | None
    demand: Demand = field(default_factory=lambda: Demand(0, None))


INTRO_TEMPLATE = "template:request-volunteer"
"""The library entry the introduction is drafted from (seeds/content/templates.toml, editable by the career office)."""


def add_as_target(db: Database, actor: Actor, volunteer_id: int, *, idempotency_key: str | None = None,
                  now: datetime | None = None) -> AddedVolunteer:
    """Add a volunteer to the student's targets, with the introduction drafted from the career office's template.

    Refused when the volunteer is paused or full this term (two students taking the last place at
    once cannot both have it), or already in the student's list.
    """
    require_role(actor, Role.STUDENT)
    now = now or utcnow()

    def work(cur: Cursor) -> int:
        # Claiming first makes two requests for one volunteer conflict, so the second counts again.
        claimed = row(cur, """UPDATE volunteers SET requests_claimed = requests_claimed + 1 WHERE id = ? AND active
                              RETURNING first_name, last_name, email, organization, title, occupation,
                                        contact_preference, linkedin_url, capacity_per_term""", [volunteer_id])
        if claimed is None:
            raise NotFound("This volunteer is not in the directory any more.")
        start, end = term_window(cur, now)
        taken = scalar(cur, f"WITH {_REQUESTS_THIS_TERM} SELECT count(*) FROM requests WHERE volunteer_id = ?",
                       [start, end, volunteer_id])
        if taken >= claimed["capacity_per_term"]:
            raise NetworkError(f"{claimed['first_name']} {claimed['last_name']} is full this term: they have all the "
                               "conversations they offered. Pick another volunteer, or ask again next term.")
        focus = scalar(cur, """SELECT min(id) FROM focus_occupations WHERE student_id = ? AND trim(name) <> ''
                               AND ? <> '' AND (strpos(lower(?), lower(trim(name))) > 0
                                                OR strpos(lower(trim(name)), lower(?)) > 0)""",
                       [actor.user_id, claimed["occupation"], claimed["occupation"], claimed["occupation"]])
        data = ContactCreate(first_name=claimed["first_name"], last_name=claimed["last_name"],
                             organization=claimed["organization"], title=claimed["title"],
                             field=claimed["occupation"], focus_occupation_id=focus, source=Source.VOLUNTEER,
                             source_detail="Career office volunteer directory", email=claimed["email"],
                             linkedin_url=claimed["linkedin_url"])
        existing = find_duplicate(cur, actor.user_id, data)
        if existing is not None:
            raise DuplicateRecord(duplicate_message(existing), existing["id"])
        contact_id = insert_contact(cur, actor, data, now=now)
        cur.execute(
            "INSERT INTO volunteer_requests (contact_id, volunteer_id, student_id, created_at) VALUES (?, ?, ?, ?)",
            [contact_id, volunteer_id, actor.user_id, now])
        return contact_id

    contact_id = idempotency.create_once(db, actor, idempotency_key, "contact", work, now=now)
    with db.cursor() as cur:
        template = row(cur, """SELECT id, channel, subject, body FROM library_items
                               WHERE seed_key = ? AND retired_at IS NULL""", [INTRO_TEMPLATE])
        preference = scalar(cur, "SELECT contact_preference FROM volunteers WHERE id = ?", [volunteer_id])
    draft_id = None
    if template is not None:
        values = values_for(db, actor, contact_id)
        channel = Channel.LINKEDIN if preference == ContactPreference.LINKEDIN.value else Channel.EMAIL
        draft_id = create_draft(db, actor, contact_id, OutreachCreate(
            channel=channel, subject=fill(template["subject"], values) if channel == Channel.EMAIL else "",
            body=fill(template["body"], values), library_item_id=template["id"]),
            now=now, idempotency_key=None if idempotency_key is None else f"{idempotency_key}:intro")
    return AddedVolunteer(contact_id, draft_id, demand_for_contact(db, actor, contact_id, now=now))


# ---------------------------------------------------------------- importing the directory from a CSV

MAX_ROWS = 5_000
MAX_BYTES = 5 * 1024 * 1024

_HEADER_ALIASES = {
    **PERSON_HEADERS,
    "organization": "organization", "organisation": "organization", "company": "organization",
    "employer": "organization",
    "title": "title", "job_title": "title", "position": "title",
    "occupation": "occupation", "field": "occupation",
    "topics": "topics", "topic": "topics", "can_talk_about": "topics",
    "contact_preference": "contact_preference", "preferred_contact": "contact_preference",
    "contact_by": "contact_preference",
    "capacity": "capacity_per_term", "capacity_per_term": "capacity_per_term",
    "conversations_per_term": "capacity_per_term", "per_term": "capacity_per_term",
    "linkedin": "linkedin_url", "linkedin_url": "linkedin_url",
}
_NAME_COLUMNS = ("name", "first_name", "last_name")
_TEXT_COLUMNS = ["name", "first_name", "last_name", "email", "organization", "title", "occupation", "topics",
                 "contact_preference", "capacity_per_term", "linkedin_url"]
_PREFERENCES = {"": ContactPreference.EMAIL, "email": ContactPreference.EMAIL, "e-mail": ContactPreference.EMAIL,
                "linkedin": ContactPreference.LINKEDIN, "phone": ContactPreference.PHONE,
                "call": ContactPreference.PHONE, "video": ContactPreference.VIDEO, "zoom": ContactPreference.VIDEO,
                "teams": ContactPreference.VIDEO}


def _check_header(columns: list[str], header: list[str]) -> None:
    has_name = "name" in columns or "first_name" in columns
    missing = [] if has_name else ["name (or first_name and last_name)"]
    if "email" not in columns:
        missing.append("email")
    if missing:
        raise NetworkError(
            "The file lacks the column" + ("s " if len(missing) > 1 else " ") + ", ".join(missing)
            + ". Expected a header like: first_name,last_name,email,organization,title,occupation,topics,"
            f"contact_preference,capacity_per_term (found: {', '.join(h.strip() for h in header) or 'nothing'}).")


@dataclass
class VolunteerLine:
    """One line of a directory file and what importing it would do."""

    line: int
    values: dict[str, Any]
    action: str = "create"  # create | update | unchanged | reject
    reasons: list[str] = field(default_factory=list)
    volunteer_id: int | None = None
    changes: list[str] = field(default_factory=list)
    data: VolunteerCreate | None = None

    @property
    def why(self) -> str:
        return "; ".join(self.reasons) or ", ".join(self.changes)


@dataclass
class VolunteerPreview:
    """Every line of a directory file with its verdict."""

    lines: list[VolunteerLine]

    def count(self, action: str) -> int:
        return sum(1 for x in self.lines if x.action == action)

    def as_rows(self) -> list[dict[str, Any]]:
        """The preview as table rows for the page, the reason or change in words next to the verdict."""
        return [{"Line": x.line, "Action": x.action, "Why / what changes": x.why,
                 "Name": f"{x.values.get('first_name', '')} {x.values.get('last_name', '')}".strip(),
                 "Email": x.values.get("email", ""), "Organization": x.values.get("organization", ""),
                 "Occupation": x.values.get("occupation", ""),
                 "Per term": x.values.get("capacity_per_term", "")} for x in self.lines]


@active_only
def preview_import(db: Database, actor: Actor, data: bytes | str) -> VolunteerPreview:
    """What importing a directory file would do, line by line; nothing is written (the career office only)."""
    require_role(actor, Role.ADMIN)
    records = read_records(data, aliases=_HEADER_ALIASES, check_header=_check_header, error=NetworkError,
                           max_rows=MAX_ROWS, max_bytes=MAX_BYTES, what="a volunteer directory", items="volunteers")
    with db.cursor() as cur:
        stored = {r["email"].lower(): r for r in rows(cur, "SELECT * FROM volunteers")}
    seen: dict[str, int] = {}
    lines = []
    for record in records:
        first, last = split_name(record)
        capacity = record.get("capacity_per_term", "")
        values = {"first_name": first, "last_name": last, "email": record.get("email", ""),
                  "organization": record.get("organization", ""), "title": record.get("title", ""),
                  "occupation": record.get("occupation", ""), "topics": record.get("topics", ""),
                  "capacity_per_term": capacity, "linkedin_url": record.get("linkedin_url") or None}
        line = VolunteerLine(record["line"], values)
        # People's names follow the one rule of every form and importer (core/models.py name_problem).
        formulas = _formula_cells(record, [c for c in _TEXT_COLUMNS if c in record and c not in _NAME_COLUMNS])
        if formulas:
            line.reasons.append(f"{', '.join(formulas).replace('_', ' ')} starts with "
                                f"{' or '.join(sorted({str(record[c])[:1].strip() or 'a tab' for c in formulas}))}, "
                                "which a spreadsheet would run as a formula; remove that sign")
        for column, value in values.items():
            if column in ("first_name", "last_name"):
                problem = name_problem(value) if value else None
            else:
                problem = text_problem(value, one_line=column != "topics")
            if problem:
                line.reasons.append(f"{column.replace('_', ' ')} {problem}")
        preference = _PREFERENCES.get(record.get("contact_preference", "").strip().lower())
        if preference is None:
            line.reasons.append(f"contact preference {record.get('contact_preference')!r} is not one of email, "
                                "linkedin, phone, video")
        if capacity and capacity_problem(capacity):
            line.reasons.append(f"{CAPACITY_MESSAGE}, not {capacity.strip()!r}")
        if not line.reasons:
            try:
                line.data = VolunteerCreate(
                    first_name=first, last_name=last, email=values["email"], organization=values["organization"],
                    title=values["title"], occupation=values["occupation"], topics=values["topics"],
                    contact_preference=preference, linkedin_url=values["linkedin_url"],
                    capacity_per_term=_capacity(capacity) if capacity else 3)
            except ValidationError as exc:
                line.reasons.extend(_reasons(exc))
        email = (values["email"] or "").strip().lower()
        if email and email in seen:
            line.reasons.append(f"same email as line {seen[email]}")
        elif email:
            seen[email] = line.line
        if line.reasons:
            line.action, line.data = "reject", None
        elif email in stored:
            existing = stored[email]
            line.volunteer_id = existing["id"]
            new = line.data.model_dump(mode="json")
            line.changes = [f.replace("_", " ") for f in VOLUNTEER_FIELDS if f != "active" and new[f] != existing[f]]
            line.action = "update" if line.changes else "unchanged"
        lines.append(line)
    return VolunteerPreview(lines)


def _reasons(exc: ValidationError) -> list[str]:
    out = []
    for e in exc.errors():
        where = str(e["loc"][0]).replace("_", " ") if e.get("loc") else "line"
        message = e["msg"].removeprefix("Value error, ")
        if e["type"] == "string_too_long":
            message = f"is longer than {e['ctx']['max_length']} characters"
        elif e["type"] in ("string_too_short", "too_short"):
            message = "is missing"
        elif e["type"] in ("less_than_equal", "greater_than_equal"):
            message = "must be from 0 to 100"
        out.append(f"{where} {message}")
    return out


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    rejected: int


def apply_import(db: Database, actor: Actor, plan: VolunteerPreview, *, now: datetime | None = None) -> ImportResult:
    """Write a preview's accepted lines in one transaction, all or nothing (the career office only).

    Updating keeps a volunteer's paused or active state: the file says who they are, the directory
    says whether they take requests.
    """
    require_role(actor, Role.ADMIN)
    now = now or utcnow()
    to_create = [x for x in plan.lines if x.action == "create"]
    to_update = [x for x in plan.lines if x.action == "update"]

    def work(cur: Cursor) -> ImportResult:
        for x in to_create:
            if _email_taken(cur, x.data.email) is not None:
                raise NetworkError(f"Line {x.line}: a volunteer with {x.data.email} was added meanwhile; "
                                   "preview the file again.")
            cur.execute(f"""INSERT INTO volunteers ({", ".join(VOLUNTEER_FIELDS)}, created_by, created_at, updated_at)
                            VALUES ({", ".join("?" for _ in VOLUNTEER_FIELDS)}, ?, ?, ?)""",
                        [*_values(x.data), actor.user_id, now, now])
        for x in to_update:
            fields = [f for f in VOLUNTEER_FIELDS if f != "active"]
            values = [v for f, v in zip(VOLUNTEER_FIELDS, _values(x.data), strict=False) if f != "active"]
            cur.execute(f"""UPDATE volunteers SET {", ".join(f"{f} = ?" for f in fields)}, updated_at = ?,
                            version = version + 1 WHERE id = ?""", [*values, now, x.volunteer_id])
        events.record(cur, actor, "volunteers_imported", "network",
                      detail={"created": len(to_create), "updated": len(to_update),
                              "rejected": plan.count("reject")}, now=now)
        return ImportResult(len(to_create), len(to_update), plan.count("reject"))

    return db.transaction(work)


def sample_csv() -> bytes:
    """A small example directory file to download and fill in."""
    return ("\ufefffirst_name,last_name,email,organization,title,occupation,topics,contact_preference,"
            "capacity_per_term\r\n"
            "Dana,Okafor,dana.okafor@example.org,Riverside Health,Data analyst,Health data analysis,"
            "\"career changes, first jobs in health\",email,3\r\n").encode("utf-8")

