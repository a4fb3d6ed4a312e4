"""Notifications and email choices: a person's own choice over the cohort's default, in-portal notifications
always, and settings saved together or not at all (core/messaging/notify.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from core.errors import AccessDenied, NotifyError
from core.messaging import notify
from tests.messaging_helpers import MON, _contact, _request, _run


def test_choices_the_persons_own_over_the_cohorts_and_in_portal_always(world, smtp):
    db, alice, bob = world.db, world.alice, world.bob
    notify.set_cohort_defaults(db, world.counselor_x, world.cohort_x, {"follow_up_due": False})
    notify.set_notification_settings(db, bob, {"follow_up_due": True})
    assert notify.email_choices(db, alice)["follow_up_due"] is False
    for student in (alice, bob):
        _request(db, student, _contact(db, student, "Ana"), MON + timedelta(hours=2))
    _run(db, smtp.settings(), datetime(2026, 3, 12, 15, 0))
    assert [m["To"] for m in smtp.messages] == ["bob@example.edu"]
    assert notify.unread_count(db, alice) == 1 and notify.unread_count(db, bob) == 1
    with pytest.raises(NotifyError):
        notify.set_notification_settings(db, alice, {"digest": False})  # not a student's kind


def test_notification_settings_save_together_or_not_at_all(world):
    db, counselor = world.db, world.counselor_x
    assert notify.digest_frequency(db, counselor) == "weekly" and notify.digest_frequency(db, world.admin) == "off"
    with pytest.raises(NotifyError):
        notify.set_notification_settings(db, counselor, {"student_reply": False}, digest="hourly")
    assert notify.email_choices(db, counselor)["student_reply"] is True  # nothing of the refused save kept
    notify.set_notification_settings(db, counselor, {"student_reply": False}, digest="daily")
    assert notify.email_choices(db, counselor)["student_reply"] is False
    assert notify.digest_frequency(db, counselor) == "daily"
    with pytest.raises(AccessDenied):
        notify.set_notification_settings(db, world.alice, {}, digest="daily")  # students have no digest
