"""The text rule (core/models.py text_problem, name_problem, searchable) on every write and search path, on both
stores: a corpus of hostile text (NUL, half characters, control characters, line breaks, formulas) fed to each path
gets a clear message or is stored as cleaned text, never a crash of the database driver; and no text column of the
portal ends up holding a NUL or a control character."""

from __future__ import annotations

import itertools
from datetime import datetime

import pytest
from pydantic import ValidationError

from core.admin import cohorts, library, roster
from core.campaign import (
    contacts,
    keep_in_touch,
    linkedin_import,
    meetings,
    outreach,
    reflections,
    research,
    thanks,
)
from core.errors import PortalError
from core.identity import accounts, registration, sso
from core.models import (
    Channel,
    CohortCreate,
    CommentCreate,
    ContactCreate,
    FollowUpCreate,
    FollowUpKind,
    MeetingCreate,
    MeetingLog,
    MeetingMode,
    MeetingNote,
    OutcomeCreate,
    OutcomeKind,
    OutreachCreate,
    PlannedQuestionCreate,
    ReferralCreate,
    ReflectionCreate,
    ResearchUpdate,
    ThankYouCreate,
    UserCreate,
    VolunteerCreate,
    describe,
)
from core.network import volunteers
from core.oversight import cockpit, comments
from core.store.db import rows
from core.store.transfer import columns, tables
from tests.conftest import NOW
from tests.upload_corpus import LINKEDIN_HEADER, ROSTER_HEADER, _q

HOSTILE_TEXT = {
    "NUL": "Ana\x00Lee", "NUL alone": "\x00", "lone high surrogate": "Ana\ud800", "lone low surrogate": "\udfffAna",
    "ESC": "Ana\x1b[31mLee", "BEL": "Ana\x07", "BS": "Ana\x08Lee", "DEL": "Ana\x7f", "C1": "Ana\x85Lee",
    "CR": "Ana\rLee", "LF": "Ana\nLee", "tab": "Ana\tLee", "line separator": "Ana\u2028Lee", "BOM": "\ufeffAna",
    "noncharacter": "Ana\uffff", "emoji": "Ana \U0001f642", "formula": "=HYPERLINK(\"x\")", "html": "<b>Ana</b>",
}


_N = itertools.count()


def _contact(world) -> int:
    return contacts.create_contact(world.db, world.alice, ContactCreate(first_name="Ana", last_name=f"Lee{next(_N)}"),
                                   now=NOW).id


def _meeting(world, cid: int) -> int:
    return meetings.schedule_meeting(world.db, world.alice, cid, MeetingCreate(
        starts_at_local=datetime(2026, 3, 20, 10, 0), timezone="UTC", mode=MeetingMode.VIDEO), now=NOW)


