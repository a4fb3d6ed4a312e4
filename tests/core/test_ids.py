"""Ids that reach core from outside (a form, a script, a pasted link) and name no row: text, a negative
number, one too big for the database. Each core entry answers NotFound (a PortalError with the
portal's message), never a database conversion error, and writes nothing."""

from __future__ import annotations

from datetime import date

import pytest

from core.admin import cohorts
from core.campaign import contacts, keep_in_touch, todo
from core.errors import NotFound, PortalError
from core.models import CohortUpdate
from core.oversight import comments, dashboard, progress, timeline
from core.store.db import scalar

BAD_IDS = ["abc", "1 OR 1=1", "²", -1, 0, 10**30, 2**63, True]


def _calls(world):
    admin, counselor = world.admin, world.counselor_x
    return {
        "cohorts.get_cohort": lambda bad: cohorts.get_cohort(world.db, admin, bad),
        "cohorts.list_goals": lambda bad: cohorts.list_goals(world.db, admin, bad),
        "cohorts.add_student": lambda bad: cohorts.add_student(world.db, admin, bad, world.alice.user_id),
        "cohorts.assign_counselor": lambda bad: cohorts.assign_counselor(world.db, admin, bad,
                                                                        world.counselor_y.user_id),
        "cohorts.update_cohort (term)": lambda bad: cohorts.update_cohort(
            world.db, admin, bad, CohortUpdate(term_start=date(2026, 1, 12), term_end=date(2026, 5, 8))),
        "cohorts.unassign_counselor": lambda bad: cohorts.unassign_counselor(
            world.db, admin, bad, world.counselor_x.user_id),
        "cohorts.cohort_counselors": lambda bad: cohorts.cohort_counselors(world.db, admin, bad),
        "cohorts.regenerate_invite_code": lambda bad: cohorts.regenerate_invite_code(world.db, admin, bad),
        "comments.list_comments": lambda bad: comments.list_comments(world.db, counselor, bad),
        "contacts.list_focus_occupations": lambda bad: contacts.list_focus_occupations(world.db, counselor, bad),
        "dashboard.goal_standings": lambda bad: dashboard.goal_standings(world.db, counselor, bad),
        "keep_in_touch.list_follow_ups": lambda bad: keep_in_touch.list_follow_ups(world.db, counselor, bad),
        "progress.goal_progress": lambda bad: progress.goal_progress(world.db, counselor, bad),
        "timeline.student_campaign": lambda bad: timeline.student_campaign(world.db, counselor, bad),
        "timeline.student_timeline": lambda bad: timeline.student_timeline(world.db, counselor, bad),
        "todo.student_settings": lambda bad: todo.student_settings(world.db, counselor, bad),
    }


@pytest.mark.parametrize("bad", BAD_IDS, ids=repr)
def test_core_entries_answer_an_id_that_names_nothing_in_words(world, bad):
    with world.db.cursor() as cur:
        before = scalar(cur, "SELECT count(*) FROM events")
    for name, call in _calls(world).items():
        try:
            call(bad)
        except PortalError as exc:
            assert isinstance(exc, NotFound) or "No such" in str(exc) or "not" in str(exc), (name, bad, exc)
        except Exception as exc:  # noqa: BLE001 - the point: nothing but the portal's own refusal
            pytest.fail(f"{name}({bad!r}) raised {type(exc).__name__}: {exc}")
    with world.db.cursor() as cur:
        assert scalar(cur, "SELECT count(*) FROM events") == before

