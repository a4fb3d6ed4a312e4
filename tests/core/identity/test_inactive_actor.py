"""A deactivated account reads and writes nothing through core, whatever its role and whatever page it left open.

Every public function of core/ that takes an Actor is found by reading the modules (a parameter
annotated Actor), so a function added later is covered without anyone remembering it. Each is called
as a deactivated student, counselor and admin, with arguments naming real rows of a small campaign
(the student's contacts and meetings, the counselor's cohort): each must refuse (AccessDenied, or
NotFound, which reveals nothing) or give an empty answer, and afterwards every table holds exactly
what it held before and no file was written.
"""

from __future__ import annotations

import importlib
import inspect
import io
import pkgutil
import shutil
import typing
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from types import UnionType
from typing import Any

import pandas as pd
import pytest
from pydantic import BaseModel

import core
from core.admin import disclosures
from core.admin.roster import preview
from core.campaign import contacts, keep_in_touch, research
from core.campaign.linkedin_import import parse_connections
from core.errors import AccessDenied, NotFound
from core.messaging.notify import kinds_for
from core.models import (
    Actor,
    Channel,
    FollowUpCreate,
    FollowUpKind,
    OutcomeCreate,
    OutcomeKind,
    PlannedQuestionCreate,
    Reply,
    Role,
    VolunteerCreate,
)
from core.network import volunteers
from core.network.volunteers import preview_import
from core.store.db import Database, rows
from tests.conftest import NOW
from tests.oversight_fixtures import Campaign


def _takes_actor(fn: Callable) -> bool:
    try:
        hints = typing.get_type_hints(fn)
    except Exception:  # noqa: BLE001 - an annotation that cannot be resolved names no Actor
        return False
    hints.pop("return", None)
    return any(t is Actor or (isinstance(t, UnionType) and Actor in t.__args__) for t in hints.values())


def _public_functions() -> dict[str, Callable]:
    found = {}
    for info in pkgutil.walk_packages(core.__path__, "core."):
        module = importlib.import_module(info.name)
        for name, fn in vars(module).items():
            if not name.startswith("_") and inspect.isfunction(fn) and fn.__module__ == module.__name__ \
                    and _takes_actor(fn):
                found[f"{info.name}.{name}"] = fn
    return found


FUNCTIONS = _public_functions()

# Functions that read and write nothing themselves: they build SQL (which carries the active check) or
# judge a role from the Actor alone; what runs their SQL is covered.
NO_DATABASE = {
    "core.identity.access.require_role", "core.identity.access.visible_students_sql",
    "core.identity.access.visible_cohorts_sql", "core.identity.access.require_own_campaign",
    "core.oversight.dashboard.students_in_scope", "core.oversight.dashboard.memberships_in_scope",
    "core.oversight.dashboard.dashboard_query", "core.oversight.dashboard.standings_query",
}
# Building blocks that run inside a caller's transaction, on its cursor: called here on a cursor too.
ON_A_CURSOR = {name for name, fn in FUNCTIONS.items() if "cur" in inspect.signature(fn).parameters}


def test_the_enumeration_finds_the_functions_named_in_the_finding():
    for name in ("core.campaign.contacts.target_table", "core.messaging.notify.list_notifications",
                 "core.messaging.mailer.outbox", "core.identity.accounts.get_user", "core.admin.roster.preview",
                 "core.admin.backup.backup", "core.messaging.jobs.run_now",
                 "core.campaign.linkedin_import.import_connections", "core.messaging.notify.mark_all_read",
                 "core.messaging.notify.set_notification_settings"):
        assert name in FUNCTIONS
    assert NO_DATABASE <= set(FUNCTIONS)
    assert len(FUNCTIONS) > 150


LINKEDIN = ("First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
            "Ana,Lee,https://www.linkedin.com/in/ana-lee,,County Health Department,Epidemiologist,12 Mar 2024\n")
ROSTER = "first_name,last_name,email,cohort,student_id\nNew,One,new1@example.edu,Cohort X,S1001\n"
VOLUNTEERS = "first_name,last_name,email,organization\nVera,Vol,vera@example.org,City Hospital\n"