# Each path: what a person types reaches the core function the page calls with it (through its form model, when
# the page has one: the model is where the field's message comes from).
PATHS = {
    "contact first name": lambda w, t, i: contacts.create_contact(w.db, w.alice, ContactCreate(first_name=t), now=NOW),
    "contact last name": lambda w, t, i: contacts.create_contact(
        w.db, w.alice, ContactCreate(first_name=f"Ana{i}", last_name=t), now=NOW),
    "contact organization": lambda w, t, i: contacts.create_contact(
        w.db, w.alice, ContactCreate(first_name=f"Ana{i}", organization=t), now=NOW),
    "contact phone": lambda w, t, i: contacts.create_contact(
        w.db, w.alice, ContactCreate(first_name=f"Ana{i}", phone=t), now=NOW),
    "contact other channel": lambda w, t, i: contacts.create_contact(
        w.db, w.alice, ContactCreate(first_name=f"Ana{i}", other_channel=t), now=NOW),
    "focus occupation": lambda w, t, i: contacts.add_focus_occupation(w.db, w.alice, t, now=NOW),
    "targets search": lambda w, t, i: contacts.target_table(w.db, w.alice, search=t),
    "volunteer directory search": lambda w, t, i: volunteers.directory(w.db, w.alice, search=t, focus_only=False,
                                                                    now=NOW),
    "accounts search": lambda w, t, i: accounts.list_users(w.db, w.admin, search=t),
    "cap label": lambda w, t, i: volunteers.set_person_cap(w.db, w.admin, "name:ana lee|acme", t, 2, now=NOW),
    "cap person": lambda w, t, i: volunteers.set_person_cap(w.db, w.admin, f"name:{t}", "Ana Lee", 2, now=NOW),
    "research": lambda w, t, i: research.save_research(w.db, w.alice, _contact(w), ResearchUpdate(about_person=t),
                                                    now=NOW),
    "planned question": lambda w, t, i: research.add_planned_question(
        w.db, w.alice, _contact(w), PlannedQuestionCreate(text=f"Why {t}?"), now=NOW),
    "outreach subject": lambda w, t, i: outreach.create_draft(
        w.db, w.alice, _contact(w), OutreachCreate(channel=Channel.EMAIL, subject=t, body="Hello"), now=NOW),
    "outreach body": lambda w, t, i: outreach.create_draft(
        w.db, w.alice, _contact(w), OutreachCreate(channel=Channel.EMAIL, body=f"Hello {t}"), now=NOW),
    "meeting place": lambda w, t, i: meetings.schedule_meeting(w.db, w.alice, _contact(w), MeetingCreate(
        starts_at_local=datetime(2026, 3, 20, 10, 0), timezone="UTC", mode=MeetingMode.VIDEO, location=t), now=NOW),
    "meeting log": lambda w, t, i: meetings.log_meeting(w.db, w.alice, _meeting(w, _contact(w)), MeetingLog(insights=t),
                                                     held_at=datetime(2026, 3, 9, 10, 0), now=NOW),
    "referral": lambda w, t, i: meetings.log_meeting(
        w.db, w.alice, _meeting(w, _contact(w)), MeetingLog(), referrals=[ReferralCreate(first_name=t)],
        held_at=datetime(2026, 3, 9, 10, 0), now=NOW),
    "meeting note": lambda w, t, i: meetings.log_meeting(
        w.db, w.alice, _meeting(w, _contact(w)), MeetingLog(), notes=[MeetingNote(question=f"Why {t}?", answer=t)],
        held_at=datetime(2026, 3, 9, 10, 0), now=NOW),
    "keep-in-touch note": lambda w, t, i: keep_in_touch.add_follow_up(
        w.db, w.alice, _contact(w), FollowUpCreate(kind=FollowUpKind.NEWS, body=t), now=NOW),
    "outcome": lambda w, t, i: keep_in_touch.record_outcome(w.db, w.alice, OutcomeCreate(
        kind=OutcomeKind.INTERNSHIP, organization=t, title=t, description=t), now=NOW),
    "thank-you": lambda w, t, i: thanks.create_thank_you(w.db, w.alice, _contact(w), ThankYouCreate(body=f"Thanks {t}"),
                                                      now=NOW),
    "reflection": lambda w, t, i: reflections.save_reflection(w.db, w.alice, _logged(w), ReflectionCreate(feelings=t),
                                                           now=NOW),
    "comment": lambda w, t, i: comments.add_comment(w.db, w.counselor_x, w.alice.user_id, CommentCreate(
        subject_type="student", subject_id=w.alice.user_id, body=f"Well done {t}"), now=NOW),
    "nudge": lambda w, t, i: cockpit.nudge(w.db, w.counselor_x, [w.alice.user_id], f"Keep going {t}", now=NOW),
    "cohort name": lambda w, t, i: cohorts.create_cohort(w.db, w.admin, CohortCreate(
        name=f"Fall {t}", term_start="2026-09-01", term_end="2026-12-15"), now=NOW),
    "invite code": lambda w, t, i: cohorts.set_registration(w.db, w.admin, w.cohort_x, open_=True,
                                                         invite_code=f"CODE{t}XY", now=NOW),
    "allowed domains": lambda w, t, i: cohorts.set_registration(w.db, w.admin, w.cohort_x, open_=True,
                                                             allowed_domains=f"exam{t}ple.edu", now=NOW),
    "sso domain": lambda w, t, i: sso.allow_domain(w.db, w.admin, domain=f"exam{t}ple.edu", cohort_id=w.cohort_x,
                                                now=NOW),
    "registration code": lambda w, t, i: registration.cohort_for_code(w.db, t),
    "registration name": lambda w, t, i: registration.register_student(
        w.db, invite_code=_open(w), username=f"newstudent{i}", email=f"new{i}@example.edu", first_name=t,
        last_name="Lee", password_hash="$2b$04$" + "a" * 53, now=NOW),
    "new account": lambda w, t, i: accounts.create_user(w.db, w.admin, UserCreate(
        username=f"newone{i}", email=f"newone{i}@example.edu", first_name="Ana", last_name=t, role="student",
        password="Long-enough-1"), now=NOW, rounds=4),
    "sign-in username": lambda w, t, i: _sign_in(w, t),
    "volunteer": lambda w, t, i: volunteers.add_volunteer(w.db, w.admin, VolunteerCreate(
        first_name="Ana", email=f"ana{i}@example.org", organization=t, topics=t), now=NOW),
    "library entry": lambda w, t, i: library.add_item(w.db, w.admin, library.LibraryItemInput(
        kind="question", category=next(iter(library.categories("question"))), body=f"What {t}?"), now=NOW),
    "roster import": lambda w, t, i: roster.apply(w.db, w.admin, roster.preview(
        w.db, w.admin, _file(ROSTER_HEADER + f"{_q(t)},{_q(t)},ana{i}@example.edu,Cohort X,{_q(t)}\n")), rounds=4),
    "volunteer import": lambda w, t, i: volunteers.apply_import(w.db, w.admin, volunteers.preview_import(
        w.db, w.admin, _file(f"first_name,last_name,email,organization,topics\nAna,{_q(t)},ana{i}@example.org,"
                             f"{_q(t)},{_q(t)}\n")), now=NOW),
    "LinkedIn import": lambda w, t, i: linkedin_import.import_connections(
        w.db, w.alice, linkedin_import.parse_connections(
            _file(LINKEDIN_HEADER + f"Ana{i},{_q(t)},,,{_q(t)},{_q(t)},12 Mar 2024\n")), now=NOW),
}


