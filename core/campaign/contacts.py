"""Contacts (targets), focus occupations, and each contact's derived stage."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from core.clock import utcnow
from core.errors import ContactError, DuplicateRecord, NotFound
from core.identity.access import (
    active_only,
    owned_contact,
    require_own_campaign,
    require_read_student,
    visible_students_sql,
)
from core.models import Actor, Contact, ContactCreate, ContactUpdate, Role, Source, Stage, searchable, text_problem
from core.rules.facts import LATEST_REPLY, ONE_STUDENT, PROGRESS, contact_owner, ctes, for_one_student
from core.store import events, idempotency, versioning
from core.store.db import Cursor, Database, row, rows, scalar

MAX_FOCUS_OCCUPATIONS = 3


# ---------------------------------------------------------------- focus occupations


def list_focus_occupations(db: Database, actor: Actor, student_id: int) -> list[dict[str, Any]]:
    """A student's focus occupations (at most three)."""
    with db.cursor() as cur:
        require_read_student(cur, actor, student_id)
        return rows(cur, "SELECT id, name FROM focus_occupations WHERE student_id = ? ORDER BY created_at, id",
                    [student_id])


def add_focus_occupation(db: Database, actor: Actor, name: str, *, now: datetime | None = None) -> int:
    """Add a focus occupation for the acting student; a fourth is refused."""
    require_own_campaign(actor, actor.user_id)
    name = name.strip()
    if not name:
        raise ContactError("Name the occupation.")
    if problem := text_problem(name, one_line=True):
        raise ContactError(f"The occupation {problem}.")
    if len(name) > 100:
        raise ContactError("An occupation name has at most 100 characters.")
    now = now or utcnow()

    def work(cur: Cursor) -> int:
        existing = rows(cur, "SELECT lower(name) AS n FROM focus_occupations WHERE student_id = ?", [actor.user_id])
        if name.lower() in {e["n"] for e in existing}:
            raise ContactError("That is already one of your focus occupations.")
        if len(existing) >= MAX_FOCUS_OCCUPATIONS:
            raise ContactError("Keep to three focus occupations: remove one before adding another.")
        new_id = scalar(
            cur, "INSERT INTO focus_occupations (student_id, name, created_at) VALUES (?, ?, ?) RETURNING id",
            [actor.user_id, name, now])
        events.record(cur, actor, "created", "focus_occupation", entity_id=new_id, student_id=actor.user_id,
                      detail={"name": name}, now=now)
        return new_id

    return db.transaction(work)


def remove_focus_occupation(db: Database, actor: Actor, occupation_id: int, *, now: datetime | None = None) -> None:
    """Remove a focus occupation; contacts tagged with it keep their data and lose the tag."""
    now = now or utcnow()

    def work(cur: Cursor) -> None:
        found = row(cur, "SELECT * FROM focus_occupations WHERE id = ?", [occupation_id])
        if not found or found["student_id"] != actor.user_id or actor.role != Role.STUDENT:
            raise NotFound("No such occupation.")
        cur.execute("UPDATE contacts SET focus_occupation_id = NULL WHERE focus_occupation_id = ?", [occupation_id])
        cur.execute("DELETE FROM focus_occupations WHERE id = ?", [occupation_id])
        events.record(cur, actor, "deleted", "focus_occupation", entity_id=occupation_id, student_id=actor.user_id,
                      detail={"name": found["name"]}, now=now)

    db.transaction(work)


# ---------------------------------------------------------------- contacts


def _check_occupation(cur: Cursor, student_id: int, occupation_id: int | None) -> None:
    if occupation_id is not None and not scalar(
        cur, "SELECT count(*) FROM focus_occupations WHERE id = ? AND student_id = ?", [occupation_id, student_id]
    ):
        raise ContactError("Pick one of your own focus occupations.")


