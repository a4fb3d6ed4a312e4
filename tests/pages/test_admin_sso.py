"""The single sign-on page and sign-in with SSO required (AppTest): only the emergency admin signs in with a password,
SSO cannot be required before it is set up, a domain lets people into a cohort."""

from __future__ import annotations

from core.identity import accounts, sso

# ---------------------------------------------------------------- pages (AppTest)


def _admin(path):
    from core.store.db import get_database

    db = get_database(path)
    return db, accounts.load_actor(db, accounts.user_id_for_username(db, "admin"))


def _password_sign_in(username):
    from streamlit.testing.v1 import AppTest

    from tests.apptest_utils import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    at.text_input[0].input(username)
    at.text_input[1].input("Demo-2026!")
    at.button[0].click().run()
    return at


def test_with_sso_required_only_the_emergency_admin_signs_in_with_a_password(portal_env):
    db, admin = _admin(portal_env)
    sso.set_requirement(db, admin, require_sso=True, break_glass_user_id=admin.user_id)
    refused = _password_sign_in("student07")
    assert "actor_id" not in refused.session_state
    assert [e.value for e in refused.error] == [sso.PASSWORD_CLOSED_MESSAGE]
    assert "actor_id" in _password_sign_in("admin").session_state, "the emergency account still signs in"


def test_the_sso_page_refuses_to_require_sso_before_it_is_set_up(portal_env):
    from tests.apptest_utils import run_page, texts

    at = run_page("pages/admin_sso.py", portal_env, "admin")
    assert "Single sign-on is not set up" in texts(at)
    at.toggle(key="admin_sso_require").set_value(True)
    at.selectbox(key="admin_sso_keeper").set_value(_admin(portal_env)[1].user_id)
    at.button[0].click().run()
    assert [e.value for e in at.error] == [
        "Set up single sign-on first: with no provider, only the emergency account could sign in."]
    assert not sso.policy(_admin(portal_env)[0]).require_sso


def test_the_sso_page_lets_a_domain_into_a_cohort(portal_env):
    from tests.apptest_utils import run_page

    at = run_page("pages/admin_sso.py", portal_env, "admin")
    at.text_input(key="admin_sso_domain_text").input("@Students.Demo.Example.EDU")
    cohort_id = at.selectbox(key="admin_sso_domain_cohort").value
    next(b for b in at.button if b.label == "Allow this domain").click().run()
    assert not at.exception and not at.error
    assert sso.policy(_admin(portal_env)[0]).domains == {"students.demo.example.edu": cohort_id}
    assert any("now join" in s.value for s in at.success)
