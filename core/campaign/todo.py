"""The student's home to-do list, computed from stored facts every time it is asked for.

Nothing here is stored or scheduled: each item is derived from timestamps already in the
database (meetings held, thank-yous sent, requests sent and replies), with the timing rules of
core/rules/timing.py and core/rules/facts.py, so the list cannot disagree with what was entered.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from core.clock import utcnow
from core.config import get_settings
from core.identity.access import require_read_student
from core.models import Actor
from core.rules import facts, timing
from core.store.db import Database, row, rows

UPCOMING_DAYS = 7

# Where each kind of item is done (the page file under pages/).
PAGES = {
    "add_targets": "pages/student_targets.py",
    "thank_you": "pages/student_thank_you.py",
    "referrer_thank_you": "pages/student_thank_you.py",
    "follow_up": "pages/student_outreach.py",
    "second_person": "pages/student_targets.py",
    "meeting_soon": "pages/student_meetings.py",
    "log_meeting": "pages/student_meetings.py",
    "draft": "pages/student_outreach.py",
    "reflection": "pages/student_reflection.py",
    "keep_in_touch": "pages/student_keep_in_touch.py",
    "where_i_landed": "pages/student_keep_in_touch.py",
}

_URGENCY = {"overdue": 0, "due": 1, "soon": 2, "open": 3}


@dataclass(frozen=True)
class TodoItem:
    """One thing to do. `contact_name` is the student's own text: render it as text, never as markup."""

    kind: str
    urgency: str  # overdue | due | soon | open
    title: str
    contact_id: int | None = None
    contact_name: str = ""
    organization: str = ""
    due_at: datetime | None = None
    hours_left: int | None = None
    hours_late: int | None = None
    detail: str = ""
    item_id: int | None = None

    @property
    def page(self) -> str:
        return PAGES[self.kind]


def _hours(delta: timedelta) -> int:
    return max(0, math.ceil(delta.total_seconds() / 3600))


def _timing(due_at: datetime, now: datetime) -> tuple[str, int | None, int | None]:
    if now > due_at:
        return "overdue", None, _hours(now - due_at)
    return "due", _hours(due_at - now), None


def student_settings(db: Database, actor: Actor, student_id: int) -> dict[str, Any]:
    """The timing settings that apply to a student: their cohort's, else the method's defaults
    (core.rules.timing, as core.rules.facts holds a student in no cohort to them)."""
    with db.cursor() as cur:
        require_read_student(cur, actor, student_id)
        cohort = row(cur, """SELECT c.thank_you_window_hours, c.follow_up_business_days, c.stalled_after_days
                             FROM cohorts c JOIN cohort_members m ON m.cohort_id = c.id WHERE m.student_id = ?""",
                     [student_id])
    return cohort or {"thank_you_window_hours": timing.THANK_YOU_WINDOW_HOURS.default,
                      "follow_up_business_days": timing.FOLLOW_UP_BUSINESS_DAYS.default,
                      "stalled_after_days": timing.STALLED_AFTER_DAYS.default}


