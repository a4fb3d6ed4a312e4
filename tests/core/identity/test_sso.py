"""Single sign-on rules in core: matching by verified email, roles kept, unknown and deactivated people refused, cohort
domains making students, sessions ended elsewhere, and "require SSO" with its break-glass admin
(core/identity/sso.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.errors import AccessDenied, SSOPolicyError, SSORefused
from core.identity import accounts, sessions, sso
from core.models import Role
from tests.conftest import NOW, make_user


def _sign_in(db, email, *, verified=True, issued_at=NOW, **extra):
    return sso.sign_in(db, email=email, email_verified=verified, issued_at=issued_at, now=NOW, **extra).user_id


def test_a_verified_email_signs_in_to_its_account_with_the_portals_role(world):
    assert _sign_in(world.db, "Counselor.X@Example.edu ") == world.counselor_x.user_id
    assert _sign_in(world.db, "alice@example.edu") == world.alice.user_id


def test_an_unverified_email_is_refused_unless_the_provider_is_trusted_without_the_claim(world):
    for verified in (False, None, "true"):
        with pytest.raises(SSORefused, match="did not confirm your email"):
            _sign_in(world.db, "alice@example.edu", verified=verified)
    assert _sign_in(world.db, "alice@example.edu", verified=None, require_verified=False) == world.alice.user_id
    with pytest.raises(SSORefused, match="did not confirm"):
        _sign_in(world.db, "", require_verified=False)


def test_an_unknown_email_is_told_to_ask_the_career_office_and_nothing_is_written(world):
    with world.db.cursor() as cur:
        before = cur.execute("SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM events)").fetchone()
    with pytest.raises(SSORefused, match="no portal account for stranger@else.org. Ask your career office"):
        _sign_in(world.db, "stranger@else.org")
    with world.db.cursor() as cur:
        assert cur.execute("SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM events)").fetchone() == before


def test_a_deactivated_account_is_refused(world):
    accounts.set_active(world.db, world.admin, world.bob.user_id, False)
    with pytest.raises(SSORefused, match="no longer active"):
        _sign_in(world.db, "bob@example.edu")


def test_a_provider_sign_in_from_before_the_sessions_ended_no_longer_counts(world):
    # Signed in through the provider (a session), then signed out everywhere from another browser.
    sessions.start(world.db, user_id=_sign_in(world.db, "alice@example.edu"), method=sessions.SSO, expiry_days=7,
                   now=NOW)
    accounts.revoke_sessions(world.db, world.alice, now=NOW + timedelta(minutes=5, microseconds=400))
    with pytest.raises(SSORefused, match="session has ended") as refused:
        _sign_in(world.db, "alice@example.edu", issued_at=NOW)
    assert refused.value.ended
    # Providers give whole seconds: a token of the same second counts, a later one too.
    assert _sign_in(world.db, "alice@example.edu", issued_at=NOW + timedelta(minutes=5)) == world.alice.user_id
    assert _sign_in(world.db, "alice@example.edu", issued_at=NOW + timedelta(minutes=6)) == world.alice.user_id


def test_an_allowed_domain_makes_a_student_of_its_cohort_once(world):
    sso.allow_domain(world.db, world.admin, domain="@Students.Example.EDU", cohort_id=world.cohort_y, now=NOW)
    claims = {"given_name": "Nia", "family_name": "Okoro"}
    new_id = _sign_in(world.db, "nia.okoro@students.example.edu", claims=claims)
    assert _sign_in(world.db, "nia.okoro@students.example.edu", claims=claims) == new_id, "the same account next time"
    actor = accounts.load_actor(world.db, new_id)
    assert actor.role == Role.STUDENT and actor.name == "Nia Okoro"
    with world.db.cursor() as cur:
        assert cur.execute("SELECT cohort_id FROM cohort_members WHERE student_id = ?", [new_id]).fetchone() == (
            world.cohort_y,)
        assert cur.execute("SELECT username FROM users WHERE id = ?", [new_id]).fetchone() == ("nia.okoro",)
    with pytest.raises(SSORefused, match="no portal account"):
        _sign_in(world.db, "someone@example.edu"), "a domain not allowed makes no account"
    sso.remove_domain(world.db, world.admin, domain="students.example.edu", now=NOW)
    with pytest.raises(SSORefused, match="no portal account"):
        _sign_in(world.db, "other@students.example.edu")
    assert _sign_in(world.db, "nia.okoro@students.example.edu") == new_id, "accounts already made stay"


def test_domain_rules_are_the_career_offices_and_checked(world):
    with pytest.raises(AccessDenied):
        sso.allow_domain(world.db, world.counselor_x, domain="example.edu", cohort_id=world.cohort_x)
    with pytest.raises(SSOPolicyError, match="not an email domain"):
        sso.allow_domain(world.db, world.admin, domain="not a domain", cohort_id=world.cohort_x)
    sso.allow_domain(world.db, world.admin, domain="example.edu", cohort_id=world.cohort_x)
    with pytest.raises(SSOPolicyError, match="already leads to Cohort X"):
        sso.allow_domain(world.db, world.admin, domain="EXAMPLE.edu", cohort_id=world.cohort_y)
    assert sso.policy(world.db).domains == {"example.edu": world.cohort_x}


def test_requiring_sso_closes_password_sign_in_to_all_but_the_break_glass_admin(world):
    assert sso.password_sign_in_open(world.db, "alice")
    with pytest.raises(SSOPolicyError, match="emergencies"):
        sso.set_requirement(world.db, world.admin, require_sso=True, break_glass_user_id=None)
    with pytest.raises(SSOPolicyError, match="active admin"):
        sso.set_requirement(world.db, world.admin, require_sso=True, break_glass_user_id=world.alice.user_id)
    with pytest.raises(AccessDenied):
        sso.set_requirement(world.db, world.counselor_x, require_sso=True, break_glass_user_id=world.admin.user_id)
    keeper = make_user(world.db, "ops", Role.ADMIN)
    sso.set_requirement(world.db, world.admin, require_sso=True, break_glass_user_id=keeper.user_id)
    assert sso.password_sign_in_open(world.db, " OPS ")
    for name in ("admin", "alice", "nobody-at-all"):
        assert not sso.password_sign_in_open(world.db, name), name
    assert sso.sign_in(world.db, email="alice@example.edu", email_verified=True, issued_at=None).user_id == \
        world.alice.user_id, "single sign-on itself stays open"
    sso.set_requirement(world.db, world.admin, require_sso=False, break_glass_user_id=None)
    assert sso.password_sign_in_open(world.db, "alice")


def test_an_sso_session_is_a_session_like_any_other(world):
    user_id = _sign_in(world.db, "alice@example.edu")
    started = sessions.start(world.db, user_id=user_id, method=sessions.SSO, expiry_days=7)
    assert sessions.session_actor(world.db, started.session_id, expiry_days=7) == world.alice


def test_a_providers_names_follow_the_rule_for_peoples_names_and_a_broken_email_is_refused(world):
    sso.allow_domain(world.db, world.admin, domain="students.example.edu", cohort_id=world.cohort_y, now=NOW)
    claims = {"given_name": "=Ni\x00a\x1b", "family_name": "\t@Oko\nro"}
    new_id = _sign_in(world.db, "nia@students.example.edu", claims=claims)
    assert accounts.load_actor(world.db, new_id).name == "Nia Oko ro"
    with pytest.raises(SSORefused, match="did not confirm your email address"):
        _sign_in(world.db, "ni\x00a@students.example.edu")
