"""The student's home to-do list, computed from stored facts every time it is asked for.

Nothing here is stored or scheduled: each item is derived from timestamps already in the
database (meetings held, thank-yous sent, requests sent and replies), with the timing rules of
core/rules/timing.py and core/rules/facts.py, so the list cannot disagree with what was entered.

It covers every stage, so "nothing waiting" is said only when nothing is: no targets yet; a target
not researched; a researched person not yet written to; a yes to schedule; a no (try another person
at the organization, or ask for a referral); and, given the student's goal standings (read by the
caller from core.oversight.progress, an area above this one), the step that moves each goal the
student is behind on. Most urgent first: late thank-yous, then replies to answer and thank-yous
due, meetings to log, follow-ups and notes due, the rest of the open work, then the next steps of
the campaign, furthest along the pipeline first.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
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
    "research": "pages/student_research.py",
    "write_to": "pages/student_outreach.py",
    "schedule": "pages/student_meetings.py",
    "after_decline": "pages/student_targets.py",
    "thank_you": "pages/student_thank_you.py",
    "referrer_thank_you": "pages/student_thank_you.py",
    "follow_up": "pages/student_outreach.py",
    "second_person": "pages/student_targets.py",
    "meeting_soon": "pages/student_meetings.py",
    "log_meeting": "pages/student_meetings.py",
    "draft": "pages/student_outreach.py",
    "reflection": "pages/student_reflection.py",
    "keep_in_touch": "pages/student_keep_in_touch.py",
    "ask_referral": "pages/student_keep_in_touch.py",
    "where_i_landed": "pages/student_keep_in_touch.py",
}

# The order the list is read in (an overdue item comes before all of these): replies to answer and
# thank-yous due; meetings held to log; follow-ups, notes and meetings coming; the rest of the work
# already started; then the campaign's next steps, furthest along the pipeline first.
_RANK = {
    "thank_you": 1, "referrer_thank_you": 1, "schedule": 1,
    "log_meeting": 2,
    "follow_up": 3, "second_person": 3, "keep_in_touch": 3, "meeting_soon": 3,
    "draft": 4, "reflection": 4, "where_i_landed": 4,
    "after_decline": 5, "ask_referral": 5, "write_to": 6, "research": 7, "add_targets": 8,
}

BEHIND = ("behind", "missed")
"""The goal standings (core.oversight.progress.goal_progress) that earn a step on the list."""


@dataclass(frozen=True)
class TodoItem:
    """One thing to do. `contact_name`, and `title` when it names the person, hold the student's own
    text: render them as text, never as markup. `goals` says which of the cohort's goals the step
    moves, for the goals the student is behind on."""

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
    goals: tuple[str, ...] = ()

    @property
    def page(self) -> str:
        return PAGES[self.kind]

    @property
    def rank(self) -> int:
        """Where the item stands in the list's order: 0 for anything overdue, then by kind (_RANK)."""
        return 0 if self.urgency == "overdue" else _RANK[self.kind]


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
              zone: str | None = None, goals: Sequence[Mapping[str, Any]] = ()) -> list[TodoItem]:
    """Everything the student should do next, most urgent first.

    `goals` are the student's standings against the cohort's goals (core.oversight.progress.goal_progress,
    which this area may not read itself): each goal behind pace or missed adds the step that moves it,
    or marks the item already on the list that does."""
    student_id = actor.user_id if student_id is None else student_id
    now = now or utcnow()
    zone = zone or get_settings().timezone
    cohort_timing = student_settings(db, actor, student_id)
    items: list[TodoItem] = []
    with db.cursor() as cur:
        require_read_student(cur, actor, student_id)
        contacts = {c["id"]: c for c in rows(
            cur, """SELECT id, first_name, last_name, organization, archived_at, referred_by_contact_id, priority,
                           created_at
                    FROM contacts WHERE student_id = ? ORDER BY priority, created_at, id""", [student_id])}
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

        standing = _standing(cur, student_id, contacts, active)
    items.extend(_next_steps(standing, contacts))
    items = _with_goals(items, goals, standing, contacts, now)
    order = {cid: n for n, cid in enumerate(contacts)}  # priority, then the order they were added
    items.sort(key=lambda i: (i.rank, not i.goals, i.due_at or datetime.max, order.get(i.contact_id, -1), i.kind,
                              i.contact_name))
    return items


def _standing(cur, student_id: int, contacts: dict, active: set) -> dict[int, dict[str, Any]]:
    """Where each active contact stands, for the next steps: its stage (core.rules.facts.PROGRESS), its
    latest reply, when it last said no, whether anything was written to it since, and its meetings."""
    found = rows(cur, facts.for_one_student(f"""
        WITH {facts.ONE_STUDENT}{facts.ctes(facts.PROGRESS, facts.LATEST_REPLY)},
        o AS (SELECT contact_id, count(*) AS messages, max(sent_at) AS last_sent_at,
                     max(coalesce(replied_at, sent_at)) FILTER (WHERE reply = 'declined') AS declined_at
              FROM outreach_messages WHERE student_id IN (SELECT student_id FROM sc) GROUP BY contact_id),
        m AS (SELECT contact_id, count(*) FILTER (WHERE status <> 'cancelled') AS meetings,
                     count(*) FILTER (WHERE status = 'held') AS held
              FROM meetings WHERE student_id IN (SELECT student_id FROM sc) GROUP BY contact_id)
        SELECT p.contact_id, p.stage, p.outreach_at, r.outreach_reply, coalesce(o.messages, 0) AS messages,
               o.last_sent_at, o.declined_at, coalesce(m.meetings, 0) AS meetings, coalesce(m.held, 0) AS held
        FROM progress p LEFT JOIN f_latest_reply r ON r.contact_id = p.contact_id
        LEFT JOIN o ON o.contact_id = p.contact_id LEFT JOIN m ON m.contact_id = p.contact_id
        WHERE p.archived_at IS NULL""", student_id), [student_id])
    return {s["contact_id"]: s for s in found if s["contact_id"] in active}


