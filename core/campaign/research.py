"""Research on a contact: notes on the person, organization and field, links, planned questions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from core.clock import utcnow
from core.errors import ResearchError
from core.identity.access import owned_contact, owned_row, readable_contact
from core.models import Actor, PlannedQuestionCreate, ResearchUpdate
from core.store import events, idempotency, versioning
from core.store.db import Cursor, Database, row, rows, scalar

MAX_PLANNED_QUESTIONS = 30


def get_research(db: Database, actor: Actor, contact_id: int) -> dict[str, Any] | None:
    """The research notes of a contact the actor may read, or None if none yet."""
    with db.cursor() as cur:
        readable_contact(cur, actor, contact_id)
        return row(cur, "SELECT * FROM research_notes WHERE contact_id = ?", [contact_id])


RESEARCH_FIELDS = ("about_person", "about_organization", "about_field", "links")


def save_research(db: Database, actor: Actor, contact_id: int, data: ResearchUpdate, *, now: datetime | None = None,
                  expected_version: int | None = None, original: dict[str, Any] | None = None,
                  only: Iterable[str] | None = None) -> int:
    """Create or change the research notes of one of the acting student's contacts; returns the new version.

    A save from a form opened before another save of the same notes is refused (StaleEdit, naming
    what changed when `original` holds the values the form opened with). `only` names the boxes the
    person changed: the others keep what is stored, so a save never blanks someone else's text.
    """
    now = now or utcnow()
    fields = [f for f in RESEARCH_FIELDS if only is None or f in set(only)]

    def work(cur: Cursor) -> int:
        owned_contact(cur, actor, contact_id)
        existing = row(cur, "SELECT * FROM research_notes WHERE contact_id = ?", [contact_id])
        values = {f: getattr(data, f) for f in fields}
        if existing is None:
            note_id = scalar(
                cur,
                """INSERT INTO research_notes (contact_id, student_id, about_person, about_organization, about_field,
                                               links, created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
                [contact_id, actor.user_id, *(values.get(f, "") for f in RESEARCH_FIELDS), now, now],
            )
            version, action, changed = 1, "saved", sorted(f for f, v in values.items() if v)
        else:
            versioning.check(existing, expected_version, what="research note", fields=RESEARCH_FIELDS,
                             original=original)
            note_id = existing["id"]
            changed = sorted(f for f, v in values.items() if v != existing[f])
            assignments = "".join(f"{f} = ?, " for f in values)
            cur.execute(f"UPDATE research_notes SET {assignments}updated_at = ?, version = version + 1 WHERE id = ?",
                        [*values.values(), now, note_id])
            version, action = int(existing["version"]) + 1, "edited"
        events.record(cur, actor, action, "research", entity_id=note_id, student_id=actor.user_id,
                      contact_id=contact_id, detail={"fields": changed}, now=now)
        return version

    return db.transaction(work)


def list_planned_questions(db: Database, actor: Actor, contact_id: int) -> list[dict[str, Any]]:
    """The questions planned for a contact, in the order they will be asked."""
    with db.cursor() as cur:
        readable_contact(cur, actor, contact_id)
        return rows(cur, "SELECT * FROM planned_questions WHERE contact_id = ? ORDER BY position, id", [contact_id])


