"""A student's campaign as a counselor reads it: the timeline of events and every item, read-only.

Private reflections never appear (not their text, not their existence as an item); the event
that one was written stays on the timeline as "wrote a reflection", as the counts include it.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from core.identity.access import require_read_student, visible_students_sql
from core.models import Actor
from core.rules.facts import CURRENT_THANK_YOUS, LATEST_REPLY, ONE_STUDENT, PROGRESS, ctes, for_one_student
from core.rules.timing import shown_at_sql
from core.store.db import Database, row, rows

_ENTITY_WORDS = {
    "contact": "a contact", "focus_occupation": "a focus occupation", "research": "research notes",
    "question": "a question", "outreach": "a request", "meeting": "a meeting", "thank_you": "a thank-you",
    "reflection": "a reflection", "follow_up": "a keep-in-touch message", "outcome": "where they landed",
    "cohort": "the cohort", "user": "the account", "student": "the campaign", "comment": "a comment",
    "research_note": "research notes", "meeting_note": "meeting notes", "planned_question": "a question",
    "meeting_notes": "meeting notes", "research_notes": "research notes",
}
_ACTION_WORDS = {
    "created": "added", "referred": "added a referral as", "updated": "edited", "archived": "archived",
    "restored": "restored", "deleted": "removed", "saved": "saved", "planned": "planned", "removed": "removed",
    "reordered": "reordered", "drafted": "drafted", "edited": "edited", "sent": "sent",
    "reply_recorded": "recorded the reply to", "scheduled": "scheduled", "rescheduled": "rescheduled",
    "cancelled": "cancelled", "held": "held and logged", "logged": "logged", "written": "wrote",
    "recorded": "recorded", "commented": "commented on", "joined_cohort": "joined", "password_changed": "changed",
    "withdrawn": "withdrew", "unarchived": "brought back", "changed": "changed",
    "log_edited": "edited the log of", "referral_edited": "edited a referral,",
}
_EDITS = {"edited", "updated", "log_edited", "referral_edited", "rescheduled"}


def _entity_words(entity_type: str) -> str:
    words = _ENTITY_WORDS.get(entity_type)
    if words is None:
        plain = entity_type.replace("_", " ")
        words = f"{'an' if plain[:1] in 'aeiou' else 'a'} {plain}"
    return words


def describe_event(action: str, entity_type: str) -> str:
    """A short phrase such as 'sent a request' for an event (no user text, so safe anywhere)."""
    if action == "joined_cohort":
        return "joined the cohort"
    if action == "password_changed":
        return "changed the account password"
    verb = _ACTION_WORDS.get(action, action.replace("_", " "))
    return f"{verb} {_entity_words(entity_type)}"


def is_edit(action: str) -> bool:
    """Whether an event changed something already there (shown as an edit on the timeline)."""
    return action in _EDITS


def student_timeline(db: Database, actor: Actor, student_id: int, *, newest_first: bool = False,
                     limit: int = 1000) -> list[dict[str, Any]]:
    """The events of a student's campaign in order, with who acted, the contact concerned and a description.

    Rows: event_id, occurred_at, actor_id, actor_name, actor_role, by_student, action, entity_type, entity_id,
    contact_id, contact_name, description, is_edit (a change to something already saved). Event details (which may
    hold typed text) are left out.
    """
    with db.cursor() as cur:
        require_read_student(cur, actor, student_id)
        found = rows(cur, f"""
            SELECT e.id AS event_id, e.occurred_at, e.actor_id,
                   coalesce(a.first_name || ' ' || a.last_name, 'The portal') AS actor_name,
                   coalesce(a.role, 'system') AS actor_role, coalesce(e.actor_id = e.student_id, false) AS by_student,
                   e.action, e.entity_type, e.entity_id, e.contact_id,
                   nullif(trim(c.first_name || ' ' || c.last_name), '') AS contact_name
            FROM events e LEFT JOIN users a ON a.id = e.actor_id LEFT JOIN contacts c ON c.id = e.contact_id
            WHERE e.student_id = ?
            ORDER BY e.occurred_at {'DESC' if newest_first else 'ASC'}, e.id {'DESC' if newest_first else 'ASC'}
            LIMIT ?""", [student_id, limit])
    for f in found:
        f["description"] = describe_event(f["action"], f["entity_type"])
        f["is_edit"] = is_edit(f["action"])
    return found


def student_campaign(db: Database, actor: Actor, student_id: int) -> dict[str, Any]:
    """Everything of a student's campaign the actor may read, grouped per contact.

    Returns {'student': {...}, 'contacts': [contact rows with stage, each with 'research',
    'questions', 'messages', 'meetings' (each with 'notes' and 'reflection' unless private),
    'thank_yous', 'follow_ups'], 'outcomes': [...]}. One query per kind of item.
    """
    with db.cursor() as cur:
        require_read_student(cur, actor, student_id)
        student = row(cur, """SELECT u.id, u.first_name, u.last_name, u.username, u.email, u.student_number,
                                     co.id AS cohort_id, co.name AS cohort_name
                              FROM users u LEFT JOIN cohort_members cm ON cm.student_id = u.id
                              LEFT JOIN cohorts co ON co.id = cm.cohort_id WHERE u.id = ?""", [student_id])
        contacts = rows(cur, for_one_student(f"""WITH {ONE_STUDENT}{ctes(PROGRESS, LATEST_REPLY)}
                                SELECT c.*, p.stage, p.stage_at, f.name AS focus_occupation, lr.outreach_reply
                                FROM contacts c JOIN progress p ON p.contact_id = c.id
                                LEFT JOIN f_latest_reply lr ON lr.contact_id = c.id
                                LEFT JOIN focus_occupations f ON f.id = c.focus_occupation_id
                                WHERE c.student_id = ? ORDER BY c.archived_at NULLS FIRST, c.priority, c.last_name,
                                      c.first_name, c.id""", student_id), [student_id, student_id])
        per_contact = {
            "research": rows(cur, "SELECT * FROM research_notes WHERE student_id = ?", [student_id]),
            "questions": rows(cur, "SELECT * FROM planned_questions WHERE student_id = ? ORDER BY position, id",
                              [student_id]),
            "messages": rows(cur, "SELECT * FROM outreach_messages WHERE student_id = ? ORDER BY created_at, id",
                             [student_id]),
            "meetings": rows(cur, f"SELECT *, {shown_at_sql()} AS shown_at FROM meetings WHERE student_id = ? "
                                  "ORDER BY starts_at, id", [student_id]),
            # Only the current thank-you per meeting and kind: a draft superseded or already sent is not work.
            "thank_yous": rows(cur, for_one_student(f"WITH {ONE_STUDENT}{ctes(CURRENT_THANK_YOUS)} SELECT * FROM "
                                                    "current_thank_yous ORDER BY created_at, id", student_id),
                               [student_id]),
            "follow_ups": rows(cur, "SELECT * FROM follow_ups WHERE student_id = ? ORDER BY created_at, id",
                               [student_id]),
        }
        notes = rows(cur, "SELECT * FROM meeting_notes WHERE student_id = ? ORDER BY meeting_id, position",
                     [student_id])
        # Private reflections are filtered in SQL so their text never reaches a page, not even hidden.
        reflections = rows(cur, "SELECT * FROM reflections WHERE student_id = ? AND (NOT is_private OR student_id = ?)",
                           [student_id, actor.user_id])
        outcomes = rows(cur, "SELECT * FROM outcomes WHERE student_id = ? ORDER BY created_at DESC", [student_id])
    notes_by_meeting: dict[int, list] = defaultdict(list)
    for n in notes:
        notes_by_meeting[n["meeting_id"]].append(n)
    reflection_by_meeting = {r["meeting_id"]: r for r in reflections}
    for m in per_contact["meetings"]:
        m["notes"] = notes_by_meeting.get(m["id"], [])
        m["reflection"] = reflection_by_meeting.get(m["id"])
    grouped: dict[str, dict[int, list]] = {k: defaultdict(list) for k in per_contact}
    for kind, items in per_contact.items():
        for item in items:
            grouped[kind][item["contact_id"]].append(item)
    for c in contacts:
        for kind in per_contact:
            c[kind] = grouped[kind].get(c["id"], [])
        c["research"] = c["research"][0] if c["research"] else None
    return {"student": student, "contacts": contacts, "outcomes": outcomes}


def readable_students(db: Database, actor: Actor, *, cohort_id: int | None = None) -> list[dict[str, Any]]:
    """The students the actor may read (optionally one cohort), for a picker: id, name, username, cohort."""
    sub, params = visible_students_sql(actor)
    with db.cursor() as cur:
        return rows(cur, f"""SELECT u.id, u.first_name || ' ' || u.last_name AS name, u.username, co.name AS cohort_name
                             FROM users u JOIN cohort_members cm ON cm.student_id = u.id
                             JOIN cohorts co ON co.id = cm.cohort_id
                             WHERE u.role = 'student' AND u.id IN ({sub})
                               AND (CAST(? AS BIGINT) IS NULL OR cm.cohort_id = ?)
                             ORDER BY co.name, u.last_name, u.first_name, u.id""", [*params, cohort_id, cohort_id])