def todo_list(db: Database, actor: Actor, student_id: int | None = None, *, now: datetime | None = None,
              zone: str | None = None) -> list[TodoItem]:
    """Everything the student should do next, most urgent first."""
    student_id = actor.user_id if student_id is None else student_id
    now = now or utcnow()
    zone = zone or get_settings().timezone
    cohort_timing = student_settings(db, actor, student_id)
    items: list[TodoItem] = []
    with db.cursor() as cur:
        require_read_student(cur, actor, student_id)
        contacts = {c["id"]: c for c in rows(
            cur, """SELECT id, first_name, last_name, organization, archived_at, referred_by_contact_id
                    FROM contacts WHERE student_id = ?""", [student_id])}
        active = {cid for cid, c in contacts.items() if c["archived_at"] is None}
        if not active:
            items.append(TodoItem("add_targets", "open", "List three to five people whose work you want to understand"))

        # Thank-yous: due and sent as core/rules/facts.py defines them (the cohort's window, 48 h by default).
        for t in rows(cur, facts.for_one_student(f"""WITH {facts.NOW},
                               {facts.ONE_STUDENT}{facts.ctes(facts.THANK_STATUS)}
                               SELECT meeting_id, contact_id, held_at, due_at, sent_at FROM thank_status
                               ORDER BY due_at""", student_id), [now, student_id]):
            if t["contact_id"] not in active:
                continue
            contact = contacts[t["contact_id"]]
            if t["sent_at"] is None:
                urgency, left, late = _timing(t["due_at"], now)
                items.append(_item("thank_you", urgency, "Send your thank-you", contact, due_at=t["due_at"],
                                   hours_left=left, hours_late=late, item_id=t["meeting_id"]))
            referrer_id = contact["referred_by_contact_id"]
            if referrer_id is not None and referrer_id in contacts:
                sent = row(cur, """SELECT count(*) AS n FROM thank_yous WHERE contact_id = ? AND kind = 'referrer'
                                   AND sent_at IS NOT NULL""", [t["contact_id"]])
                if not sent["n"]:
                    referrer = contacts[referrer_id]
                    urgency, left, late = _timing(t["due_at"], now)
                    items.append(_item(
                        "referrer_thank_you", urgency, "Thank whoever referred you", contact, due_at=t["due_at"],
                        hours_left=left, hours_late=late, item_id=t["meeting_id"],
                        detail=f"{referrer['first_name']} {referrer['last_name']}".strip()))

        items.extend(_follow_ups(cur, student_id, contacts, active, cohort_timing, now, zone))

        for m in rows(cur, """SELECT id, contact_id, starts_at, mode FROM meetings
                              WHERE student_id = ? AND status = 'scheduled' ORDER BY starts_at""", [student_id]):
            if m["contact_id"] not in active:
                continue
            if m["starts_at"] <= now:
                items.append(_item("log_meeting", "due", "Log the meeting you held", contacts[m["contact_id"]],
                                   due_at=m["starts_at"], item_id=m["id"]))
            elif m["starts_at"] <= now + timedelta(days=UPCOMING_DAYS):
                items.append(_item("meeting_soon", "soon", "Prepare for your meeting", contacts[m["contact_id"]],
                                   due_at=m["starts_at"], hours_left=_hours(m["starts_at"] - now), item_id=m["id"]))

        for d in rows(cur, """SELECT id, contact_id, purpose, channel, created_at FROM outreach_messages
                              WHERE student_id = ? AND sent_at IS NULL ORDER BY created_at""", [student_id]):
            if d["contact_id"] in active:
                what = "follow-up" if d["purpose"] == "follow_up" else "request"
                items.append(_item("draft", "open", f"Finish and send your draft {what}", contacts[d["contact_id"]],
                                   item_id=d["id"], detail=d["channel"]))

        for m in rows(cur, """SELECT m.id, m.contact_id, m.held_at FROM meetings m
                              LEFT JOIN reflections r ON r.meeting_id = m.id
                              WHERE m.student_id = ? AND m.status = 'held' AND r.id IS NULL ORDER BY m.held_at""",
                      [student_id]):
            if m["contact_id"] in active:
                items.append(_item("reflection", "open", "Reflect on your meeting", contacts[m["contact_id"]],
                                   item_id=m["id"]))

        for f in rows(cur, """SELECT id, contact_id, kind, due_on FROM follow_ups
                              WHERE student_id = ? AND sent_at IS NULL AND due_on IS NOT NULL AND due_on <= ?
                              ORDER BY due_on""", [student_id, now.date()]):
            if f["contact_id"] in active:
                items.append(_item("keep_in_touch", "due", "Send the keep-in-touch note you planned",
                                   contacts[f["contact_id"]], item_id=f["id"], detail=f["kind"]))

        for c in rows(cur, """SELECT DISTINCT oc.contact_id, o.id AS outcome_id FROM outcomes o
                              JOIN outcome_contacts oc ON oc.outcome_id = o.id
                              WHERE o.student_id = ? AND o.kind <> 'none' AND NOT EXISTS (
                                  SELECT 1 FROM follow_ups f WHERE f.contact_id = oc.contact_id
                                  AND f.kind = 'where_i_landed' AND f.sent_at IS NOT NULL)
                              ORDER BY oc.contact_id""", [student_id]):
            if c["contact_id"] in active:
                items.append(_item("where_i_landed", "open", "Tell them where you landed", contacts[c["contact_id"]],
                                   item_id=c["outcome_id"]))
    items.sort(key=lambda i: (_URGENCY[i.urgency], i.due_at or datetime.max, i.kind, i.contact_name))
    return items


def _follow_ups(cur, student_id: int, contacts: dict, active: set, cohort_timing: dict, now: datetime,
                zone: str) -> list[TodoItem]:
    """Requests without a reply after N business days: one polite follow-up, then a second person."""
    days = int(cohort_timing["follow_up_business_days"])
    out: list[TodoItem] = []
    for w in rows(cur, facts.for_one_student(f"WITH {facts.ONE_STUDENT}, {facts.WAITING} SELECT * FROM waiting",
                                             student_id),
                  [student_id]):
        if w["contact_id"] not in active:
            continue
        step = timing.follow_up_step(w, days, zone)
        if step is None or now < step[1]:
            continue
        kind, due = step
        contact = contacts[w["contact_id"]]
        title = "Send one polite follow-up" if kind == "follow_up" else "Try a second person at the same organization"
        out.append(_item(kind, "due", title, contact, due_at=due, detail=_second_person_hint(contacts, contact)))
    return out


def _second_person_hint(contacts: dict, contact: dict) -> str:
    org = (contact["organization"] or "").strip().lower()
    if not org:
        return ""
    others = [c for c in contacts.values() if c["id"] != contact["id"] and c["archived_at"] is None
              and (c["organization"] or "").strip().lower() == org]
    if others:
        names = ", ".join(f"{c['first_name']} {c['last_name']}".strip() for c in others[:3])
        return f"Also on your list at the same organization: {names}"
    return "Or add a second person at the same organization to your targets"


def _item(kind: str, urgency: str, title: str, contact: dict, **extra: Any) -> TodoItem:
    return TodoItem(kind, urgency, title, contact_id=contact["id"],
                    contact_name=f"{contact['first_name']} {contact['last_name']}".strip(),
                    organization=contact["organization"] or "", **extra)
