"""Accounts: unique names, bcrypt hashes the authenticator accepts, throttling, password changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from streamlit_authenticator.utilities.hasher import Hasher
from streamlit_authenticator.utilities.validator import Validator

from core.errors import AccessDenied, AccountError, NotFound, SessionEnded
from core.identity import accounts
from core.identity.access import SYSTEM
from core.identity.accounts import PASSWORD_MAX_BYTES, PASSWORD_RULE, PASSWORD_SYMBOLS, create_user, password_problem
from core.models import Role, UserCreate
from core.store.db import rows, scalar
from tests.conftest import NOW, PASSWORD, make_user, stored_hash


def test_created_user_has_a_hash_the_authenticator_accepts(db):
    make_user(db, "ana", Role.STUDENT)
    stored = stored_hash(db, "ana")
    assert Hasher.is_hash(stored)
    assert Hasher.check_pw(PASSWORD, stored)


def test_usernames_and_emails_are_unique(db):
    make_user(db, "ana", Role.STUDENT)
    with pytest.raises(AccountError, match="username"):
        make_user(db, "ana", Role.COUNSELOR)
    with pytest.raises(AccountError, match="email"):
        create_user(db, SYSTEM, UserCreate(username="other", email="ANA@example.edu", first_name="A", last_name="B",
                                           role=Role.STUDENT, password=PASSWORD), rounds=4)


def test_only_admins_create_accounts(db):
    student = make_user(db, "ana", Role.STUDENT)
    with pytest.raises(AccessDenied):
        create_user(db, student, UserCreate(username="x1", email="x1@example.edu", first_name="A", last_name="B",
                                            role=Role.ADMIN, password=PASSWORD), rounds=4)


def _fail(db, username, address, when, n):
    for i in range(n):
        accounts.record_login_attempt(db, username=username, address=address, succeeded=False,
                                      now=when + timedelta(seconds=i))


def test_five_failures_lock_a_username_for_fifteen_minutes(db):
    make_user(db, "ana", Role.STUDENT)
    _fail(db, "ana", "10.0.0.1", NOW, 4)
    assert accounts.lockout(db, username="ana", address=None, now=NOW + timedelta(seconds=10)) is None
    _fail(db, "ana", "10.0.0.2", NOW + timedelta(seconds=5), 1)
    lock = accounts.lockout(db, username="ana", address=None, now=NOW + timedelta(seconds=10))
    assert lock is not None and lock.reason == "username"
    assert lock.until == NOW + timedelta(seconds=5, minutes=15)
    assert accounts.locked_usernames(db, now=NOW + timedelta(seconds=10)) == {"ana"}
    assert accounts.lockout(db, username="ana", address=None, now=NOW + timedelta(minutes=16)) is None
    with db.cursor() as cur:
        assert cur.execute("SELECT failed_login_attempts FROM users WHERE username = 'ana'").fetchone()[0] == 5


def test_a_success_clears_the_username_count(db):
    make_user(db, "ana", Role.STUDENT)
    _fail(db, "ana", None, NOW, 4)
    accounts.record_login_attempt(db, username="ana", address=None, succeeded=True, now=NOW + timedelta(seconds=30))
    _fail(db, "ana", None, NOW + timedelta(seconds=40), 1)
    assert accounts.lockout(db, username="ana", address=None, now=NOW + timedelta(minutes=1)) is None


def test_twenty_failures_from_one_address_lock_that_address(db):
    _fail(db, None, "192.0.2.9", NOW, 20)
    lock = accounts.lockout(db, username="someone", address="192.0.2.9", now=NOW + timedelta(minutes=1))
    assert lock is not None and lock.reason == "address"
    assert accounts.lockout(db, username=None, address="192.0.2.10", now=NOW + timedelta(minutes=1)) is None



def test_change_password_checks_current_and_rules(db):
    ana = make_user(db, "ana", Role.STUDENT)
    with pytest.raises(AccountError, match="current password"):
        accounts.change_password(db, ana, "wrong", "New-pass-9!", rounds=4)
    with pytest.raises(AccountError, match="symbol"):
        accounts.change_password(db, ana, PASSWORD, "Newpass99", rounds=4)
    accounts.change_password(db, ana, PASSWORD, "New-pass-9!", rounds=4)
    assert Hasher.check_pw("New-pass-9!", stored_hash(db, "ana"))


def test_only_you_set_your_own_password_hash(db):
    ana = make_user(db, "ana", Role.STUDENT, must_change_password=True)
    ben = make_user(db, "ben", Role.STUDENT)
    with pytest.raises(AccessDenied):
        accounts.set_password_hash(db, ben, ana.user_id, Hasher.hash("Other-pass-1!"))
    assert accounts.must_change_password(db, ana)
    accounts.set_password_hash(db, ana, ana.user_id, Hasher.hash("Other-pass-1!"))
    assert not accounts.must_change_password(db, ana)


def test_deactivated_user_has_no_actor(db):
    ana = make_user(db, "ana", Role.STUDENT)
    assert accounts.load_actor(db, ana.user_id).role == Role.STUDENT
    with db.cursor() as cur:
        cur.execute("UPDATE users SET active = false WHERE id = ?", [ana.user_id])
    assert accounts.load_actor(db, ana.user_id) is None


def test_one_time_passwords_meet_the_rules():
    for _ in range(50):
        assert accounts.password_problem(accounts.one_time_password()) is None


def test_signing_out_revokes_every_session_of_the_account_and_no_other(db):
    from core.identity import sessions

    ana, ben = make_user(db, "ana", Role.STUDENT), make_user(db, "ben", Role.STUDENT)
    ana_sessions = [sessions.start(db, user_id=ana.user_id, method=sessions.PASSWORD, expiry_days=7, now=NOW)
                    for _ in range(2)]
    bens = sessions.start(db, user_id=ben.user_id, method=sessions.PASSWORD, expiry_days=7, now=NOW)
    accounts.revoke_sessions(db, ana, now=NOW + timedelta(minutes=1))
    for started in ana_sessions:
        with pytest.raises(SessionEnded, match="session has ended"):
            sessions.session_actor(db, started.session_id, expiry_days=7, now=NOW + timedelta(minutes=2))
    assert sessions.session_actor(db, bens.session_id, expiry_days=7, now=NOW + timedelta(minutes=2)) == ben
    later = sessions.start(db, user_id=ana.user_id, method=sessions.PASSWORD, expiry_days=7,
                           now=NOW + timedelta(hours=1))
    assert sessions.session_actor(db, later.session_id, expiry_days=7, now=NOW + timedelta(hours=2)) == ana, \
        "a later sign-in works"


def _credentials_usernames(db) -> set[str]:
    """The accounts that may sign in (the active ones)."""
    with db.cursor() as cur:
        return {r["username"] for r in rows(cur, "SELECT username FROM users WHERE active")}


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
    stored = stored_hash(db, "bob")
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


SAMPLES = ["Abcdefg1!", "Abcdefg1-", "Abcdefg1 ", "Abcdéfg1!", "abcdefg1!", "ABCDEFG1!", "Abcdefgh!", "Abcdefgh1",
           "Ab1!", "Abcdefghijklmnopqr1!", "Abcdefghijklmnopqrs1!", "Abcdefg1\u00a0", "Abcdefg1€"]


@pytest.mark.parametrize("symbol", list(PASSWORD_SYMBOLS))
def test_every_symbol_the_rule_names_is_accepted(symbol):
    assert symbol in PASSWORD_RULE
    assert password_problem("Abcdefg1" + symbol) is None


@pytest.mark.parametrize("password", SAMPLES + ["Abcdefg1" + s for s in PASSWORD_SYMBOLS])
def test_core_and_the_registration_widget_agree(password):
    assert (password_problem(password) is None) == Validator().validate_password(password), password_problem(password)


def test_a_refusal_says_which_characters_are_not_allowed():
    assert "a space" in password_problem("Abcdefg1 !")
    assert "é" in password_problem("Abcdéfg1!")


@pytest.mark.parametrize("password", ["Aa1!" + "é" * 35, "Aa1!" + "x" * 69, "😀" * 19])
def test_passwords_over_72_bytes_get_a_clear_message_and_are_never_cut_short(password):
    assert len(password.encode()) > PASSWORD_MAX_BYTES
    assert f"at most {PASSWORD_MAX_BYTES} bytes" in password_problem(password)
    with pytest.raises(AccountError, match="72 bytes"):
        accounts.hash_password(password, rounds=4)
    stored = accounts.hash_password(password.encode()[:72].decode(errors="ignore"), rounds=4)
    assert not accounts.check_password(password, stored), "no silent truncation: the long one never matches"
