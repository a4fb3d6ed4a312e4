"""The audit view: the event log filtered by person, cohort, action and date, each event told as one
plain sentence with people's names (never ids or the stored JSON)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from core.admin import disclosures
from core.admin.disclosures import COMMAND_LINE
from core.identity.access import active_only, require_role
from core.models import GOAL_LABELS, Actor, Role
from core.store.db import Database, rows


@active_only
def list_events(
    db: Database, actor: Actor, *, user_id: int | None = None, cohort_id: int | None = None,
    since: date | None = None, until: date | None = None, action: str | None = None,
    entity_type: str | None = None, limit: int = 1_000, zone: str = "UTC",
) -> list[dict[str, Any]]:
    """Events newest first (admins only), each with its `sentence` (times in it in `zone`).

    user_id matches what a person did, what was done to their account or campaign, and their being
    assigned to or taken off a cohort as its counselor; cohort_id matches the cohort recorded with
    the event, so a student's history stays with the cohort they were in at the time. `until` is
    inclusive (the whole day).
    """
    require_role(actor, Role.ADMIN)
    until_exclusive = until + timedelta(days=1) if until else None
    # The assignment events name the counselor only in their detail, written by json.dumps as exactly this.
    as_counselor = json.dumps({"counselor_id": user_id}) if user_id is not None else None
    with db.cursor() as cur:
        found = rows(
            cur,
            """SELECT e.id, e.occurred_at, e.action, e.entity_type, e.entity_id, e.detail,
                      e.actor_id, coalesce(a.first_name || ' ' || a.last_name, 'system') AS actor,
                      a.role AS actor_role,
                      e.student_id, s.first_name || ' ' || s.last_name AS student,
                      coalesce(e.cohort_id, ce.id) AS cohort_id, coalesce(c.name, ce.name) AS cohort, e.contact_id,
                      t.first_name AS subject_first, t.last_name AS subject_last, t.role AS subject_role,
                      k.first_name AS contact_first, k.last_name AS contact_last,
                      v.first_name AS volunteer_first, v.last_name AS volunteer_last,
                      li.kind AS item_kind, li.title AS item_title, li.body AS item_body
               FROM events e
               LEFT JOIN users a ON a.id = e.actor_id
               LEFT JOIN users s ON s.id = e.student_id
               LEFT JOIN cohorts c ON c.id = e.cohort_id
               LEFT JOIN cohorts ce ON e.entity_type = 'cohort' AND ce.id = e.entity_id
               LEFT JOIN users t ON e.entity_type = 'user' AND t.id = e.entity_id
               LEFT JOIN contacts k
                      ON k.id = coalesce(e.contact_id, CASE WHEN e.entity_type = 'contact' THEN e.entity_id END)
               LEFT JOIN volunteers v ON e.entity_type = 'volunteer' AND v.id = e.entity_id
               LEFT JOIN library_items li ON e.entity_type = 'library_item' AND li.id = e.entity_id
               WHERE (? IS NULL OR e.actor_id = ? OR e.student_id = ?
                      OR (e.entity_type = 'user' AND e.entity_id = ?)
                      OR (e.entity_type = 'cohort' AND e.action IN ('assigned', 'unassigned') AND e.detail = ?))
                 AND (? IS NULL OR e.cohort_id = ?
                      OR (e.entity_type = 'cohort' AND e.entity_id = ?))
                 AND (? IS NULL OR e.occurred_at >= ?)
                 AND (? IS NULL OR e.occurred_at < ?)
                 AND (? IS NULL OR e.action = ?)
                 AND (? IS NULL OR e.entity_type = ?)
               ORDER BY e.occurred_at DESC, e.id DESC
               LIMIT ?""",
            [user_id, user_id, user_id, user_id, as_counselor, cohort_id, cohort_id, cohort_id,
             _start(since), _start(since), _start(until_exclusive), _start(until_exclusive),
             action, action, entity_type, entity_type, limit],
        )
        for event in found:
            event["details"] = _details(event["detail"])
            event["subject"] = _name(event.pop("subject_first"), event.pop("subject_last"))
            event["contact"] = _name(event.pop("contact_first"), event.pop("contact_last"))
            event["volunteer"] = _name(event.pop("volunteer_first"), event.pop("volunteer_last"))
            event["item"] = _item(event.pop("item_kind"), event.pop("item_title"), event.pop("item_body"))
            event["address"] = address_of(event["details"])
        people = _names(cur, "users", {i for e in found for i in _referenced(e["details"], _USER_KEYS)})
        cohorts = _names(cur, "cohorts", {i for e in found for i in _referenced(e["details"], _COHORT_KEYS)})
    for event in found:
        event["people"], event["cohorts"] = people, cohorts
        event["sentence"] = describe(event, zone=zone)
        del event["people"], event["cohorts"]
    return found


def address_of(details: dict[str, Any]) -> str | None:
    """The client address an event was recorded from (sign-ins and downloads keep it), if any."""
    found = details.get("address")
    return found if isinstance(found, str) and found else None


def _start(day: date | None) -> datetime | None:
    return datetime(day.year, day.month, day.day) if day else None


@active_only
def actions(db: Database, actor: Actor) -> list[str]:
    """The distinct actions in the log, for the filter."""
    require_role(actor, Role.ADMIN)
    with db.cursor() as cur:
        return [r["action"] for r in rows(cur, "SELECT DISTINCT action FROM events ORDER BY action")]


@active_only
def kinds(db: Database, actor: Actor) -> list[str]:
    """The kinds of record the log's events concern (user, cohort, contact, disclosure, ...), for the filter."""
    require_role(actor, Role.ADMIN)
    with db.cursor() as cur:
        return [r["entity_type"] for r in rows(cur, "SELECT DISTINCT entity_type FROM events ORDER BY entity_type")]


