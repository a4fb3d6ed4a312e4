"""One password rule: the text people read, core's check and the registration widget's check agree; bcrypt's 72 bytes."""

from __future__ import annotations

import pytest
from streamlit_authenticator.utilities.validator import Validator

from core.errors import AccountError
from core.identity import accounts
from core.identity.accounts import PASSWORD_MAX_BYTES, PASSWORD_RULE, PASSWORD_SYMBOLS, password_problem
from tests.apptest_utils import ROOT, run_page

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


def test_the_account_page_shows_the_rule_from_core(portal_env):
    at = run_page("pages/account.py", portal_env, "student07")
    new = next(t for t in at.text_input if t.label == "New password")
    assert new.help == PASSWORD_RULE
    assert PASSWORD_RULE in [c.value for c in at.caption]


def test_a_too_long_new_password_is_refused_with_the_reason_not_a_traceback(portal_env):
    at = run_page("pages/account.py", portal_env, "student07")
    long = "Aa1!" + "é" * 40
    form = {t.label: t for t in at.text_input}
    form["Current (or one-time) password"].input("Demo-2026!")
    form["New password"].input(long)
    form["Repeat the new password"].input(long)
    next(b for b in at.button if b.label == "Save password").click().run()
    assert not at.exception
    assert any("at most 72 bytes" in e.value for e in at.error)


def test_signing_in_with_a_very_long_password_says_incorrect(portal_env):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    at.text_input[0].input("student07")
    at.text_input[1].input("Demo-2026!" + "x" * 100)
    at.button[0].click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Username or password is incorrect."]
