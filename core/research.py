"""Research on a contact: notes on the person, organization and field, links, planned questions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core import events
from core.access import owned_contact, owned_row, readable_contact
from core.clock import utcnow
from core.db import Cursor, Database, row, rows, scalar
from core.models import Actor, PlannedQuestionCreate, ResearchUpdate

MAX_PLANNED_QUESTIONS = 30


class ResearchError(ValueError):
    """A research change was refused; the message says why."""


def get_research(db: Database, actor: Actor, contact_id: int) -> dict[str, Any] | None:
    """The research notes of a contact the actor may read, or None if none yet."""
    with db.cursor() as cur:
        readable_contact(cur, actor, contact_id)
        return row(cur, "SELECT * FROM research_notes WHERE contact_id = ?", [contact_id])


def save_research(db: Database, actor: Actor, contact_id: int, data: ResearchUpdate, *, now: datetime | None = None) -> None:
    """Create or replace the research notes of one of the acting student's contacts."""
    now = now or utcnow()

    def work(cur: Cursor) -> None:
        owned_contact(cur, actor, contact_id)
        existing = scalar(cur, "SELECT id FROM research_notes WHERE contact_id = ?", [contact_id])
        values = [data.about_person, data.about_organization, data.about_field, data.links]
        if existing is None:
            note_id = scalar(
                cur,
                """INSERT INTO research_notes (contact_id, student_id, about_person, about_organization, about_field,
                                               links, created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
                [contact_id, actor.user_id, *values, now, now],
            )
        else:
            note_id = existing
            cur.execute(
                """UPDATE research_notes SET about_person = ?, about_organization = ?, about_field = ?, links = ?,
                          updated_at = ? WHERE id = ?""",
                [*values, now, existing],
            )
        events.record(cur, actor, "saved", "research", entity_id=note_id, student_id=actor.user_id,
                      contact_id=contact_id, now=now)

    db.transaction(work)


def list_planned_questions(db: Database, actor: Actor, contact_id: int) -> list[dict[str, Any]]:
    """The questions planned for a contact, in the order they will be asked."""
    with db.cursor() as cur:
        readable_contact(cur, actor, contact_id)
        return rows(cur, "SELECT * FROM planned_questions WHERE contact_id = ? ORDER BY position, id", [contact_id])


def add_planned_question(db: Database, actor: Actor, contact_id: int, data: PlannedQuestionCreate, *, now: datetime | None = None) -> int:
    """Append a question (from the library or the student's own) to a contact's plan."""
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
            """INSERT INTO planned_questions (contact_id, student_id, library_item_id, category, text, position, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id""",
            [contact_id, actor.user_id, data.library_item_id, data.category, data.text, position, now],
        )
        events.record(cur, actor, "planned", "question", entity_id=new_id, student_id=actor.user_id,
                      contact_id=contact_id, now=now)
        return new_id

    return db.transaction(work)


def remove_planned_question(db: Database, actor: Actor, question_id: int, *, now: datetime | None = None) -> None:
    """Drop a planned question."""
    now = now or utcnow()

    def work(cur: Cursor) -> None:
        found = owned_row(cur, actor, "planned_questions", question_id)
        cur.execute("DELETE FROM planned_questions WHERE id = ?", [question_id])
        events.record(cur, actor, "removed", "question", entity_id=question_id, student_id=actor.user_id,
                      contact_id=found["contact_id"], now=now)

    db.transaction(work)


def reorder_planned_questions(db: Database, actor: Actor, contact_id: int, ordered_ids: list[int], *, now: datetime | None = None) -> None:
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