_KIND_WORDS = {"user": "accounts and sign-ins", "disclosure": "downloads of student records",
               "backup": "backups (before downloads were recorded)", "sso_policy": "single sign-on policy",
               "library_item": "content library", "thank_you": "thank-you notes", "follow_up": "keep-in-touch notes",
               "focus_occupation": "focus occupations", "calendar_feed": "calendar feeds"}


def kind_words(entity_type: str) -> str:
    """A kind of record as words for the filter ("library_item" -> "content library")."""
    return _KIND_WORDS.get(entity_type, entity_type.replace("_", " "))


CSV_COLUMNS = ["occurred_at_utc", "who", "role", "what_happened", "student", "cohort", "address", "action", "kind"]


def events_csv(events: list[dict[str, Any]]) -> bytes:
    """Events as list_events gives them, as a CSV that opens cleanly in Excel (UTF-8 with a byte-order mark, ISO
    times in UTC, no cell that starts a spreadsheet formula)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for e in events:
        at = e["occurred_at"]
        writer.writerow([_cell(v) for v in (
            at.isoformat(timespec="seconds") if isinstance(at, datetime) else at,
            e["actor"] if e["actor_id"] is not None else "the portal (automatic)", e["actor_role"], e["sentence"],
            e["student"], e["cohort"], e.get("address"), e["action"], e["entity_type"])])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # A leading apostrophe makes spreadsheets show the text as typed instead of running it.
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def action_words(action: str) -> str:
    """An action as words for a filter ("joined_cohort" -> "joined cohort")."""
    return action.replace("_", " ")


# ---------------------------------------------------------------- names the details point to

_USER_KEYS = ("counselor_id", "break_glass_user_id")
_COHORT_KEYS = ("cohort_id",)


def _details(text: Any) -> dict[str, Any]:
    if isinstance(text, dict):
        return text
    try:
        parsed = json.loads(text) if text else {}
    except (TypeError, ValueError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _referenced(details: dict[str, Any], keys: tuple[str, ...]) -> list[int]:
    return [n for n in (_whole(details.get(k)) for k in keys) if n is not None]


def _whole(value: Any) -> int | None:
    """A whole number from a detail (json keeps ints; the roster wrote some as text)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _names(cur, table: str, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    wanted = sorted(ids)
    marks = ", ".join("?" for _ in wanted)
    if table == "users":
        found = rows(cur, f"SELECT id, first_name, last_name FROM users WHERE id IN ({marks})", wanted)
        return {int(r["id"]): _name(r["first_name"], r["last_name"]) for r in found}
    found = rows(cur, f"SELECT id, name FROM cohorts WHERE id IN ({marks})", wanted)
    return {int(r["id"]): r["name"] for r in found}


def _name(first: str | None, last: str | None) -> str | None:
    joined = " ".join(part for part in (first, last) if part and part.strip()).strip()
    return joined or None


_ITEM_KINDS = {"question": "question", "template": "message template", "reflection_prompt": "reflection prompt",
               "contact_source": "contact source"}


def _item(kind: str | None, title: str | None, body: str | None) -> str | None:
    if kind is None:
        return None
    text = " ".join((title or body or "").split())
    text = text if len(text) <= 60 else text[:59].rstrip() + "…"
    return f"the {_ITEM_KINDS.get(kind, kind.replace('_', ' '))} “{text}”" if text else None


# ---------------------------------------------------------------- one sentence per event


@dataclass
class _Told:
    """What a sentence may name about one event, each with a readable stand-in when it is unknown."""

    event: dict[str, Any]
    zone: str
    d: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.d = self.event.get("details") or _details(self.event.get("detail"))

    @property
    def who(self) -> str:
        if self.event.get("actor_id") is None:
            return "The portal"
        return self.event.get("actor") or "Someone"

    @property
    def by_self(self) -> bool:
        return self.event.get("actor_id") is not None and self.event.get("actor_id") == self.event.get("entity_id")

    @property
    def target(self) -> str:
        return self.event.get("subject") or "an account since removed"

    @property
    def student(self) -> str:
        return self.event.get("student") or "a student"

    @property
    def students(self) -> str:
        """The student's, as in "Sam Ng's campaign"."""
        return _possessive(self.event.get("student")) if self.event.get("student") else "a student's"

    @property
    def contact(self) -> str:
        return self.event.get("contact") or "a contact"

    @property
    def cohort(self) -> str:
        return self.event.get("cohort") or "a cohort"

    @property
    def volunteer(self) -> str:
        return self.event.get("volunteer") or "a volunteer"

    @property
    def item(self) -> str:
        return self.event.get("item") or "an entry"

    def person(self, key: str, fallback: str) -> str:
        return (self.event.get("people") or {}).get(_whole(self.d.get(key))) or fallback

    def cohort_named(self, key: str) -> str | None:
        return (self.event.get("cohorts") or {}).get(_whole(self.d.get(key)))

    def moment(self, key: str) -> str:
        """A time from the detail (stored UTC) in the portal's zone, as "12 Mar 2026, 14:30"."""
        try:
            at = datetime.fromisoformat(str(self.d[key]))
        except (KeyError, ValueError):
            return ""
        at = at if at.tzinfo else at.replace(tzinfo=timezone.utc)
        return at.astimezone(ZoneInfo(self.zone)).strftime("%d %b %Y, %H:%M")

    def word(self, key: str) -> str:
        return str(self.d.get(key) or "").replace("_", " ").strip()

    def number(self, key: str) -> int:
        return _whole(self.d.get(key)) or 0


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _counted(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _listed(words: list[str]) -> str:
    words = [w for w in words if w]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


_FIELD_WORDS = {
    "name": "name", "term_start": "term start", "term_end": "term end",
    "thank_you_window_hours": "thank-you window (hours)", "stalled_after_days": "stalled after (days)",
    "follow_up_business_days": "follow-up after (business days)", "student_number": "student ID",
    "first_name": "first name", "last_name": "last name", "email": "email", "cohort": "cohort",
    "about_person": "notes on the person", "about_organization": "notes on the organization",
    "about_field": "notes on the field", "links": "links", "linkedin_url": "LinkedIn address",
    "focus_occupation_id": "focus occupation", "cohort_id": "cohort", "other_channel": "other channel",
    "source_detail": "where found",
}


def _fields(t: _Told, key: str = "fields") -> str:
    names = t.d.get(key)
    if not isinstance(names, list):
        return ""
    return _listed([_FIELD_WORDS.get(str(n), str(n).replace("_", " ")) for n in names])


def _with_fields(sentence: str, t: _Told, key: str = "fields") -> str:
    said = _fields(t, key)
    return f"{sentence} ({said})" if said else sentence


_COHORT_CHANGES = {
    "name": "the name to “{}”", "term_start": "the term start to {}", "term_end": "the term end to {}",
    "thank_you_window_hours": "the thank-you window to {} hours", "stalled_after_days": "stalled to after {} days",
    "follow_up_business_days": "follow-ups to after {} business days",
}


def _cohort_changes(t: _Told) -> str:
    changed = [words.format(t.d[k]) for k, words in _COHORT_CHANGES.items()
               if isinstance(t.d.get(k), str | int) and not isinstance(t.d.get(k), bool)]
    base = f"{t.who} changed the settings of {t.cohort}"
    return f"{base}: {_listed(changed)}" if changed else base


def _roster_update(t: _Told) -> str:
    changed = _listed([_FIELD_WORDS[k] for k in ("first_name", "last_name", "email", "student_number") if k in t.d])
    said = f"{t.who} updated the account of {t.target}" + (" from a roster" if t.d.get("source") == "roster" else "")
    said += f": {changed} changed" if changed else ""
    if "cohort_id" in t.d:
        said += ("; " if changed else ": ") + f"moved to {t.cohort_named('cohort_id') or 'another cohort'}"
    return said


def _created_account(t: _Told) -> str:
    role = t.word("role") or t.event.get("subject_role") or ""
    made = f"{t.who} created an account for {t.target}" + (f" ({role})" if role else "")
    return made + (" from a roster" if t.d.get("source") == "roster" else "")


def _registered(t: _Told) -> str:
    cohort = t.cohort_named("cohort_id") or t.event.get("cohort")
    said = f"{t.who} registered" + (" with single sign-on" if t.d.get("via") else "")
    return said + (f" and joined {cohort}" if cohort else "")


def _role_changed(t: _Told) -> str:
    said = f"{t.who} changed the role of {t.target} from {t.word('from') or 'their old role'} " \
           f"to {t.word('to') or 'a new one'}"
    if "cohort_id" in t.d or t.d.get("cohort_ids"):
        said += "; they left their cohort" + ("s" if len(t.d.get("cohort_ids") or []) > 1 else "")
    return said


def _sso_policy(t: _Told) -> str:
    if t.d.get("require_sso"):
        keeper = t.person("break_glass_user_id", "one admin")
        return f"{t.who} made single sign-on required for everyone; {keeper} keeps a password for emergencies"
    return f"{t.who} let people sign in with a password again"


def _goal_set(t: _Told) -> str:
    metric = GOAL_LABELS.get(t.d.get("metric"), t.word("metric") or "steps")
    target = t.number("target")
    return f"{t.who} set a goal for {t.cohort}: {target} {metric}" if target else f"{t.who} set a goal for {t.cohort}"


def _goal_edited(t: _Told) -> str:
    before = t.d.get("before") if isinstance(t.d.get("before"), dict) else {}
    changes = []
    if before.get("target") != t.d.get("target") and t.d.get("target") is not None:
        changes.append(f"the target from {before.get('target', 'none')} to {t.d['target']}")
    if before.get("due_on") != t.d.get("due_on") and t.d.get("due_on") is not None:
        due = {"None": "no date"}
        changes.append(f"the due date from {due.get(str(before.get('due_on')), before.get('due_on'))} "
                       f"to {due.get(str(t.d['due_on']), t.d['due_on'])}")
    base = f"{t.who} changed a goal of {t.cohort}"
    return f"{base}: {_listed(changes)}" if changes else base


def _registration(opened: bool) -> Callable[[_Told], str]:
    def told(t: _Told) -> str:
        if not opened:
            return f"{t.who} closed self-registration for {t.cohort}"
        said = f"{t.who} opened self-registration for {t.cohort}"
        domains = t.d.get("domains")
        if isinstance(domains, list) and domains:
            said += " to addresses at " + _listed([str(x) for x in domains])
        return said + (" with a new invite code" if t.d.get("code_changed") else "")
    return told


def _imported(what: str) -> Callable[[_Told], str]:
    def told(t: _Told) -> str:
        counts = [f"{t.number('created')} added", f"{t.number('updated')} updated",
                  _counted(t.number("rejected"), "line") + " skipped"]
        return f"{t.who} imported {what}: {_listed(counts)}"
    return told


def _default_cap(t: _Told) -> str:
    if t.d.get("cap") is None:
        return f"{t.who} removed the default cap on how many students may ask one person per term"
    return f"{t.who} set the default cap to {_counted(t.number('cap'), 'student')} per person per term"


def _person_cap(t: _Told) -> str:
    label = str(t.d.get("label") or "a person")
    if t.d.get("cap") is None:
        return f"{t.who} lifted the cap on {label}"
    return f"{t.who} capped {label} at {_counted(t.number('cap'), 'student')} per term"


def _backup(t: _Told) -> str:
    size = t.number("bytes")
    return f"{t.who} downloaded a backup of the portal" + (f" ({size / 1_000_000:.1f} MB)" if size else "")


def _disclosed(t: _Told) -> str:
    kind = str(t.d.get("kind") or "")
    said = f"{t.who} downloaded " + (("a " if kind == "backup" else "the ") + disclosures.kind_words(kind) if kind
                                     else "a file holding student records")
    cohort = t.cohort_named("cohort_id")
    if kind == "archive" and t.event.get("student"):
        own = t.event.get("actor_id") is not None and t.event.get("actor_id") == t.event.get("student_id")
        said = f"{t.who} downloaded a copy of " + ("their own records" if own else f"{t.students} records")
    elif cohort:
        said += f" of {cohort}"
    counts = []
    if isinstance(t.d.get("rows"), int) and not isinstance(t.d.get("rows"), bool):
        counts.append(_counted(t.d["rows"], "row"))
    if t.number("students"):
        counts.append(_counted(t.number("students"), "student"))
    if t.number("bytes"):
        counts.append(f"{t.number('bytes') / 1_000_000:.1f} MB")
    said += f" ({', '.join(counts)})" if counts else ""
    if t.d.get("address") == COMMAND_LINE:
        said += " from the command line"
    if t.d.get("outside"):
        said += " for someone outside the institution: " + " ".join(str(t.d.get("purpose") or "no purpose").split())
    return said


def _scheduled(verb: str, at: str) -> Callable[[_Told], str]:
    def told(t: _Told) -> str:
        when, mode = t.moment("starts_at"), t.word("mode")
        said = f"{t.who} {verb} with {t.contact}"
        return said + (f" {at} {when}" if when else "") + (f" ({mode})" if mode else "")
    return told


def _thank_you(verb: str) -> Callable[[_Told], str]:
    def told(t: _Told) -> str:
        to_referrer = t.d.get("kind") == "referrer"
        return f"{t.who} {verb} a thank-you " + (f"to the person who referred {t.contact}" if to_referrer
                                                  else f"to {t.contact}")
    return told


def _outcome_kind(t: _Told) -> str:
    return {"job_offer": "a job offer", "internship": "an internship", "none": "no offer yet"}.get(
        t.d.get("kind"), t.word("kind") or "an outcome")


def _outcome(done: str) -> Callable[[_Told], str]:
    def say(t: _Told) -> str:
        helped = t.number("helped")
        return f"{t.who} {done}: {_outcome_kind(t)}" + (
            f", helped by {_counted(helped, 'contact')}" if helped else "")
    return say


_DRAFTS = {"email": "an email", "linkedin": "a LinkedIn message", "phone": "a phone script",
           "other": "a request"}
_BY = {"email": " by email", "linkedin": " on LinkedIn", "phone": " by phone", "other": ""}
_REPLIES = {"accepted": "accepted a meeting", "declined": "declined", "no_reply": "did not reply"}

_COMMENT_SUBJECTS = {"student": "campaign", "contact": "target", "outreach": "outreach request",
                     "meeting": "meeting", "thank_you": "thank-you", "reflection": "reflection",
                     "follow_up": "follow-up", "outcome": "outcome"}


def _commented(t: _Told) -> str:
    subject = _COMMENT_SUBJECTS.get(t.event.get("entity_type"), "work")
    said = f"{t.who} commented on {t.students} {subject}"
    if t.event.get("entity_type") == "contact" and t.event.get("contact"):
        said += f" {t.contact}"
    nudged = t.number("nudge")
    return said + (f" (one nudge sent to {_counted(nudged, 'student')})" if nudged > 1 else "")


def _comment(verb: str) -> Callable[[_Told], str]:
    def told(t: _Told) -> str:
        subject = _COMMENT_SUBJECTS.get(t.d.get("subject_type"), "work")
        return f"{t.who} {verb} a comment on {t.students} {subject}"
    return told


_SENTENCES: dict[tuple[str, str], Callable[[_Told], str]] = {
    # accounts and sign-in
    ("user", "created"): _created_account,
    ("user", "registered"): _registered,
    ("user", "signed_in"): lambda t: f"{t.who} signed in",
    ("user", "signed_out"): lambda t: f"{t.who} signed out",
    ("user", "password_changed"): lambda t: (f"{t.who} chose a new password" if t.by_self
                                             else f"{t.who} changed the password of {t.target}"),
    ("user", "password_reset"): lambda t: f"{t.who} gave {t.target} a new one-time password",
    ("user", "role_changed"): _role_changed,
    ("user", "deactivated"): lambda t: f"{t.who} deactivated the account of {t.target}",
    ("user", "reactivated"): lambda t: f"{t.who} reactivated the account of {t.target}",
    ("user", "unlocked"): lambda t: f"{t.who} unlocked sign-in for {t.target}",
    ("user", "updated"): _roster_update,
    ("user", "erased"): lambda t: f"{t.who} erased the records of {t.target}",
    ("student_records", "archived"): lambda t: (
        f"{t.who} downloaded a copy of " + ("their own records" if t.by_self else f"{t.students} records")
        + f" ({_counted(t.number('rows'), 'row')})"),
    ("sso_policy", "sso_policy_changed"): _sso_policy,
    # cohorts
    ("cohort", "created"): lambda t: f"{t.who} created the cohort {t.cohort}",
    ("cohort", "updated"): _cohort_changes,
    ("cohort", "archived"): lambda t: f"{t.who} archived {t.cohort}",
    ("cohort", "unarchived"): lambda t: f"{t.who} brought {t.cohort} back from the archive",
    ("cohort", "assigned"): lambda t: f"{t.who} assigned {t.person('counselor_id', 'a counselor')} to {t.cohort}",
    ("cohort", "unassigned"): lambda t: f"{t.who} took {t.person('counselor_id', 'a counselor')} off {t.cohort}",
    ("cohort", "joined_cohort"): lambda t: (f"{t.student} joined {t.cohort}" if t.event.get("actor_id") is not None
                                            and t.event.get("actor_id") == t.event.get("student_id")
                                            else f"{t.who} added {t.student} to {t.cohort}"),
    ("cohort", "goal_set"): _goal_set,
    ("cohort", "goal_edited"): _goal_edited,
    ("cohort", "goal_retired"): lambda t: f"{t.who} retired a goal of {t.cohort}",
    ("cohort", "goal_restored"): lambda t: f"{t.who} brought back a retired goal of {t.cohort}",
    ("cohort", "registration_opened"): _registration(True),
    ("cohort", "registration_closed"): _registration(False),
    ("cohort", "invite_code_changed"): lambda t: f"{t.who} gave {t.cohort} a new invite code",
    ("cohort", "roster_imported"): _imported("a roster of students"),
    ("cohort", "sso_domain_allowed"): lambda t: (f"{t.who} let people with addresses at "
                                                 f"{t.d.get('domain') or 'a domain'} join {t.cohort} "
                                                 "through single sign-on"),
    ("cohort", "sso_domain_removed"): lambda t: (f"{t.who} stopped single sign-on from "
                                                 f"{t.d.get('domain') or 'a domain'} into {t.cohort}"),
    # a student's campaign
    ("focus_occupation", "created"): lambda t: f"{t.who} chose " + (
        f"the focus occupation {t.d['name']}" if t.d.get("name") else "a focus occupation"),
    ("focus_occupation", "deleted"): lambda t: f"{t.who} dropped " + (
        f"the focus occupation {t.d['name']}" if t.d.get("name") else "a focus occupation"),
    ("contact", "created"): lambda t: f"{t.who} added {t.contact} as a target",
    ("contact", "imported"): lambda t: f"{t.who} imported {t.contact} from LinkedIn as a target",
    ("contact", "referred"): lambda t: f"{t.who} added {t.contact}, a referral from a meeting, as a target",
    ("contact", "edited"): lambda t: _with_fields(f"{t.who} edited the details of {t.contact}", t),
    ("contact", "archived"): lambda t: f"{t.who} archived the target {t.contact}",
    ("contact", "restored"): lambda t: f"{t.who} brought back the target {t.contact}",
    ("contact", "referral_edited"): lambda t: f"{t.who} edited how {t.contact} was referred",
    ("research", "saved"): lambda t: _with_fields(f"{t.who} wrote research notes on {t.contact}", t),
    ("research", "edited"): lambda t: _with_fields(f"{t.who} edited the research notes on {t.contact}", t),
    ("question", "planned"): lambda t: f"{t.who} planned a question to ask {t.contact}",
    ("question", "edited"): lambda t: f"{t.who} reworded a question to ask {t.contact}",
    ("question", "removed"): lambda t: f"{t.who} removed a question to ask {t.contact}",
    ("question", "restored"): lambda t: f"{t.who} brought back a question to ask {t.contact}",
    ("question", "reordered"): lambda t: f"{t.who} reordered the questions to ask {t.contact}",
    ("outreach", "drafted"): lambda t: f"{t.who} drafted {_DRAFTS.get(t.d.get('channel'), 'a request')} "
                                       f"to {t.contact}",
    ("outreach", "edited"): lambda t: f"{t.who} edited a draft to {t.contact}",
    ("outreach", "deleted"): lambda t: f"{t.who} deleted a draft to {t.contact}",
    ("outreach", "sent"): lambda t: f"{t.who} sent a request to {t.contact}" + _BY.get(t.d.get("channel"), ""),
    ("outreach", "reply_recorded"): lambda t: f"{t.who} recorded that {t.contact} "
                                              f"{_REPLIES.get(t.d.get('reply'), 'replied')}",
    ("thank_you", "drafted"): _thank_you("drafted"),
    ("thank_you", "edited"): _thank_you("edited"),
    ("thank_you", "sent"): _thank_you("sent"),
    ("meeting", "scheduled"): _scheduled("scheduled a meeting", "for"),
    ("meeting", "rescheduled"): _scheduled("moved the meeting", "to"),
    ("meeting", "cancelled"): lambda t: f"{t.who} cancelled the meeting with {t.contact}",
    ("meeting", "restored"): lambda t: f"{t.who} brought back the cancelled meeting with {t.contact}",
    ("meeting", "logged"): lambda t: f"{t.who} logged the meeting with {t.contact}",
    ("meeting", "log_edited"): lambda t: f"{t.who} edited the log of the meeting with {t.contact}",
    ("reflection", "written"): lambda t: f"{t.who} wrote a reflection on the meeting with {t.contact}",
    ("reflection", "edited"): lambda t: f"{t.who} edited the reflection on the meeting with {t.contact}",
    ("follow_up", "planned"): lambda t: f"{t.who} planned a follow-up with {t.contact}",
    ("follow_up", "sent"): lambda t: f"{t.who} followed up with {t.contact}",
    ("follow_up", "edited"): lambda t: f"{t.who} edited a follow-up with {t.contact}",
    ("outcome", "recorded"): _outcome("recorded where they landed"),
    ("outcome", "edited"): _outcome("edited where they landed"),
    ("outcome", "removed"): _outcome("removed an outcome"),
    ("outcome", "restored"): _outcome("brought back an outcome"),
    ("calendar_feed", "calendar_feed_made"): lambda t: f"{t.who} made a private calendar address for their meetings",
    ("calendar_feed", "calendar_feed_replaced"): lambda t: (f"{t.who} made a new private calendar address; "
                                                            "the old one no longer opens"),
    ("calendar_feed", "calendar_feed_revoked"): lambda t: f"{t.who} turned off their private calendar address",
    # oversight
    **{(subject, "commented"): _commented for subject in _COMMENT_SUBJECTS},
    ("comment", "edited"): _comment("edited"),
    ("comment", "withdrawn"): _comment("withdrew"),
    ("comment", "restored"): _comment("brought back"),
    # the career office's tools
    ("backup", "downloaded"): _backup,
    ("disclosure", "downloaded"): _disclosed,
    ("library_item", "added"): lambda t: f"{t.who} added {t.item} to the content library",
    ("library_item", "edited"): lambda t: _with_fields(f"{t.who} edited {t.item} in the content library", t),
    ("library_item", "retired"): lambda t: f"{t.who} retired {t.item} from the content library",
    ("library_item", "restored"): lambda t: f"{t.who} brought back {t.item} to the content library",
    ("network", "person_capped"): _person_cap,
    ("network", "person_cap_lifted"): _person_cap,
    ("network", "default_cap_set"): _default_cap,
    ("network", "volunteers_imported"): _imported("volunteers"),
    ("volunteer", "created"): lambda t: f"{t.who} added {t.volunteer} to the volunteer directory",
    ("volunteer", "edited"): lambda t: f"{t.who} edited the directory entry of {t.volunteer}",
    ("volunteer", "paused"): lambda t: f"{t.who} paused {t.volunteer}: students stop seeing them",
    ("volunteer", "resumed"): lambda t: f"{t.who} let {t.volunteer} take requests again",
}


def describes(action: str, entity_type: str) -> bool:
    """Whether the log has its own sentence for this kind of event (else describe() says it generically)."""
    return (entity_type, action) in _SENTENCES


def describe(event: dict[str, Any], *, zone: str = "UTC") -> str:
    """One plain sentence for an event as list_events reads it: who did what to whom, by name.

    A kind of event without its own sentence still reads as words ("Ana Ruiz: exported, activity
    log, for Sam Ng."), never as ids or the stored JSON.
    """
    told = _Told(event, zone)
    make = _SENTENCES.get((str(event.get("entity_type")), str(event.get("action"))))
    if make is not None:
        try:
            said = make(told)
        except (KeyError, TypeError, ValueError, AttributeError):  # a detail of an unexpected shape
            said = None
        if said:
            return _finish(said)
    return _finish(generic_sentence(event))


def generic_sentence(event: dict[str, Any]) -> str:
    """The sentence of an event kind the log has no words of its own for."""
    told = _Told(event, "UTC")
    what = str(event.get("entity_type") or "record").replace("_", " ")
    said = f"{told.who}: {action_words(str(event.get('action') or 'changed'))}, {what}"
    if event.get("student"):
        said += f", for {event['student']}"
    return _finish(said)


def _finish(said: str) -> str:
    said = said.strip()
    said = said[:1].upper() + said[1:]
    return said if said.endswith((".", "?", "!")) else said + "."
