"""Template filling: merge fields like {contact_first_name} filled from the contact, the student and the meeting.

Filling is a plain search-and-replace of known names, never str.format: a brace in a student's
text or an unknown field cannot raise or reach into Python objects. A known field with no value
is left in braces so the student sees what still needs writing (the draft checker flags it too).
"""

from __future__ import annotations

import re
from typing import Any

from core.identity.access import owned_contact, owned_row
from core.models import Actor, Source
from core.store.db import Database, row, scalar

MERGE_FIELDS = {
    "contact_first_name": "the contact's first name",
    "contact_last_name": "the contact's last name",
    "organization": "the contact's organization",
    "title": "the contact's job title",
    "field": "the contact's field or occupation (for a referral with none: the referrer's)",
    "student_name": "your name",
    "connection": "one sentence on how you are connected to the person",
    "referrer_name": "who referred you to the contact",
    "referrer_first_name": "the first name of who referred you",
    "meeting_specifics": "something specific you took from the meeting",
    "outcome": "where you landed",
}

_FIELD = re.compile(r"\{([a-z_]+)\}")

# How the student found the person, said in one sentence (the seeds: always say how you are connected).
CONNECTION_BY_SOURCE = {
    Source.ALUMNI: "I found you through our alumni network.",
    Source.LINKEDIN: "We are connected on LinkedIn.",
    Source.FAMILY: "My family suggested I get in touch with you.",
    Source.FRIEND: "A friend suggested I get in touch with you.",
    Source.PROFESSOR: "One of my professors suggested I contact you.",
    Source.CLASSMATE: "A classmate suggested I contact you.",
    Source.CAREER_FAIR: "We met at the career fair.",
    Source.ASSOCIATION: "I found you through the professional association.",
    Source.GUEST_SPEAKER: "I heard you speak as a guest speaker and wanted to learn more.",
    Source.FORMER_SUPERVISOR: "We worked together before, and I have always valued your view.",
    Source.VOLUNTEER: "I found your name through our career office, which lists you among the people glad to talk "
                      "with students.",
}


def fill(template: str, values: dict[str, str]) -> str:
    """The template with every known merge field that has a value replaced; others stay in braces."""

    def replace(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return value if value else match.group(0)

    return _FIELD.sub(replace, template or "")


def unfilled(text: str) -> list[str]:
    """Known merge fields still in braces in a text, in order of first appearance."""
    seen: list[str] = []
    for name in _FIELD.findall(text or ""):
        if name in MERGE_FIELDS and name not in seen:
            seen.append(name)
    return seen


def connection_sentence(contact: dict[str, Any], referrer: dict[str, Any] | None) -> str:
    """A first sentence saying how the student is connected to the contact, from where they were found."""
    if referrer is not None:
        name = f"{referrer['first_name']} {referrer['last_name']}".strip()
        if contact.get("may_use_referrer_name"):
            return f"{name} suggested I get in touch with you."
        return "A contact of mine suggested I get in touch with you."
    try:
        return CONNECTION_BY_SOURCE.get(Source(contact.get("source") or "other"), "")
    except ValueError:
        return ""


def meeting_specifics(meeting: dict[str, Any] | None) -> str:
    """One or two sentences from the meeting log worth naming in a thank-you."""
    if not meeting:
        return ""
    parts = []
    advice = _first_sentence(meeting.get("advice", ""))
    insight = _first_sentence(meeting.get("insights", ""))
    if advice:
        parts.append(f"Your advice stays with me: {_lower_first(advice)}")
    if insight:
        parts.append(f"I especially valued hearing that {_lower_first(insight)}")
    return " ".join(parts)


# A referrer's names, field and focus occupation (the student's own tag for them).
_PERSON = """c.first_name, c.last_name, c.field, c.title, f.name AS focus_occupation
             FROM contacts c LEFT JOIN focus_occupations f ON f.id = c.focus_occupation_id"""


def _field_of(contact: dict[str, Any], focus_occupation: str | None, referrer: dict[str, Any] | None) -> str:
    """The field a request names: the contact's own, else the focus occupation they are tagged with; a
    referral the student has not described yet is in the referrer's field (that is why they were named),
    and only then the contact's job title."""
    for value in (contact.get("field"), focus_occupation,
                  *((referrer.get("field"), referrer.get("focus_occupation")) if referrer else ()),
                  contact.get("title")):
        if value and value.strip():
            return value.strip()
    return ""


def values_for(db: Database, actor: Actor, contact_id: int, *, meeting_id: int | None = None,
               outcome: str = "") -> dict[str, str]:
    """Merge-field values for one of the acting student's contacts (and optionally one meeting)."""
    with db.cursor() as cur:
        contact = owned_contact(cur, actor, contact_id)
        referrer = None
        if contact["referred_by_contact_id"] is not None:
            referrer = row(cur, f"SELECT {_PERSON} WHERE c.id = ? AND c.student_id = ?",
                           [contact["referred_by_contact_id"], actor.user_id])
        focus = None
        if contact["focus_occupation_id"] is not None:
            focus = scalar(cur, "SELECT name FROM focus_occupations WHERE id = ?", [contact["focus_occupation_id"]])
        meeting = owned_row(cur, actor, "meetings", meeting_id) if meeting_id is not None else None
        student = row(cur, "SELECT first_name, last_name FROM users WHERE id = ?", [actor.user_id]) or {}
    return {
        "contact_first_name": contact["first_name"],
        "contact_last_name": contact["last_name"],
        "organization": contact["organization"],
        "title": contact["title"],
        "field": _field_of(contact, focus, referrer),
        "student_name": f"{student.get('first_name', '')} {student.get('last_name', '')}".strip() or actor.name,
        "connection": connection_sentence(contact, referrer),
        "referrer_name": f"{referrer['first_name']} {referrer['last_name']}".strip() if referrer else "",
        "referrer_first_name": referrer["first_name"] if referrer else "",
        "meeting_specifics": meeting_specifics(meeting),
        "outcome": outcome,
    }


def _first_sentence(text: str) -> str:
    text = (text or "").strip()
    if not text:
        return ""
    match = re.search(r"[.!?;](\s|$)", text)
    sentence = text[: match.start()] if match else text
    return sentence.strip() + "."


def _lower_first(text: str) -> str:
    # Keep acronyms ("UX is...") as written; lower only an ordinary capitalised first word.
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text
