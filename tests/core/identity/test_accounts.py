"""Accounts: unique names, hashes the authenticator's Hasher makes and checks, throttling, the password rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from streamlit_authenticator.utilities.hasher import Hasher

from core.errors import AccessDenied, AccountError, NotFound, SessionEnded
from core.identity import accounts
from core.identity.access import SYSTEM
from core.identity.accounts import PASSWORD_MAX_BYTES, create_user, password_problem, password_rule
from core.models import PASSWORD_MAX_LENGTH, Role, UserCreate
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
        accounts.change_password(db, ana, "wrong", "New-pass-9-long!", rounds=4)
    with pytest.raises(AccountError, match="at least 12 characters"):
        accounts.change_password(db, ana, PASSWORD, "Newpass99", rounds=4)
    accounts.change_password(db, ana, PASSWORD, "New-pass-9-long!", rounds=4)
    assert Hasher.check_pw("New-pass-9-long!", stored_hash(db, "ana"))


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
    accounts.change_password(db, world.bob, otp, "Mine-own-9-too!", rounds=4)
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


PASSPHRASES = [
    "correct horse battery staple on the river bank at dawn",  # spaces; no digit, capital or symbol
    "ma grand-mère préférait les tartes aux quetsches d'alsace",  # letters beyond A to Z
    "мой кот любит спать на подоконнике весь день",  # another alphabet: over 72 bytes in UTF-8
    "猫は窓辺で一日中眠るのが好きです、とても",
    "the quick brown fox jumps over the lazy dog while the cat sleeps in the warm afternoon sun",  # over 64
]


@pytest.mark.parametrize("passphrase", PASSPHRASES)
def test_long_passphrases_with_spaces_and_any_letters_are_accepted_and_every_character_counts(db, passphrase):
    assert password_problem(passphrase, min_length=12) is None, password_problem(passphrase, min_length=12)
    ana = make_user(db, "ana", Role.STUDENT)
    accounts.change_password(db, ana, PASSWORD, passphrase, rounds=4)
    stored = stored_hash(db, "ana")
    assert Hasher.is_hash(stored)
    assert accounts.check_password(passphrase, stored)
    assert not accounts.check_password(passphrase[:-1], stored)
    assert not accounts.check_password(passphrase + "x", stored)


def test_a_passphrase_of_64_characters_and_more_is_within_the_rule():
    phrase = "walking my neighbour's dog past the old mill every tuesday morning"
    assert len(phrase) >= 64
    assert password_problem(phrase, min_length=12) is None
    assert password_problem("lantern quietly " * 16, min_length=12) is None  # 256 characters, the longest
    too_long = password_problem("lantern quietly " * 16 + "x", min_length=12)
    assert too_long == f"A password can have at most {PASSWORD_MAX_LENGTH} characters; this one has 257."


@pytest.mark.parametrize("password", ["mauve elephant kites", "zebracrossingsunset", "Tyrannosaurus-opal"])
def test_no_composition_rules(password):
    assert password_problem(password, min_length=12) is None


def test_the_minimum_length_is_the_career_offices_setting(monkeypatch):
    from core.config import get_settings

    monkeypatch.setenv("PORTAL_PASSWORD_MIN_LENGTH", "16")
    get_settings.cache_clear()
    try:
        assert password_problem("velvet hammock") == "A password needs at least 16 characters; this one has 14."
        assert password_problem("velvet hammock 9x") is None
        assert "At least 16 characters" in password_rule()
    finally:
        monkeypatch.delenv("PORTAL_PASSWORD_MIN_LENGTH")
        get_settings.cache_clear()
    assert get_settings().password_min_length == 12
    assert password_problem("mauve kites") == "A password needs at least 12 characters; this one has 11."
    assert "At least 12 characters" in password_rule()


@pytest.mark.parametrize(("password", "why"), [
    ("password1234", "This is a very common password."),
    ("qwertyuiop12", "This is similar to a commonly used password."),
    ("aaaaaaaaaaaaaaaa", 'Repeats like "aaa" are easy to guess.'),
    ("123456789012", "too easy to guess"),
])
def test_common_and_guessable_passwords_are_refused_saying_why(password, why):
    problem = password_problem(password, min_length=12)
    assert problem and problem.startswith("That password is too easy to guess.")
    assert why in problem


def test_a_password_made_of_the_persons_own_name_is_refused():
    mine = ("ana.lovelace", "ana.lovelace@example.edu", "Ana", "Lovelace")
    assert password_problem("analovelace2026", min_length=12) is None
    assert "too easy to guess" in password_problem("analovelace2026", min_length=12, user_inputs=mine)


def test_control_characters_are_refused_with_a_message():
    assert "control characters" in password_problem("tab\tinside a long password", min_length=12)


def test_existing_shorter_passwords_keep_working_until_changed(db):
    make_user(db, "ana", Role.STUDENT)
    with db.cursor() as cur:
        cur.execute("UPDATE users SET password_hash = ? WHERE username = 'ana'",
                    [accounts.hash_password("Old-rule-8!", rounds=4)])
    assert password_problem("Old-rule-8!") is not None  # too short to choose today
    assert accounts.password_sign_in(db, username="ana", password="Old-rule-8!", address=None, now=NOW)


def test_hashes_are_made_and_checked_by_the_authenticators_hasher(monkeypatch):
    calls = []
    real = Hasher.hash

    def spy(password):
        calls.append(password)
        return real(password)

    monkeypatch.setattr(Hasher, "hash", spy)
    stored = accounts.hash_password("velvet hammock at noon")  # the default cost, the Hasher's own
    assert calls == ["velvet hammock at noon"]
    assert stored.startswith("$2b$12$") and Hasher.check_pw("velvet hammock at noon", stored)


def test_a_passphrase_typed_composed_or_decomposed_is_the_same():
    import unicodedata

    phrase = "crème brûlée après le déjeuner"
    stored = accounts.hash_password(unicodedata.normalize("NFC", phrase), rounds=4)
    assert accounts.check_password(unicodedata.normalize("NFD", phrase), stored)


@pytest.mark.parametrize("password", ["Aa1!" + "é" * 35, "Aa1!" + "x" * 69, "😀" * 19])
def test_passwords_over_72_bytes_are_never_cut_short(password):
    assert len(password.encode()) > PASSWORD_MAX_BYTES
    stored = accounts.hash_password(password, rounds=4)
    assert accounts.check_password(password, stored)
    cut = password.encode()[:72].decode(errors="ignore")
    assert not accounts.check_password(password, accounts.hash_password(cut, rounds=4)), "no silent truncation"
    assert not accounts.check_password(cut, stored)