# Field values a model needs beyond what its type says (an email, a known kind).
FIELDS: dict[str, Any] = {
    "email": "someone@example.edu", "username": "someone.new", "password": "Long-enough-Passw0rd!",
    "name": "A name", "first_name": "Dana", "last_name": "Doe", "body": "Some words", "subject_type": "student",
    "timezone": "UTC", "text": "What is a typical day?", "target_count": 3,
    "starts_at_local": datetime(2026, 4, 1, 10, 0), "term_start": date(2026, 1, 10), "term_end": date(2026, 6, 1),
    "due_on": date(2026, 5, 1), "fit_rating": 3, "capacity_per_term": 2, "category": "day",
}


def _model(cls: type[BaseModel], ids: dict[str, int]) -> BaseModel:
    """A valid instance of a form model: required fields filled from FIELDS, ids, or their type."""
    values: dict[str, Any] = {}
    for name, field in cls.model_fields.items():
        if not field.is_required():
            continue
        if name == "kind":
            values[name] = {"LibraryItemInput": "question"}.get(cls.__name__) or _of_type(field.annotation)
        elif name in FIELDS:
            values[name] = FIELDS[name]
        elif name in ids:
            values[name] = ids[name]
        else:
            values[name] = _of_type(field.annotation)
    if cls.__name__ == "ReflectionCreate":
        values["feelings"] = "Encouraged"
    if cls.__name__ == "CommentCreate":
        values["subject_id"] = ids["student_id"]
    return cls.model_validate(values)


def _of_type(annotation: Any) -> Any:
    args = typing.get_args(annotation)
    if args:
        annotation = next(a for a in args if a is not type(None))
    if isinstance(annotation, type):
        if issubclass(annotation, Enum):
            return next(iter(annotation))
        if issubclass(annotation, bool):
            return False
        if issubclass(annotation, int):
            return 1
        if issubclass(annotation, datetime):
            return NOW
        if issubclass(annotation, date):
            return NOW.date()
    return "Some words"


