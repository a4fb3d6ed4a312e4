"""The career office's cohort administration: rename, term dates, archive, counselors, invite codes.

Creating cohorts, assigning counselors, adding students and changing settings go through
core.admin.cohorts; this module adds what only the career office does on top of them.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from core.store import events, versioning
from core.identity.access import require_role
from core.clock import utcnow
from core.admin.cohorts import update_cohort
from core.store.db import Cursor, Database, row, rows, scalar
from core.identity.registration import normalize_code
from core.errors import CohortError, NotFound, check_id
from core.models import Actor, Cohort, CohortUpdate, Role

# Letters and digits that cannot be misread for one another when read aloud or off a slide.
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def rename_cohort(db: Database, actor: Actor, cohort_id: int, name: str, *, now: datetime | None = None) -> Cohort:
    """Give a cohort a new, unused name (admins only)."""
    require_role(actor, Role.ADMIN)
    return update_cohort(db, actor, cohort_id, CohortUpdate(name=name), now=now)


def set_term(db: Database, actor: Actor, cohort_id: int, *, term_start: date | None, term_end: date | None,
             now: datetime | None = None) -> Cohort:
    """Set a cohort's term dates (admins only); the term cannot end before it starts."""
    require_role(actor, Role.ADMIN)
    return update_cohort(db, actor, cohort_id, CohortUpdate(term_start=term_start, term_end=term_end), now=now)


def _cohort_row(cur: Cursor, cohort_id: int) -> dict[str, Any]:
    cohort_id = check_id(cohort_id, "cohort")
    found = row(cur, "SELECT * FROM cohorts WHERE id = ?", [cohort_id])
    if found is None:
        raise NotFound("No such cohort.")
    return found


def set_archived(db: Database, actor: Actor, cohort_id: int, archived: bool, *, now: datetime | None = None,
                 expected_version: int | None = None) -> Cohort:
    """Archive a cohort (hidden from lists, closed to self-registration, data kept) or bring it back (the Undo)."""
    require_role(actor, Role.ADMIN)
    now = now or utcnow()

    def work(cur: Cursor) -> Cohort:
        found = _cohort_row(cur, cohort_id)
        if (found["archived_at"] is not None) != archived:
            versioning.check(found, expected_version, what="cohort", fields=["name", "archived_at"])
            # An archived cohort stops taking registrations; reopening it is a separate, deliberate step.
            cur.execute(
                """UPDATE cohorts SET archived_at = ?, updated_at = ?, version = version + 1,
                          self_registration = CASE WHEN ? THEN false ELSE self_registration END WHERE id = ?""",
                [now if archived else None, now, archived, cohort_id],
            )
            events.record(cur, actor, "archived" if archived else "unarchived", "cohort", entity_id=cohort_id,
                          detail={"name": found["name"]}, now=now)
        return Cohort.model_validate(row(cur, "SELECT * FROM cohorts WHERE id = ?", [cohort_id]))

    return db.transaction(work)


def unassign_counselor(db: Database, actor: Actor, cohort_id: int, counselor_id: int, *,
                       now: datetime | None = None) -> bool:
    """Take a counselor off a cohort (admins only); returns whether they were assigned."""
    require_role(actor, Role.ADMIN)
    now = now or utcnow()

    def work(cur: Cursor) -> bool:
        _cohort_row(cur, cohort_id)
        if not scalar(cur, "SELECT count(*) FROM cohort_counselors WHERE cohort_id = ? AND counselor_id = ?",
                      [cohort_id, counselor_id]):
            return False
        cur.execute("DELETE FROM cohort_counselors WHERE cohort_id = ? AND counselor_id = ?", [cohort_id, counselor_id])
        events.record(cur, actor, "unassigned", "cohort", entity_id=cohort_id,
                      detail={"counselor_id": counselor_id}, now=now)
        return True

    return db.transaction(work)


def cohort_counselors(db: Database, actor: Actor, cohort_id: int) -> list[dict[str, Any]]:
    """The counselors assigned to a cohort, with when (admins only)."""
    require_role(actor, Role.ADMIN)
    with db.cursor() as cur:
        _cohort_row(cur, cohort_id)
        return rows(cur, """SELECT u.id, u.username, u.first_name, u.last_name, u.active, cc.assigned_at
                            FROM cohort_counselors cc JOIN users u ON u.id = cc.counselor_id
                            WHERE cc.cohort_id = ? ORDER BY u.last_name, u.first_name""", [cohort_id])