FORMATTED = {"invite code", "allowed domains", "sso domain"}
"""Paths whose text has a shape of its own (letters, digits and dashes; a domain): more than the text rule refuses."""


def _file(text: str) -> bytes:
    """A CSV file as uploaded: its bytes (a half character written as the bytes a broken program saves)."""
    return text.encode("utf-8", "surrogatepass")


def _logged(world) -> int:
    mid = _meeting(world, _contact(world))
    meetings.log_meeting(world.db, world.alice, mid, MeetingLog(insights="x"), held_at=datetime(2026, 3, 9, 10, 0),
                         now=NOW)
    return mid


def _open(world) -> str:
    cohorts.set_registration(world.db, world.admin, world.cohort_x, open_=True, invite_code="OPEN-CODE", now=NOW)
    return "OPEN-CODE"


def _sign_in(world, typed: str) -> None:
    try:
        accounts.password_sign_in(world.db, username=typed, password="wrong", address="10.0.0.1", now=NOW)
    except accounts.SignInRefused:
        pass


def _held_text(db) -> list[tuple[str, str, str]]:
    """Every text value of the portal that holds what no field may: (table, column, value)."""
    found = []
    with db.cursor() as cur:
        for table in tables(cur):
            for name, kind in columns(cur, table):
                if kind.upper() not in ("VARCHAR", "TEXT", "CHARACTER VARYING", "JSON", "JSONB"):
                    continue
                for r in rows(cur, f'SELECT CAST("{name}" AS VARCHAR) AS v FROM "{table}" WHERE "{name}" IS NOT NULL'):
                    value = r["v"]
                    if any(ch in value for ch in "\x00\x07\x08\x1b\x7f\x85") or "\\u0000" in value:
                        found.append((table, name, value))
    return found


@pytest.mark.parametrize("path", list(PATHS))
def test_hostile_text_on_every_write_and_search_path_gets_a_message_or_is_stored_clean(world, path):
    outcomes = {}
    for n, (case, text) in enumerate(HOSTILE_TEXT.items()):
        try:
            PATHS[path](world, text, n)
            outcomes[case] = "taken"
        except ValidationError as exc:
            message = describe(exc)
            assert message and "Traceback" not in message, (case, message)
            outcomes[case] = message
        except PortalError as exc:
            assert str(exc) and "Traceback" not in str(exc), (case, str(exc))
            outcomes[case] = str(exc)
    if path not in FORMATTED:
        # the text rule never refuses what is text: letters and emoji
        assert outcomes["emoji"] == "taken", outcomes
    assert _held_text(world.db) == []