class Arguments:
    """Arguments naming real rows of the campaign, for each parameter a function requires."""

    def __init__(self, campaign: Campaign, tmp_path: Path) -> None:
        w, db = campaign.world, campaign.db
        self.db, self.tmp = db, tmp_path
        with db.cursor() as cur:
            def first(sql: str, params: list | None = None) -> int:
                found = rows(cur, sql, params or [])
                assert found, sql
                return next(iter(found[0].values()))

            alice = w.alice.user_id
            self.ids = {
                "student_id": alice, "user_id": alice, "counselor_id": w.counselor_x.user_id,
                "break_glass_user_id": w.admin.user_id, "cohort_id": w.cohort_x,
                "contact_id": campaign.a1, "meeting_id": campaign.m1,
                "message_id": first("SELECT min(id) FROM outreach_messages WHERE student_id = ?", [alice]),
                "thank_you_id": first("SELECT min(id) FROM thank_yous WHERE student_id = ?", [alice]),
                "goal_id": first("SELECT min(id) FROM cohort_goals WHERE cohort_id = ?", [w.cohort_x]),
                "comment_id": first("SELECT min(id) FROM comments WHERE student_id = ?", [alice]),
                "notification_id": first("SELECT min(id) FROM notifications"),
                "item_id": first("SELECT min(id) FROM library_items"),
            }
        self.ids.update(campaign.extra)
        self.campaign = campaign

    def value(self, fn_name: str, name: str, annotation: Any) -> Any:
        if name in self.ids:
            return self.ids[name]
        alice_name = self.campaign.world.alice.name
        hint = typing.get_args(annotation) or (annotation,)
        model = next((h for h in hint if isinstance(h, type) and issubclass(h, BaseModel)), None)
        if model is not None:
            return _model(model, self.ids)
        special: dict[str, Any] = {
            "db": self.db, "db_or_cur": self.db, "file_name": "export.csv", "typed_name": alice_name, "rows": 1,
            "roles": (Role.ADMIN, Role.COUNSELOR),
            "text": ("credentials:\n  usernames:\n    newperson:\n      email: new.person@example.edu\n"
                     "      first_name: New\n      last_name: Person\n"
                     "      password: $2b$04$" + "x" * 53 + "\n"),
            "kind": "progress" if ".export." in fn_name or ".disclosures." in fn_name else "question",
            "job_name": "figures", "name": "Public health", "body": "Checking in", "person_key": "email:x@example.org",
            "label": "X Person", "cap": 3, "domain": "example.edu", "current": "Demo-2026!",
            "new": "Another-long-Passw0rd!", "role": Role.ADMIN, "archived": True, "active": True,
            "retired": True, "open_": True, "require_sso": True, "student_ids": [self.ids["student_id"]],
            "comment_ids": [self.ids["comment_id"]], "ordered_ids": [],
            "parsed": parse_connections(LINKEDIN.encode()), "target": self.tmp / "backup-copy",
            "backups_dir": self.tmp, "path": self.tmp / "backup-copy", "out": io.BytesIO(),
            "key": "once-key", "entity_type": "contact", "work": lambda cur: 1, "sent_at": NOW,
            "password_hash": "$2b$04$" + "x" * 53, "table": "contacts",
            "row_id": self.ids["contact_id"],
            "action": "viewed", "now": NOW,
        }
        if name == "removed":
            return self.campaign.removed["outcome" if ".keep_in_touch." in fn_name else "question"]
        if name == "data":  # raw file contents
            if ".disclosures." in fn_name:
                return ROSTER.encode()
            return ROSTER if ".roster." in fn_name else VOLUNTEERS
        if name == "plan":
            return None  # replaced below by a preview made as an active admin
        if name == "channel":
            return Channel.EMAIL
        if name == "reply":
            return Reply.ACCEPTED
        if name not in special:
            raise AssertionError(f"{fn_name}: no test value for the parameter {name}")
        return special[name]


def _snapshot(db: Database) -> dict[str, list]:
    """Every row of every table, in a stable order."""
    with db.cursor() as cur:
        tables = [r["table_name"] for r in rows(
            cur, "SELECT table_name FROM information_schema.tables WHERE table_schema IN ('main', 'public') "
                 "AND table_type = 'BASE TABLE' ORDER BY table_name")]
        return {t: sorted(map(repr, cur.execute(f"SELECT * FROM {t}").fetchall())) for t in tables}


def _empty(result: Any) -> bool:
    if isinstance(result, pd.DataFrame):
        return result.empty
    if inspect.isgenerator(result) or isinstance(result, typing.Iterator):
        return not list(result)
    return result in (None, False, 0, "", b"") or (isinstance(result, (list, dict, set, tuple)) and not result)