def _next_steps(standing: dict[int, dict[str, Any]], contacts: dict) -> list[TodoItem]:
    """The campaign's next step with each person nothing else on the list is about: research a new
    target, write to a person researched, schedule a yes, and after a no, another person or a referral."""
    out: list[TodoItem] = []
    for cid in contacts:  # priority first, then the order they were added
        s = standing.get(cid)
        if s is None:
            continue
        contact = contacts[cid]
        untouched = not s["messages"] and not s["meetings"]  # no draft, no request, no meeting yet
        if untouched and s["stage"] == "target":
            out.append(_item("research", "open", f"Research {_name(contact)} before you write", contact))
        elif untouched and s["stage"] == "research":
            out.append(_item("write_to", "open", f"Write to {_name(contact)}", contact))
        elif s["outreach_reply"] == "accepted" and not s["meetings"]:
            out.append(_item("schedule", "due", "They said yes: agree a time and schedule the meeting", contact))
        elif s["outreach_reply"] == "declined" and _decline_open(s, contact, standing, contacts):
            out.append(_item("after_decline", "open",
                             "They said no: try another person at the organization, or ask them who else to talk to",
                             contact, due_at=s["declined_at"], detail=_second_person_hint(contacts, contact)))
    return out


def _decline_open(s: dict[str, Any], contact: dict, standing: dict[int, dict[str, Any]], contacts: dict) -> bool:
    """Whether a no is still waiting for its next step. It is taken once the student writes to the person
    again (to ask who else to talk to), meets them after all (a referral is recorded with a meeting), or
    adds, or has written to, another person at the same organization."""
    declined_at = s["declined_at"]
    if declined_at is None or s["meetings"] or (s["last_sent_at"] is not None and s["last_sent_at"] > declined_at):
        return False
    org = (contact["organization"] or "").strip().lower()
    if not org:
        return True
    for other_id, other in standing.items():
        peer = contacts[other_id]
        if other_id == contact["id"] or (peer["organization"] or "").strip().lower() != org:
            continue
        if peer["created_at"] > declined_at or other["outreach_at"] is not None:
            return False
    return True


def _goal_words(goal: Mapping[str, Any]) -> str:
    """What a goal the student is behind on asks, in words."""
    if goal["status"] == "missed":
        due = f" was due {goal['due_on']:%d %b}" if goal.get("due_on") else ""
        return f"Your cohort's goal of {goal['target']} {goal['label']}{due}: {goal['current']} so far"
    return (f"Behind your cohort's pace on {goal['label']}: {goal['current']} so far, "
            f"{goal['expected_now']} expected by now")


def _with_goals(items: list[TodoItem], goals: Sequence[Mapping[str, Any]], standing: dict[int, dict[str, Any]],
                contacts: dict, now: datetime) -> list[TodoItem]:
    """Each goal behind pace (or missed) names the step that moves it: the item already on the list that
    does, else a new one."""
    for goal in goals:
        if goal["status"] not in BEHIND:
            continue
        words = _goal_words(goal)
        kind, contact_id = _goal_step(goal["metric"], items, standing, contacts)
        at = next((n for n, i in enumerate(items) if i.kind == kind and i.contact_id == contact_id), None)
        if at is not None:
            items[at] = replace(items[at], goals=(*items[at].goals, words))
            continue
        if kind == "add_targets":
            short = int(goal["target"] if goal["status"] == "missed" else goal["expected_now"]) - int(goal["current"])
            more = max(1, short) if goal["metric"] == "targets" else 1
            title = f"Add {more} more {'person' if more == 1 else 'people'} to your targets"
            items.append(TodoItem("add_targets", "open", title, goals=(words,)))
        else:  # ask_referral: the one step no other item names
            items.append(_item(kind, "open", f"Ask {_name(contacts[contact_id])} who else you could talk to",
                               contacts[contact_id], goals=(words,)))
    return items


def _goal_step(metric: str, items: list[TodoItem], standing: dict[int, dict[str, Any]],
               contacts: dict) -> tuple[str, int | None]:
    """The step that moves a goal's figure soonest, as (kind, contact): for a figure further down the
    pipeline, the step it waits on when nothing is ready to count."""
    def first(kind: str) -> int | None:
        return next((i.contact_id for i in items if i.kind == kind), None)

    ready = {"thanked": "thank_you", "reflections": "reflection"}.get(metric)
    if ready and (cid := first(ready)) is not None:
        return ready, cid
    if metric == "referrals":
        met = [cid for cid in contacts if standing.get(cid, {}).get("held")]
        if met:
            return "ask_referral", met[0]
    chain = {"targets": (), "researched": ("research",), "outreach_sent": ("write_to", "research")}.get(
        metric, ("schedule", "write_to", "research"))
    for kind in chain:
        if (cid := first(kind)) is not None:
            return kind, cid
    return "add_targets", None


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
                    contact_name=_name(contact),
                    organization=contact["organization"] or "", **extra)


def _name(contact: dict) -> str:
    return f"{contact['first_name']} {contact['last_name']}".strip()
