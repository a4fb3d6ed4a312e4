"""Sessions end when they should: deactivation, role change, password change or reset, sign-out, expiry; the cookie
names a session only while it is valid (core/identity/sessions.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.errors import SessionEnded
from core.identity import accounts, sessions
from core.models import Role
from tests.conftest import NOW, PASSWORD, make_user

# ---------------------------------------------------------------- core

KEY = "a-test-signing-key-0123456789abcdefghijkl"


def _started(db, actor, *, expiry_days=7.0, now=NOW):
    started = sessions.start(db, user_id=actor.user_id, method=sessions.PASSWORD, expiry_days=expiry_days, now=now)
    assert sessions.session_actor(db, started.session_id, expiry_days=expiry_days, now=now) == actor
    return started


def _cookie(db, started, *, expiry_days=7.0, now=NOW):
    cookie = sessions.redeem_handoff(db, started.handoff, key=KEY, expiry_days=expiry_days, now=now)
    assert cookie is not None
    return cookie.value


def test_a_session_row_keeps_only_the_hash_of_the_cookies_session_id(db):
    ana = make_user(db, "ana", Role.STUDENT)
    started = _started(db, ana)
    value = _cookie(db, started)
    token = sessions.unsign(value, KEY)
    with db.cursor() as cur:
        stored = cur.execute("SELECT * FROM sessions WHERE id = ?", [started.session_id]).fetchone()
    assert token and not any(token in str(v) for v in stored) and started.handoff not in str(stored)
    assert sessions.from_cookie(db, value, key=KEY, expiry_days=7, now=NOW).user_id == ana.user_id


def test_a_handoff_code_gives_its_cookie_once_and_only_while_fresh(db):
    ana = make_user(db, "ana", Role.STUDENT)
    started = _started(db, ana)
    assert sessions.redeem_handoff(db, started.handoff, key=KEY, expiry_days=7,
                                   now=NOW + sessions.HANDOFF_WAIT) is None, "too late"
    assert sessions.redeem_handoff(db, started.handoff + "x", key=KEY, expiry_days=7, now=NOW) is None
    assert sessions.redeem_handoff(db, started.handoff, key=KEY, expiry_days=7, now=NOW) is not None
    assert sessions.redeem_handoff(db, started.handoff, key=KEY, expiry_days=7, now=NOW) is None, "used"
    assert sessions.cookie_issued(db, started.session_id)


@pytest.mark.parametrize("tampered", ["", "abc", "abc.def", "x.y.z"])
def test_a_cookie_not_signed_with_the_portals_key_names_no_session(db, tampered):
    ana = make_user(db, "ana", Role.STUDENT)
    value = _cookie(db, _started(db, ana))
    assert sessions.from_cookie(db, tampered, key=KEY, expiry_days=7, now=NOW) is None
    assert sessions.from_cookie(db, value, key=KEY + "-other", expiry_days=7, now=NOW) is None
    token = value.split(".")[0]
    assert sessions.from_cookie(db, token + "." + "A" * 43, key=KEY, expiry_days=7, now=NOW) is None


def test_deactivation_ends_the_session_with_its_own_message(db, world):
    ana = make_user(db, "ana", Role.STUDENT)
    started = _started(db, ana)
    value = _cookie(db, started)
    accounts.set_active(db, world.admin, ana.user_id, False)
    with pytest.raises(SessionEnded, match="no longer active"):
        sessions.session_actor(db, started.session_id, expiry_days=7)
    assert sessions.from_cookie(db, value, key=KEY, expiry_days=7) is None
    accounts.set_active(db, world.admin, ana.user_id, True)
    with pytest.raises(SessionEnded, match="session has ended"):
        sessions.session_actor(db, started.session_id, expiry_days=7)
    assert sessions.from_cookie(db, value, key=KEY, expiry_days=7) is None, "reactivation revives no cookie"


@pytest.mark.parametrize("how", ["role", "reset", "own_password", "sign_out_elsewhere"])
def test_each_account_change_ends_sessions_and_cookies_from_before(db, world, how):
    ana = make_user(db, "ana", Role.STUDENT)
    started = _started(db, ana, now=sessions.moment())
    value = _cookie(db, started, now=sessions.moment())
    assert sessions.from_cookie(db, value, key=KEY, expiry_days=7) is not None
    if how == "role":
        accounts.change_role(db, world.admin, ana.user_id, Role.COUNSELOR)
    elif how == "reset":
        accounts.reset_password(db, world.admin, ana.user_id, rounds=4)
    elif how == "own_password":
        accounts.change_password(db, ana, PASSWORD, "Other-pass-7!", rounds=4)
    else:
        accounts.revoke_sessions(db, ana)
    with pytest.raises(SessionEnded, match="session has ended"):
        sessions.session_actor(db, started.session_id, expiry_days=7)
    assert sessions.from_cookie(db, value, key=KEY, expiry_days=7) is None, "a cookie copied before no longer signs in"
    again = sessions.start(db, user_id=ana.user_id, method=sessions.PASSWORD, expiry_days=7)
    assert sessions.session_actor(db, again.session_id, expiry_days=7).user_id == ana.user_id, "a new sign-in works"


def test_lowering_the_cookie_lifetime_never_lets_an_older_cookie_pass(db):
    ana = make_user(db, "ana", Role.STUDENT)
    started = _started(db, ana, expiry_days=30)
    value = _cookie(db, started, expiry_days=30)
    accounts.revoke_sessions(db, ana, now=NOW + timedelta(days=2))  # signed out on day 2
    later = _started(db, ana, expiry_days=30, now=NOW + timedelta(days=3))
    for days in (30, 7, 1, 0.5):
        # The old rule worked the issue time out of the cookie's expiry and the current setting:
        # 30-day cookie, setting lowered to 1 day -> "issued" 29 days later than it was, after the sign-out.
        assert sessions.from_cookie(db, value, key=KEY, expiry_days=days, idle_minutes=0,
                                    now=NOW + timedelta(days=4)) is None, days
    assert sessions.session_actor(db, later.session_id, expiry_days=30, idle_minutes=0,
                                  now=NOW + timedelta(days=4)) == ana
    # Lowering the setting shortens sessions already issued, from their recorded issue time.
    with pytest.raises(SessionEnded, match="expired"):
        sessions.session_actor(db, later.session_id, expiry_days=0.5, idle_minutes=0, now=NOW + timedelta(days=4))
    with pytest.raises(SessionEnded, match="expired"):
        sessions.session_actor(db, later.session_id, expiry_days=30, idle_minutes=0, now=NOW + timedelta(days=34))


def test_last_seen_is_written_at_most_every_few_minutes(db):
    ana = make_user(db, "ana", Role.STUDENT)
    started = _started(db, ana)

    def last_seen():
        with db.cursor() as cur:
            return cur.execute("SELECT last_seen FROM sessions WHERE id = ?", [started.session_id]).fetchone()[0]

    sessions.session_actor(db, started.session_id, expiry_days=7, now=NOW + timedelta(minutes=1))
    assert last_seen() == NOW
    sessions.session_actor(db, started.session_id, expiry_days=7, now=NOW + timedelta(minutes=6))
    assert last_seen() == NOW + timedelta(minutes=6)


def test_old_ended_sessions_are_removed_but_each_accounts_latest_sign_out_stays(db):
    ana, ben = make_user(db, "ana", Role.STUDENT), make_user(db, "ben", Role.STUDENT)
    first = _started(db, ana)
    accounts.revoke_sessions(db, ana, now=NOW + timedelta(days=1))  # ana's older sign-out
    second = _started(db, ana, now=NOW + timedelta(days=2))
    accounts.revoke_sessions(db, ana, now=NOW + timedelta(days=3))  # her latest
    expired = _started(db, ben, expiry_days=1)  # ben's just ran out
    live = _started(db, ben, now=NOW + timedelta(days=94))

    def ids():
        with db.cursor() as cur:
            return {r[0] for r in cur.execute("SELECT id FROM sessions").fetchall()}

    assert sessions.prune(db, NOW + timedelta(days=60)) == 0  # nothing ended 90 days ago yet
    later = NOW + sessions.KEEP_ENDED + timedelta(days=5)
    assert sessions.prune(db, later) == 2
    assert ids() == {second.session_id, live.session_id}
    assert first.session_id not in ids() and expired.session_id not in ids()
    assert sessions.last_ended(db, ana.user_id) == NOW + timedelta(days=3)  # still what it was
    assert sessions.session_actor(db, live.session_id, expiry_days=7, idle_minutes=0, now=later) == ben


def test_a_session_unused_for_the_idle_time_ends_and_says_so(db):
    ana = make_user(db, "ana", Role.STUDENT)
    started = _started(db, ana)
    value = _cookie(db, started)
    # In use: each click within the idle time moves last_seen on, so the session goes on past 8 hours in all.
    for hours in (2, 4, 6, 8, 10):
        assert sessions.session_actor(db, started.session_id, expiry_days=7, idle_minutes=180,
                                      now=NOW + timedelta(hours=hours)) == ana
    # Then unused for three hours: the next click is refused, in words that say why.
    with pytest.raises(SessionEnded) as ended:
        sessions.session_actor(db, started.session_id, expiry_days=7, idle_minutes=180,
                               now=NOW + timedelta(hours=13))
    assert str(ended.value) == ("You were signed out because the portal was not used for 3 hours. "
                                "Sign in again to carry on where you were.")
    # The end is recorded: the re-login cookie no longer signs in, even under a longer idle setting, and another
    # tab of the same session is told the same.
    assert sessions.from_cookie(db, value, key=KEY, expiry_days=7, idle_minutes=0, now=NOW + timedelta(hours=13)) \
        is None
    with pytest.raises(SessionEnded, match="not used for 3 hours"):
        sessions.session_actor(db, started.session_id, expiry_days=7, idle_minutes=180,
                               now=NOW + timedelta(hours=14))
    assert sessions.last_ended(db, ana.user_id) == NOW + timedelta(hours=13), "ended when it went idle"
    again = sessions.start(db, user_id=ana.user_id, method=sessions.PASSWORD, expiry_days=7,
                           now=NOW + timedelta(hours=14))
    assert sessions.session_actor(db, again.session_id, expiry_days=7, idle_minutes=180,
                                  now=NOW + timedelta(hours=14)) == ana, "signing in again works"


def test_the_idle_time_defaults_to_eight_hours_and_zero_turns_it_off(db, monkeypatch):
    from core.config import Settings, get_settings

    assert Settings().session_idle_minutes == 480
    ana = make_user(db, "ana", Role.STUDENT)
    started = _started(db, ana)
    monkeypatch.setenv("PORTAL_SESSION_IDLE_MINUTES", "480")
    get_settings.cache_clear()
    try:
        assert sessions.session_actor(db, started.session_id, expiry_days=7,
                                      now=NOW + timedelta(hours=7, minutes=59)) == ana
        assert sessions.session_actor(db, started.session_id, expiry_days=7, idle_minutes=0,
                                      now=NOW + timedelta(hours=16)) == ana, "0: no idle end"
        with pytest.raises(SessionEnded, match="not used for 8 hours"):
            sessions.session_actor(db, started.session_id, expiry_days=7, now=NOW + timedelta(hours=24))
    finally:
        get_settings.cache_clear()


def test_a_short_idle_time_moves_last_seen_on_often_enough(db):
    # With an idle time under the usual few minutes between writes of last_seen, a session in use every
    # 20 seconds must not be taken for an idle one.
    ana = make_user(db, "ana", Role.STUDENT)
    started = _started(db, ana)
    for step in range(1, 30):
        assert sessions.session_actor(db, started.session_id, expiry_days=7, idle_minutes=1,
                                      now=NOW + timedelta(seconds=20 * step)) == ana
    with pytest.raises(SessionEnded, match="not used for 1 minute"):
        sessions.session_actor(db, started.session_id, expiry_days=7, idle_minutes=1,
                               now=NOW + timedelta(seconds=20 * 29 + 61))


def test_no_session_or_an_unknown_one_is_not_valid(db):
    with pytest.raises(SessionEnded):
        sessions.session_actor(db, None, expiry_days=7)
    with pytest.raises(SessionEnded):
        sessions.session_actor(db, 123456, expiry_days=7)