def _arguments(fn: Callable, name: str, hints: dict[str, Any], actor: Actor, args: Arguments,
               plans: dict[str, Any]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    for pname, param in inspect.signature(fn).parameters.items():
        if param.kind is param.VAR_KEYWORD or param.kind is param.VAR_POSITIONAL:
            continue
        if pname == "actor":
            kwargs[pname] = actor
        elif pname == "plan":
            kwargs[pname] = plans[name]
        elif pname == "choices":  # every email the role may receive, switched off
            kwargs[pname] = {kind.key: False for kind in kinds_for(actor.role)}
        elif param.default is param.empty and pname != "cur":
            kwargs[pname] = args.value(name, pname, hints.get(pname))
    return kwargs


def _more_campaign(campaign: Campaign) -> None:
    """Rows of every kind the functions name: a planned question, a follow-up, an outcome, a focus
    occupation, a volunteer, and a removed question and outcome to restore."""
    db, w, a1 = campaign.db, campaign.world, campaign.a1
    alice = w.alice
    ask = lambda text: research.add_planned_question(db, alice, a1, PlannedQuestionCreate(text=text))  # noqa: E731
    land = lambda: keep_in_touch.record_outcome(db, alice, OutcomeCreate(kind=OutcomeKind.INTERNSHIP))  # noqa: E731
    campaign.extra = {
        "question_id": ask("What is hard?"), "outcome_id": land(),
        "follow_up_id": keep_in_touch.add_follow_up(db, alice, a1, FollowUpCreate(kind=FollowUpKind.CHECK_IN)),
        "occupation_id": contacts.add_focus_occupation(db, alice, "Epidemiologist"),
        "volunteer_id": volunteers.add_volunteer(db, w.admin, VolunteerCreate(first_name="Vic",
                                                                              email="vic@example.org")),
        "disclosure_id": disclosures.record(db, w.admin, "progress", rows=1, student_ids=[alice.user_id]),
    }
    with db.cursor() as cur:  # an unread notification for each of the three, and an email waiting to go out
        for user in (alice, w.counselor_x, w.admin):
            cur.execute("""INSERT INTO notifications (user_id, kind, fact_key, title, body, page, created_at)
                           VALUES (?, 'comment', ?, 'A new comment', 'Send the thank-you to Ben today.', 'home', ?)""",
                        [user.user_id, f"test:{user.user_id}", NOW])
        cur.execute("""INSERT INTO email_outbox (user_id, kind, fact_key, to_address, subject, body_text, body_html,
                                                 message_id, state, next_attempt_at, created_at)
                       VALUES (?, 'comment', 'test:mail', 'alice@example.edu', 'A new comment',
                               'Send the thank-you to Ben today.', '<p>Send the thank-you to Ben today.</p>',
                               '<m1@portal.test>', 'failed', ?, ?)""", [alice.user_id, NOW, NOW])
        campaign.extra["outbox_id"] = cur.execute("SELECT max(id) FROM email_outbox").fetchone()[0]
    campaign.removed = {"question": research.remove_planned_question(db, alice, ask("What is easy?")),
                        "outcome": keep_in_touch.remove_outcome(db, alice, land())}


@pytest.mark.parametrize("role", ["student", "counselor", "admin"])
def test_a_deactivated_account_reads_and_writes_nothing_through_any_core_function(world, tmp_path, role):
    campaign = Campaign(world)
    _more_campaign(campaign)
    args = Arguments(campaign, tmp_path)
    w, db = world, world.db
    plans = {"core.admin.roster.apply": preview(db, w.admin, ROSTER),
             "core.network.volunteers.apply_import": preview_import(db, w.admin, VOLUNTEERS)}
    actor = {"student": w.alice, "counselor": w.counselor_x, "admin": w.admin}[role]
    with db.cursor() as cur:
        cur.execute("UPDATE users SET active = FALSE WHERE id = ?", [actor.user_id])
    before = _snapshot(db)
    leaks = []
    for name, fn in sorted(FUNCTIONS.items()):
        if name in NO_DATABASE:
            continue
        hints = typing.get_type_hints(fn)
        try:
            kwargs = _arguments(fn, name, hints, actor, args, plans)
        except Exception as exc:  # noqa: BLE001 - reported with the function's name
            leaks.append(f"{name}: no arguments: {exc}")
            continue
        try:
            if name in ON_A_CURSOR:
                with db.cursor() as cur:
                    result = fn(cur, **kwargs)
            else:
                result = fn(**kwargs)
        except (AccessDenied, NotFound):
            result = None
        except Exception as exc:  # noqa: BLE001 - anything else is reported with the function's name
            leaks.append(f"{name}: raised {type(exc).__name__}: {exc}")
            result = None
        if not _empty(result):
            leaks.append(f"{name}: returned {str(result)[:120]}")
        after = _snapshot(db)
        if after != before:
            leaks.append(f"{name}: wrote to {', '.join(t for t in after if before.get(t) != after[t])}")
            before = after
        if files := sorted(tmp_path.iterdir()):
            leaks.append(f"{name}: wrote {', '.join(f.name for f in files)}")
            for made in files:
                shutil.rmtree(made) if made.is_dir() else made.unlink()
    assert leaks == [], "\n".join(leaks)
