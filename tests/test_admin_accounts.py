"""Account administration: search, roles, deactivation, one-time passwords, unlocking; admins only."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.errors import AccessDenied, AccountError, NotFound
from core.identity import accounts
from core.identity.access import SYSTEM
from core.store.db import rows, scalar
from core.models import Role
from tests.conftest import NOW, PASSWORD, make_user


def _credentials_usernames(db) -> set[str]:
    return set(accounts.authenticator_credentials(db)["usernames"])


def test_list_users_searches_name_email_and_number(world):
    found = accounts.list_users(world.db, world.admin, search="ALI")
    assert [u["username"] for u in found] == ["alice"]
    assert found[0]["cohort"] == "Cohort X"
    by_role = accounts.list_users(world.db, world.admin, role=Role.COUNSELOR)
    assert sorted(u["username"] for u in by_role) == ["counselor.x", "counselor.y"]
    assert accounts.list_users(world.db, world.admin, search="@example.edu", active=False) == []


@pytest.mark.parametrize("who", ["counselor_x", "alice"])
def test_account_administration_is_refused_to_non_admins(world, who):
    actor = getattr(world, who)
    with pytest.raises(AccessDenied):
        accounts.list_users(world.db, actor)
    with pytest.raises(AccessDenied):
        accounts.set_active(world.db, actor, world.bob.user_id, False, now=NOW)
    with pytest.raises(AccessDenied):
        accounts.change_role(world.db, actor, world.bob.user_id, Role.ADMIN, now=NOW)
    with pytest.raises(AccessDenied):
        accounts.reset_password(world.db, actor, world.bob.user_id, now=NOW, rounds=4)
    with pytest.raises(AccessDenied):
        accounts.unlock(world.db, actor, world.bob.user_id, now=NOW)
    assert accounts.load_actor(world.db, world.bob.user_id) is not None


def test_lifecycle_deactivate_blocks_sign_in_and_reactivate_restores_it(world):
    db = world.db
    assert "bob" in _credentials_usernames(db)
    accounts.set_active(db, world.admin, world.bob.user_id, False, now=NOW)
    assert "bob" not in _credentials_usernames(db)
    assert accounts.load_actor(db, world.bob.user_id) is None  # an old session cookie stops working
    with db.cursor() as cur:  # the campaign and membership stay
        assert scalar(cur, "SELECT cohort_id FROM cohort_members WHERE student_id = ?", [world.bob.user_id]) \
            == world.cohort_x
    accounts.set_active(db, world.admin, world.bob.user_id, True, now=NOW + timedelta(minutes=1))
    assert "bob" in _credentials_usernames(db)
    assert accounts.load_actor(db, world.bob.user_id).role == Role.STUDENT
    with db.cursor() as cur:
        logged = rows(cur, "SELECT action FROM events WHERE entity_type = 'user' AND entity_id = ? ORDER BY id",
                      [world.bob.user_id])
    assert [e["action"] for e in logged] == ["created", "deactivated", "reactivated"]


def test_admin_cannot_lock_themselves_or_the_portal_out(world):
    with pytest.raises(AccountError, match="your own account"):
        accounts.set_active(world.db, world.admin, world.admin.user_id, False, now=NOW)
    with pytest.raises(AccountError, match="your own role"):
        accounts.change_role(world.db, world.admin, world.admin.user_id, Role.STUDENT, now=NOW)
    other = make_user(world.db, "admin.two", Role.ADMIN)
    accounts.change_role(world.db, world.admin, other.user_id, Role.COUNSELOR, now=NOW)  # one admin remains
    with pytest.raises(AccountError, match="last active admin"):
        accounts.set_active(world.db, SYSTEM, world.admin.user_id, False, now=NOW)
    with pytest.raises(AccountError, match="last active admin"):
        accounts.change_role(world.db, SYSTEM, world.admin.user_id, Role.COUNSELOR, now=NOW)
    assert accounts.load_actor(world.db, world.admin.user_id).role == Role.ADMIN


def test_change_role_drops_access_of_the_old_role(world):
    db = world.db
    accounts.change_role(db, world.admin, world.counselor_x.user_id, Role.STUDENT, now=NOW)
    with db.cursor() as cur:
        assert scalar(cur, "SELECT count(*) FROM cohort_counselors WHERE counselor_id = ?",
                      [world.counselor_x.user_id]) == 0
    accounts.change_role(db, world.admin, world.alice.user_id, Role.COUNSELOR, now=NOW)
    with db.cursor() as cur:
        assert scalar(cur, "SELECT count(*) FROM cohort_members WHERE student_id = ?", [world.alice.user_id]) == 0
        detail = scalar(cur, "SELECT detail FROM events WHERE action = 'role_changed' AND entity_id = ?",
                        [world.alice.user_id])
    assert '"from": "student"' in detail and f'"cohort_id": {world.cohort_x}' in detail
    assert accounts.load_actor(db, world.alice.user_id).role == Role.COUNSELOR


def test_reset_password_gives_a_one_time_password_that_forces_a_change(world):
    db = world.db
    otp = accounts.reset_password(db, world.admin, world.bob.user_id, now=NOW, rounds=4)
    assert accounts.password_problem(otp) is None
    stored = accounts.authenticator_credentials(db)["usernames"]["bob"]["password"]
    assert accounts.check_password(otp, stored) and not accounts.check_password(PASSWORD, stored)
    assert accounts.must_change_password(db, world.bob)
    accounts.change_password(db, world.bob, otp, "Mine-own-9!", rounds=4)
    assert not accounts.must_change_password(db, world.bob)
    with pytest.raises(NotFound):
        accounts.reset_password(db, world.admin, 999_999, now=NOW, rounds=4)


def test_unlock_ends_a_lockout_and_keeps_the_failures_on_record(world):
    db = world.db
    for k in range(5):
        accounts.record_login_attempt(db, username="bob", address="10.0.0.9", succeeded=False,
                                      now=NOW + timedelta(minutes=k))
    later = NOW + timedelta(minutes=5)
    assert accounts.locked_usernames(db, now=later) == {"bob"}
    assert accounts.lockout(db, username="bob", address=None, now=later) is not None
    accounts.unlock(db, world.admin, world.bob.user_id, now=later)
    assert accounts.locked_usernames(db, now=later) == set()
    assert accounts.lockout(db, username="bob", address=None, now=later) is None
    with db.cursor() as cur:
        assert scalar(cur, "SELECT count(*) FROM login_attempts WHERE username = 'bob' AND NOT succeeded") == 5
        assert scalar(cur, "SELECT failed_login_attempts FROM users WHERE id = ?", [world.bob.user_id]) == 0
        assert scalar(cur, "SELECT count(*) FROM events WHERE action = 'unlocked' AND entity_id = ?",
                      [world.bob.user_id]) == 1
    # Five new failures lock the username again: unlocking is not a permanent exemption.
    for k in range(5):
        accounts.record_login_attempt(db, username="bob", address=None, succeeded=False,
                                      now=later + timedelta(minutes=1 + k))
    assert accounts.locked_usernames(db, now=later + timedelta(minutes=6)) == {"bob"}