@active_only
def insert_contact(
    cur: Cursor, actor: Actor, data: ContactCreate, *, now: datetime,
    referred_by_contact_id: int | None = None, referred_in_meeting_id: int | None = None,
    may_use_referrer_name: bool | None = None, action: str = "created",
) -> int:
    """Insert a contact for the acting student inside the caller's transaction."""
    require_own_campaign(actor, actor.user_id)
    _check_occupation(cur, actor.user_id, data.focus_occupation_id)
    new_id = scalar(
        cur,
        """INSERT INTO contacts (student_id, first_name, last_name, organization, title, field, focus_occupation_id,
                                 source, source_detail, email, phone, linkedin_url, other_channel, priority,
                                 referred_by_contact_id, referred_in_meeting_id, may_use_referrer_name, connected_on,
                                 created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
        [actor.user_id, data.first_name, data.last_name, data.organization, data.title, data.field,
         data.focus_occupation_id, data.source.value, data.source_detail, data.email, data.phone, data.linkedin_url,
         data.other_channel, data.priority, referred_by_contact_id, referred_in_meeting_id, may_use_referrer_name,
         data.connected_on, now, now],
    )
    events.record(cur, actor, action, "contact", entity_id=new_id, student_id=actor.user_id, contact_id=new_id,
                  detail={"source": data.source.value}, now=now)
    return new_id


def linkedin_key(url: str | None) -> str | None:
    """A LinkedIn address reduced to what identifies the person (scheme, www, case, trailing slash)."""
    if not url or not url.strip():
        return None
    return url.strip().lower().rstrip("/").replace("http://", "https://").replace("://linkedin.", "://www.linkedin.")


def _norm(text: str | None) -> str:
    return " ".join((text or "").split()).lower()


def find_duplicate(cur: Cursor, student_id: int, data: ContactCreate, *,
                   exclude_id: int | None = None) -> dict[str, Any] | None:
    """The student's contact (archived ones included) that `data` names again, with why; None if new.

    The same email, the same LinkedIn address, or the same first and last name at the same
    organization (case and spacing ignored) name the same person.
    """
    found = rows(cur, """SELECT id, first_name, last_name, organization, email, linkedin_url, archived_at
                         FROM contacts WHERE student_id = ? AND id IS DISTINCT FROM ? ORDER BY id""",
                 [student_id, exclude_id])
    email = _norm(data.email) or None
    url = linkedin_key(data.linkedin_url)
    name = (_norm(data.first_name), _norm(data.last_name), _norm(data.organization))
    for c in found:
        if email and _norm(c["email"]) == email:
            why = "the same email"
        elif url and linkedin_key(c["linkedin_url"]) == url:
            why = "the same LinkedIn address"
        elif (_norm(c["first_name"]), _norm(c["last_name"]), _norm(c["organization"])) == name:
            why = "the same name at the same organization"
        else:
            continue
        return {**c, "why": why}
    return None


def duplicate_message(existing: dict[str, Any]) -> str:
    """What a refused duplicate add says; it holds no user text, so any page may show it as it is."""
    archived = ", archived" if existing.get("archived_at") else ""
    return (f"This person is already in your list ({existing['why']}{archived}). Nothing was added: open the "
            "existing one, or add this person anyway if they are someone else.")


def create_contact(db: Database, actor: Actor, data: ContactCreate, *, now: datetime | None = None,
                   idempotency_key: str | None = None, allow_duplicate: bool = False) -> Contact:
    """Add a target to the acting student's list, once per form render.

    A person already in the list (see find_duplicate) is refused with DuplicateRecord naming the
    existing contact, unless allow_duplicate says the student means someone else.
    """
    now = now or utcnow()

    def work(cur: Cursor) -> int:
        if not allow_duplicate:
            require_own_campaign(actor, actor.user_id)
            existing = find_duplicate(cur, actor.user_id, data)
            if existing is not None:
                raise DuplicateRecord(duplicate_message(existing), existing["id"])
        return insert_contact(cur, actor, data, now=now)

    new_id = idempotency.create_once(db, actor, idempotency_key, "contact", work, now=now)
    return get_contact(db, actor, new_id)


_CONTACT_FIELDS = ("first_name", "last_name", "organization", "title", "field", "focus_occupation_id", "source",
                   "source_detail", "email", "phone", "linkedin_url", "other_channel", "priority", "connected_on")


def _stored(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


def update_contact(db: Database, actor: Actor, contact_id: int, data: ContactUpdate, *, now: datetime | None = None,
                   expected_version: int | None = None, original: dict[str, Any] | None = None,
                   only: Iterable[str] | None = None) -> Contact:
    """Change a contact's details (its owner only); a save from a stale form is refused (StaleEdit).

    `only` names the fields the person changed: the others keep their stored value, so a form
    never blanks what someone else saved meanwhile. `original` (the values the form opened with)
    lets the refusal name what changed.
    """
    now = now or utcnow()
    fields = [f for f in _CONTACT_FIELDS if only is None or f in set(only)]

    def work(cur: Cursor) -> None:
        found = owned_contact(cur, actor, contact_id)
        versioning.check(found, expected_version, what="contact", fields=_CONTACT_FIELDS, original=original)
        _check_occupation(cur, actor.user_id, data.focus_occupation_id)
        values = {f: _stored(getattr(data, f)) for f in fields}
        changed = sorted(f for f, v in values.items() if v != found.get(f))
        assignments = "".join(f"{f} = ?, " for f in fields)
        cur.execute(f"UPDATE contacts SET {assignments}updated_at = ?, version = version + 1 WHERE id = ?",
                    [*values.values(), now, contact_id])
        events.record(cur, actor, "edited", "contact", entity_id=contact_id, student_id=actor.user_id,
                      contact_id=contact_id, detail={"fields": changed}, now=now)

    db.transaction(work)
    return get_contact(db, actor, contact_id)


def set_archived(db: Database, actor: Actor, contact_id: int, archived: bool, *, now: datetime | None = None) -> None:
    """Archive a contact (kept, hidden from lists and to-dos) or bring it back."""
    now = now or utcnow()

    def work(cur: Cursor) -> None:
        owned_contact(cur, actor, contact_id)
        cur.execute("UPDATE contacts SET archived_at = ?, updated_at = ? WHERE id = ?",
                    [now if archived else None, now, contact_id])
        events.record(cur, actor, "archived" if archived else "restored", "contact", entity_id=contact_id,
                      student_id=actor.user_id, contact_id=contact_id, now=now)

    db.transaction(work)


# Contacts with their stage and latest reply (core/rules/facts.py) for the students of an `sc` CTE given first.
_CONTACT_SELECT = ctes(PROGRESS, LATEST_REPLY) + """
    SELECT c.*, p.stage, p.stage_at, f.name AS focus_occupation, lr.outreach_reply
    FROM contacts c
    JOIN progress p ON p.contact_id = c.id
    LEFT JOIN focus_occupations f ON f.id = c.focus_occupation_id
    LEFT JOIN f_latest_reply lr ON lr.contact_id = c.id
"""


def get_contact(db: Database, actor: Actor, contact_id: int) -> Contact:
    """One contact the actor may read, with its stage."""
    sub, params = visible_students_sql(actor)
    with db.cursor() as cur:
        # The owner first, so the stage is worked out from that student's rows only.
        owner = contact_owner(cur, contact_id)
        found = row(cur, for_one_student(f"""WITH {ONE_STUDENT}{_CONTACT_SELECT}
                                             WHERE c.id = ? AND c.student_id IN ({sub})""", owner),
                    [owner, contact_id, *params])
    if found is None:
        raise NotFound("No such contact.")
    return Contact.model_validate(found)


def list_contacts(
    db: Database, actor: Actor, *, student_id: int | None = None, stage: Stage | None = None,
    include_archived: bool = False, focus_occupation_id: int | None = None, source: Source | None = None,
    archived_only: bool = False,
) -> list[dict[str, Any]]:
    """Contacts with stage and focus occupation: the student's own, or one readable student's.

    Filters: stage, focus occupation, source; archived contacts only with include_archived
    (or only them with archived_only).
    """
    student_id = actor.user_id if student_id is None else student_id
    stage_value = stage.value if stage else None
    source_value = source.value if source else None
    with db.cursor() as cur:
        require_read_student(cur, actor, student_id)
        return rows(
            cur,
            for_one_student(f"""WITH {ONE_STUDENT}{_CONTACT_SELECT}
                WHERE c.student_id = ?
                  AND (CASE WHEN ? THEN c.archived_at IS NOT NULL ELSE (? OR c.archived_at IS NULL) END)
                  AND (? IS NULL OR p.stage = ?)
                  AND (? IS NULL OR c.focus_occupation_id = ?) AND (? IS NULL OR c.source = ?)
                ORDER BY c.priority, c.last_name, c.first_name, c.id""", student_id),
            [student_id, student_id, archived_only, include_archived, stage_value, stage_value,
             focus_occupation_id, focus_occupation_id, source_value, source_value],
        )


def referral_links(db: Database, actor: Actor, student_id: int | None = None) -> dict[str, list[dict[str, Any]]]:
    """The student's referral chains: every contact in a chain (nodes, with stage) and who led to whom (edges).

    A contact is in a chain when it referred someone or was referred; archived ones are kept so a
    chain does not break in the middle.
    """
    student_id = actor.user_id if student_id is None else student_id
    with db.cursor() as cur:
        require_read_student(cur, actor, student_id)
        edges = rows(cur, """SELECT c.referred_by_contact_id AS from_id, c.id AS to_id, c.may_use_referrer_name
                             FROM contacts c JOIN contacts r
                               ON r.id = c.referred_by_contact_id AND r.student_id = c.student_id
                             WHERE c.student_id = ? ORDER BY c.id""", [student_id])
        ids = sorted({e["from_id"] for e in edges} | {e["to_id"] for e in edges})
        nodes = rows(cur, for_one_student(f"""WITH {ONE_STUDENT}{_CONTACT_SELECT} WHERE c.student_id = ?
                                              AND c.id IN (SELECT unnest(CAST(? AS BIGINT[])))
                                              ORDER BY c.id""", student_id),
                     [student_id, student_id, ids]) if ids else []
    return {"nodes": nodes, "edges": edges}


def stage_counts(db: Database, actor: Actor, student_id: int | None = None) -> dict[str, int]:
    """How many active contacts sit at each stage for one student."""
    student_id = actor.user_id if student_id is None else student_id
    with db.cursor() as cur:
        require_read_student(cur, actor, student_id)
        found = rows(cur, for_one_student(f"""WITH {ONE_STUDENT}{ctes(PROGRESS)}
                              SELECT stage, count(*) AS n FROM progress WHERE archived_at IS NULL GROUP BY stage""",
                                          student_id), [student_id])
    counts = {s.value: 0 for s in Stage}
    counts.update({f["stage"]: f["n"] for f in found})
    return counts


@active_only
def target_table(
    db: Database, actor: Actor, *, search: str = "", stage: Stage | None = None,
    focus_occupation_id: int | None = None, source: Source | None = None, archived_only: bool = False,
) -> list[dict[str, Any]]:
    """The acting student's targets as table rows, in one query however many there are.

    Each row: id, first_name, last_name, organization, title, focus_occupation, stage, priority,
    source, archived_at, last_activity (the latest event about the contact) and referred_by (the
    referrer's name). `search` matches name, organization, title or email, ignoring case.
    """
    require_own_campaign(actor, actor.user_id)
    stage_value = stage.value if stage else None
    source_value = source.value if source else None
    pattern = searchable(search).lower() or None
    with db.cursor() as cur:
        return rows(
            cur,
            for_one_student(f"""WITH {ONE_STUDENT}{ctes(PROGRESS, LATEST_REPLY)}, last_event AS (
                   SELECT contact_id, max(occurred_at) AS last_activity FROM events
                   WHERE student_id = ? AND contact_id IS NOT NULL GROUP BY contact_id)
               SELECT c.id, c.first_name, c.last_name, c.organization, c.title, c.priority, c.source, c.archived_at,
                      f.name AS focus_occupation, p.stage, coalesce(l.last_activity, c.updated_at) AS last_activity,
                      nullif(trim(r.first_name || ' ' || r.last_name), '') AS referred_by, lr.outreach_reply
               FROM contacts c
               JOIN progress p ON p.contact_id = c.id
               LEFT JOIN f_latest_reply lr ON lr.contact_id = c.id
               LEFT JOIN focus_occupations f ON f.id = c.focus_occupation_id
               LEFT JOIN last_event l ON l.contact_id = c.id
               LEFT JOIN contacts r ON r.id = c.referred_by_contact_id AND r.student_id = c.student_id
               WHERE c.student_id = ?
                 AND (CASE WHEN ? THEN c.archived_at IS NOT NULL ELSE c.archived_at IS NULL END)
                 AND (? IS NULL OR p.stage = ?)
                 AND (? IS NULL OR c.focus_occupation_id = ?) AND (? IS NULL OR c.source = ?)
                 AND (? IS NULL OR strpos(lower(concat_ws(' ', c.first_name, c.last_name, c.organization,
                                                          c.title, coalesce(c.email, ''))), ?) > 0)
               ORDER BY c.priority, c.last_name, c.first_name, c.id""", actor.user_id),
            [actor.user_id, actor.user_id, actor.user_id, archived_only, stage_value, stage_value, focus_occupation_id,
             focus_occupation_id, source_value, source_value, pattern, pattern],
        )
