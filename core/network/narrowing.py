"""Reflections that narrow the search: per focus occupation, what the conversations held so far say, and who next.

The method asks a student to narrow to about three occupations and then go deeper. Each reflection
rates how well the occupation fits (1 to 5); each meeting log keeps the skill words heard. Per focus
occupation this module gathers the conversations held, the average fit, the skills that came up in
more than one conversation and the work values the student's reflections keep naming, and says
plainly what they suggest: go deeper, keep exploring, or think about replacing it, with the
evidence listed. The student decides; nothing changes by itself.

A private reflection feeds the student's own summary and suggestions and nothing else: a counselor's
summary of the same student leaves it out (its rating and its words).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from core.identity.access import require_read_student, require_role
from core.models import Actor, Role
from core.network import volunteers
from core.store.db import Database, rows

DEEPER_AT = 4.0  # an average fit from here up, over at least RATED_ENOUGH ratings, suggests going deeper
REPLACE_AT = 2.5  # an average fit up to here, over at least RATED_ENOUGH ratings, suggests replacing
RATED_ENOUGH = 2
NO_OCCUPATION = "Not tagged with a focus occupation"

# Work values a reflection may name, each with the words that mean it (matched as whole words, case ignored).
VALUES = {
    "helping people": ["helping people", "help people", "helping others", "make a difference", "patients", "community"],
    "teamwork": ["teamwork", "team", "collaborat"],
    "independence": ["independence", "independent", "autonomy", "on my own", "own schedule"],
    "creativity": ["creativity", "creative", "design", "invent"],
    "variety": ["variety", "every day is different", "varied", "no two days"],
    "stability": ["stability", "stable", "security", "predictable", "steady"],
    "work-life balance": ["balance", "hours", "flexib", "family time"],
    "learning": ["learning", "learn", "grow", "growth"],
    "leadership": ["leadership", "leading", "manage people", "lead a team"],
    "analysis": ["analysis", "analytical", "data", "numbers", "research"],
    "pace": ["fast-paced", "fast paced", "pressure", "deadlines", "pace"],
}
_VALUE_PATTERNS = {name: re.compile("|".join(r"\b" + re.escape(w) for w in words), re.IGNORECASE)
                   for name, words in VALUES.items()}
_SPLIT = re.compile(r"[,;\n/•·]+")


@dataclass
class Conversation:
    """One held meeting, as evidence."""

    meeting_id: int
    contact_id: int
    contact_name: str
    organization: str
    held_at: datetime | None
    fit: int | None


@dataclass
class OccupationSummary:
    """What the conversations in one focus occupation say."""

    occupation_id: int | None
    name: str
    conversations: list[Conversation] = field(default_factory=list)
    skills: list[tuple[str, int]] = field(default_factory=list)
    values: list[tuple[str, int]] = field(default_factory=list)

    @property
    def held(self) -> int:
        return len(self.conversations)

    @property
    def ratings(self) -> list[int]:
        return [c.fit for c in self.conversations if c.fit is not None]

    @property
    def average_fit(self) -> float | None:
        return round(sum(self.ratings) / len(self.ratings), 1) if self.ratings else None

    @property
    def suggestion(self) -> str:
        """deeper | keep | replace | start: what the evidence suggests, for the student to decide."""
        if not self.held:
            return "start"
        if len(self.ratings) >= RATED_ENOUGH and self.average_fit >= DEEPER_AT:
            return "deeper"
        if len(self.ratings) >= RATED_ENOUGH and self.average_fit <= REPLACE_AT:
            return "replace"
        return "keep"

    @property
    def advice(self) -> str:
        """The suggestion in plain words, with the evidence it rests on."""
        rated = len(self.ratings)
        evidence = (f"{self.held} conversation{'s' if self.held != 1 else ''} held"
                    + (f", rated {self.average_fit} of 5 on average over {rated}" if rated else ", none rated yet"))
        return {
            "start": "No conversation held yet: hold one or two before judging this occupation.",
            "deeper": f"Go deeper ({evidence}). It keeps fitting: ask for referrals, and talk with people at other "
                      "levels and organizations to test the parts you have not seen yet.",
            "replace": f"Think about replacing it ({evidence}). It keeps rating low: a neighbouring occupation, or one "
                       "a contact mentioned, may suit you better. It is your call.",
            "keep": f"Keep exploring ({evidence}). One or two more rated conversations will make the picture clearer.",
        }[self.suggestion]


def occupation_summaries(db: Database, actor: Actor, student_id: int) -> list[OccupationSummary]:
    """Per focus occupation of a student, the conversations held and what they suggest.

    The student sees everything of their own; a counselor or the career office sees the same
    summary without the student's private reflections.
    """
    with db.cursor() as cur:
        require_read_student(cur, actor, student_id)
        own = actor.user_id == student_id
        occupations = rows(cur, "SELECT id, name FROM focus_occupations WHERE student_id = ? ORDER BY created_at, id",
                           [student_id])
        held = rows(cur, """
            SELECT m.id AS meeting_id, m.contact_id, c.focus_occupation_id,
                   c.first_name || ' ' || c.last_name AS contact_name, c.organization, m.held_at, m.skill_words,
                   CASE WHEN r.is_private AND NOT ? THEN NULL ELSE r.fit_rating END AS fit,
                   CASE WHEN r.is_private AND NOT ? THEN NULL
                        ELSE concat_ws(' ', r.feelings, r.see_myself, r.view_changed) END AS reflection_text
            FROM meetings m JOIN contacts c ON c.id = m.contact_id
            LEFT JOIN reflections r ON r.meeting_id = m.id
            WHERE m.student_id = ? AND m.status = 'held' AND c.archived_at IS NULL
            ORDER BY m.held_at, m.id""", [own, own, student_id])
    known = {o["id"] for o in occupations}
    summaries = {o["id"]: OccupationSummary(o["id"], o["name"]) for o in occupations}
    skills: dict[int | None, Counter] = {}
    values: dict[int | None, Counter] = {}
    for h in held:
        key = h["focus_occupation_id"] if h["focus_occupation_id"] in known else None
        if key is None and None not in summaries:
            summaries[None] = OccupationSummary(None, NO_OCCUPATION)
        summaries[key].conversations.append(Conversation(h["meeting_id"], h["contact_id"], h["contact_name"].strip(),
                                                         h["organization"], h["held_at"], h["fit"]))
        heard = {" ".join(w.split()).lower() for w in _SPLIT.split(h["skill_words"] or "") if w.strip()}
        skills.setdefault(key, Counter()).update(w for w in heard if len(w) <= 60)
        text = h["reflection_text"] or ""
        values.setdefault(key, Counter()).update(name for name, p in _VALUE_PATTERNS.items() if p.search(text))
    for key, summary in summaries.items():
        # Recurring: named in two conversations or more; the most frequent first, then alphabetically.
        summary.skills = sorted(((w, n) for w, n in skills.get(key, Counter()).items() if n >= 2),
                                key=lambda wn: (-wn[1], wn[0]))[:8]
        summary.values = sorted(((w, n) for w, n in values.get(key, Counter()).items() if n >= 2),
                                key=lambda wn: (-wn[1], wn[0]))[:6]
    return list(summaries.values())


@dataclass(frozen=True)
class NextPerson:
    """Someone to talk to next, and why."""

    kind: str  # referral | volunteer | organization
    name: str
    organization: str
    reason: str
    score: float
    contact_id: int | None = None
    volunteer_id: int | None = None


_NOT_YET_ASKED = """
    SELECT c.id, c.first_name || ' ' || c.last_name AS name, c.organization, c.focus_occupation_id,
           c.referred_by_contact_id, r.first_name || ' ' || r.last_name AS referred_by, c.created_at
    FROM contacts c LEFT JOIN contacts r ON r.id = c.referred_by_contact_id
    WHERE c.student_id = ? AND c.archived_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM outreach_messages o WHERE o.contact_id = c.id AND o.sent_at IS NOT NULL)
      AND NOT EXISTS (SELECT 1 FROM meetings m WHERE m.contact_id = c.id AND m.status <> 'cancelled')"""
"""The student's contacts not yet asked: no request sent, no meeting planned or held."""