def add_planned_question(db: Database, actor: Actor, contact_id: int, data: PlannedQuestionCreate, *,
                         now: datetime | None = None, idempotency_key: str | None = None) -> int:
    """Append a question (from the library or the student's own) to a contact's plan, once per form render."""
    now = now or utcnow()

    def work(cur: Cursor) -> int:
        owned_contact(cur, actor, contact_id)
        existing = rows(cur, "SELECT lower(text) AS t FROM planned_questions WHERE contact_id = ?", [contact_id])
        if data.text.lower() in {e["t"] for e in existing}:
            raise ResearchError("That question is already in the plan.")
        if len(existing) >= MAX_PLANNED_QUESTIONS:
            raise ResearchError(f"Keep the plan to {MAX_PLANNED_QUESTIONS} questions: a short meeting fits far fewer.")
        position = int(scalar(cur, "SELECT coalesce(max(position), 0) + 1 FROM planned_questions WHERE contact_id = ?",
                              [contact_id]))
        new_id = scalar(
            cur,
            """INSERT INTO planned_questions (contact_id, student_id, library_item_id, category, text, position,
                                              created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
            [contact_id, actor.user_id, data.library_item_id, data.category, data.text, position, now, now],
        )
        events.record(cur, actor, "planned", "question", entity_id=new_id, student_id=actor.user_id,
                      contact_id=contact_id, now=now)
        return new_id

    return idempotency.create_once(db, actor, idempotency_key, "question", work, now=now)


def edit_planned_question(db: Database, actor: Actor, question_id: int, data: PlannedQuestionCreate, *,
                          now: datetime | None = None, expected_version: int | None = None) -> None:
    """Change a planned question's wording; a save from a stale form is refused (StaleEdit)."""
    now = now or utcnow()

    def work(cur: Cursor) -> None:
        found = owned_row(cur, actor, "planned_questions", question_id)
        versioning.check(found, expected_version, what="question", fields=["text"])
        others = rows(cur, "SELECT lower(text) AS t FROM planned_questions WHERE contact_id = ? AND id <> ?",
                      [found["contact_id"], question_id])
        if data.text.lower() in {o["t"] for o in others}:
            raise ResearchError("That question is already in the plan.")
        cur.execute("UPDATE planned_questions SET text = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                    [data.text, now, question_id])
        events.record(cur, actor, "edited", "question", entity_id=question_id, student_id=actor.user_id,
                      contact_id=found["contact_id"], now=now)

    db.transaction(work)


def remove_planned_question(db: Database, actor: Actor, question_id: int, *,
                            now: datetime | None = None) -> dict[str, Any]:
    """Drop a planned question; returns the removed row so the page can offer Undo."""
    now = now or utcnow()

    def work(cur: Cursor) -> dict[str, Any]:
        found = owned_row(cur, actor, "planned_questions", question_id)
        cur.execute("DELETE FROM planned_questions WHERE id = ?", [question_id])
        events.record(cur, actor, "removed", "question", entity_id=question_id, student_id=actor.user_id,
                      contact_id=found["contact_id"], now=now)
        return found

    return db.transaction(work)


def restore_planned_question(db: Database, actor: Actor, removed: dict[str, Any], *,
                             now: datetime | None = None) -> int:
    """Undo a removal: the question comes back with its id, wording and place in the plan."""
    now = now or utcnow()
    contact_id = int(removed["contact_id"])

    def work(cur: Cursor) -> int:
        owned_contact(cur, actor, contact_id)
        if scalar(cur, "SELECT count(*) FROM planned_questions WHERE id = ?", [removed["id"]]):
            return int(removed["id"])
        texts = {r["t"] for r in rows(cur, "SELECT lower(text) AS t FROM planned_questions WHERE contact_id = ?",
                                      [contact_id])}
        if str(removed["text"]).lower() in texts:
            raise ResearchError("That question is already back in the plan.")
        cur.execute("UPDATE planned_questions SET position = position + 1 WHERE contact_id = ? AND position >= ?",
                    [contact_id, removed["position"]])
        cur.execute(
            """INSERT INTO planned_questions (id, contact_id, student_id, library_item_id, category, text, position,
                                              created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [removed["id"], contact_id, actor.user_id, removed.get("library_item_id"), removed.get("category") or "own",
             removed["text"], removed["position"], removed.get("created_at") or now, now])
        events.record(cur, actor, "restored", "question", entity_id=removed["id"], student_id=actor.user_id,
                      contact_id=contact_id, now=now)
        return int(removed["id"])

    return db.transaction(work)


def reorder_planned_questions(db: Database, actor: Actor, contact_id: int, ordered_ids: list[int], *,
                              now: datetime | None = None) -> None:
    """Set the asking order; ordered_ids must be exactly the contact's planned question ids."""
    now = now or utcnow()

    def work(cur: Cursor) -> None:
        owned_contact(cur, actor, contact_id)
        current = {r["id"] for r in rows(cur, "SELECT id FROM planned_questions WHERE contact_id = ?", [contact_id])}
        if set(ordered_ids) != current or len(ordered_ids) != len(current):
            raise ResearchError("The question list changed meanwhile; reload and try again.")
        for position, qid in enumerate(ordered_ids, start=1):
            cur.execute("UPDATE planned_questions SET position = ? WHERE id = ?", [position, qid])
        events.record(cur, actor, "reordered", "question", student_id=actor.user_id, contact_id=contact_id, now=now)

    db.transaction(work)