def counselors(db: Database, actor: Actor) -> list[dict[str, Any]]:
    """Every active counselor account, for assignment pickers (admins only)."""
    require_role(actor, Role.ADMIN)
    with db.cursor() as cur:
        return rows(cur, """SELECT id, username, first_name, last_name FROM users
                            WHERE role = 'counselor' AND active ORDER BY last_name, first_name""")


def all_cohorts(db: Database, actor: Actor) -> list[dict[str, Any]]:
    """Every cohort, archived ones too, with registration settings and head counts (admins only)."""
    require_role(actor, Role.ADMIN)
    with db.cursor() as cur:
        return rows(
            cur,
            """SELECT c.*,
                      (SELECT count(*) FROM cohort_members m JOIN users u ON u.id = m.student_id
                        WHERE m.cohort_id = c.id AND u.active) AS students,
                      (SELECT count(*) FROM cohort_counselors cc WHERE cc.cohort_id = c.id) AS counselor_count
               FROM cohorts c ORDER BY c.archived_at IS NOT NULL, c.name""",
        )


def new_invite_code(length: int = 8) -> str:
    """A random invite code such as K7QM-2XPA (about 40 bits; the portal also checks email domains)."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(length))
    return f"{raw[:4]}-{raw[4:]}"


def normalize_domains(text: str | None) -> list[str]:
    """Allowed email domains from a comma- or space-separated entry: lower case, no '@', no repeats."""
    seen: list[str] = []
    for part in (text or "").replace(";", ",").replace(" ", ",").split(","):
        domain = part.strip().lower().lstrip("@")
        if not domain:
            continue
        if "." not in domain or any(ch in domain for ch in "/\\:@ ") or domain.startswith(".") or domain.endswith("."):
            raise CohortError(f"{part.strip()!r} is not an email domain (expected something like example.edu).")
        if domain not in seen:
            seen.append(domain)
    return seen


def set_registration(
    db: Database, actor: Actor, cohort_id: int, *, open_: bool, invite_code: str | None = None,
    allowed_domains: str | None = None, now: datetime | None = None,
) -> Cohort:
    """Open or close self-registration for a cohort, with its invite code and allowed email domains.

    Opening needs a code: the one given, the cohort's current one, or a new random one. Codes are
    unique across cohorts, since the code alone tells the portal which cohort a student joins.
    """
    require_role(actor, Role.ADMIN)
    now = now or utcnow()
    domains = normalize_domains(allowed_domains)
    code = normalize_code(invite_code) if invite_code and invite_code.strip() else None
    if code is not None and not (6 <= len(code) <= 40 and all(ch.isalnum() or ch == "-" for ch in code)):
        raise CohortError("An invite code needs 6 to 40 letters, digits or dashes.")

    def work(cur: Cursor) -> Cohort:
        found = _cohort_row(cur, cohort_id)
        if open_ and found["archived_at"] is not None:
            raise CohortError("This cohort is archived; bring it back before opening registration.")
        chosen = code or found["invite_code"] or (new_invite_code() if open_ else None)
        if chosen and scalar(cur, "SELECT count(*) FROM cohorts WHERE invite_code = ? AND id <> ?", [chosen, cohort_id]):
            raise CohortError("Another cohort already uses that invite code.")
        cur.execute(
            """UPDATE cohorts SET self_registration = ?, invite_code = ?, allowed_email_domains = ?, updated_at = ?
               WHERE id = ?""",
            [open_, chosen, ",".join(domains) or None, now, cohort_id],
        )
        events.record(cur, actor, "registration_opened" if open_ else "registration_closed", "cohort",
                      entity_id=cohort_id, detail={"domains": domains, "code_changed": chosen != found["invite_code"]},
                      now=now)
        return Cohort.model_validate(row(cur, "SELECT * FROM cohorts WHERE id = ?", [cohort_id]))

    return db.transaction(work)


def regenerate_invite_code(db: Database, actor: Actor, cohort_id: int, *, now: datetime | None = None) -> str:
    """Replace a cohort's invite code with a new random one (the old one stops working at once)."""
    require_role(actor, Role.ADMIN)
    now = now or utcnow()

    def work(cur: Cursor) -> str:
        _cohort_row(cur, cohort_id)
        code = new_invite_code()
        while scalar(cur, "SELECT count(*) FROM cohorts WHERE invite_code = ?", [code]):
            code = new_invite_code()
        cur.execute("UPDATE cohorts SET invite_code = ?, updated_at = ? WHERE id = ?", [code, now, cohort_id])
        events.record(cur, actor, "invite_code_changed", "cohort", entity_id=cohort_id, now=now)
        return code

    return db.transaction(work)