def who_next(db: Database, actor: Actor, *, limit: int = 10) -> list[NextPerson]:
    """People the student might talk to next, best first, each with the reason (the student only).

    From, in this order of weight: referrals not yet contacted (someone they met vouched for them),
    volunteers in the occupations the student rates well with room this term, and people in the
    student's list at organizations where a conversation was already held. Within each, a higher
    fit of the person's occupation comes first. Private reflections count here: it is the
    student's own list.
    """
    require_role(actor, Role.STUDENT)
    summaries = {s.occupation_id: s for s in occupation_summaries(db, actor, actor.user_id)}

    def fit_of(occupation_id: int | None) -> float:
        s = summaries.get(occupation_id)
        return (s.average_fit or 3.0) if s is not None and s.ratings else 3.0

    with db.cursor() as cur:
        waiting = rows(cur, _NOT_YET_ASKED + " ORDER BY c.created_at, c.id", [actor.user_id])
    met_at = {" ".join(c.organization.split()).lower(): c.organization
              for s in summaries.values() for c in s.conversations if c.organization.strip()}
    out: list[NextPerson] = []
    for c in waiting:
        fit = fit_of(c["focus_occupation_id"])
        occupation = summaries.get(c["focus_occupation_id"])
        about = f" ({occupation.name})" if occupation is not None and occupation.occupation_id is not None else ""
        if c["referred_by_contact_id"] is not None:
            out.append(NextPerson("referral", c["name"].strip(), c["organization"],
                                  f"Referred by {(c['referred_by'] or 'a contact').strip()}, "
                                  f"and not contacted yet{about}.",
                                  3 + fit / 5, contact_id=c["id"]))
        elif " ".join(c["organization"].split()).lower() in met_at:
            out.append(NextPerson("organization", c["name"].strip(), c["organization"],
                                  f"You already held a conversation at "
                                  f"{met_at[' '.join(c['organization'].split()).lower()]}; "
                                  f"a second person there shows another side of it{about}.", 1 + fit / 5,
                                  contact_id=c["id"]))
    rated_well = {s.occupation_id for s in summaries.values()
                  if s.occupation_id is not None and s.ratings and s.average_fit >= 3.5}
    for v in volunteers.directory(db, actor, focus_only=True):
        if v["is_full"] or v["my_contact_id"] is not None or v["focus_occupation_id"] not in rated_well:
            continue
        s = summaries[v["focus_occupation_id"]]
        out.append(NextPerson("volunteer", f"{v['first_name']} {v['last_name']}".strip(), v["organization"],
                              f"A career office volunteer in {s.name}, which you rate {s.average_fit} of 5; "
                              "they have room this term.", 2 + s.average_fit / 5, volunteer_id=v["id"]))
    out.sort(key=lambda p: (-p.score, p.name))
    return out[:limit]

