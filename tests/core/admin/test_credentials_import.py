"""Moving from a streamlit-authenticator app: its credentials file becomes accounts, hashes kept
(core/admin/credentials_import.py, `portal import-credentials`)."""

from __future__ import annotations

from functools import lru_cache

import bcrypt
import pytest
from streamlit_authenticator.utilities.hasher import Hasher

from core.admin.credentials_import import import_credentials
from core.errors import AccessDenied, AccountError
from core.identity import accounts
from core.models import Role
from core.store.db import rows, scalar
from tests.conftest import NOW


@lru_cache(maxsize=None)
def _hash(password: str) -> str:
    # What the other app's Hasher.hash stored, at a low cost to keep the test quick.
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()


def _config() -> str:
    """A config.yaml as a streamlit-authenticator 0.4 app keeps it, with one person in the older `name` form."""
    return f"""\
cookie:
  expiry_days: 30
  key: some_signature_key
  name: some_cookie_name
credentials:
  usernames:
    jsmith:
      email: jsmith@school.edu
      failed_login_attempts: 0
      first_name: John
      last_name: Smith
      logged_in: False
      password: '{_hash("abc-Old-pass")}'
      roles:
        - viewer
    rbriggs:
      email: rbriggs@school.edu
      first_name: Rebecca
      last_name: Briggs
      password: '{_hash("Rebecca's own phrase")}'
      roles: [admin, editor]
    mkhan:
      email: mkhan@school.edu
      name: Mariam Khan
      password: '{_hash("khan-1234")}'
      roles: [counselor]
    newone:
      email: newone@school.edu
      first_name: Nia
      last_name: One
      password: plain-text-in-the-file
"""


def test_people_keep_their_passwords_and_get_their_roles(world):
    db = world.db
    result = import_credentials(db, world.admin, _config(), cohort="Cohort Y", now=NOW, rounds=4)
    assert result.problems == [] and result.already_here == []
    assert [(a.username, a.role, a.must_change_password) for a in result.created] == [
        ("jsmith", Role.STUDENT, False), ("rbriggs", Role.ADMIN, False), ("mkhan", Role.COUNSELOR, False),
        ("newone", Role.STUDENT, True)]
    # The hash is the one in the file: the same password signs in, no reset.
    with db.cursor() as cur:
        assert scalar(cur, "SELECT password_hash FROM users WHERE username = 'jsmith'") == _hash("abc-Old-pass")
        found = rows(cur, "SELECT username, first_name, last_name, must_change_password FROM users "
                          "WHERE username IN ('mkhan', 'newone') ORDER BY username")
        members = rows(cur, "SELECT u.username FROM cohort_members m JOIN users u ON u.id = m.student_id "
                            "WHERE m.cohort_id = ? ORDER BY u.username", [world.cohort_y])
    assert accounts.password_sign_in(db, username="jsmith", password="abc-Old-pass", address=None, now=NOW)
    assert accounts.password_sign_in(db, username="rbriggs", password="Rebecca's own phrase", address=None, now=NOW)
    assert [(f["username"], f["first_name"], f["last_name"], f["must_change_password"]) for f in found] == [
        ("mkhan", "Mariam", "Khan", False), ("newone", "Nia", "One", True)]
    # A plain-text password was hashed by the portal and must be replaced at the first sign-in.
    newone_id = accounts.password_sign_in(db, username="newone", password="plain-text-in-the-file", address=None,
                                          now=NOW)
    newone = accounts.load_actor(db, newone_id)
    assert accounts.must_change_password(db, newone)
    assert [m["username"] for m in members] == ["jsmith", "newone", "yara"]  # students only


def test_running_it_again_leaves_the_accounts_as_they_are(world):
    import_credentials(world.db, world.admin, _config(), now=NOW, rounds=4)
    again = import_credentials(world.db, world.admin, _config(), now=NOW, rounds=4)
    assert again.created == [] and again.problems == []
    assert again.already_here == ["jsmith", "rbriggs", "mkhan", "newone"]


def test_a_file_with_any_problem_writes_nothing_and_names_each(world):
    db = world.db
    with db.cursor() as cur:
        before = scalar(cur, "SELECT count(*) FROM users")
        alice = scalar(cur, "SELECT email FROM users WHERE id = ?", [world.alice.user_id])
    text = _config().replace("jsmith@school.edu", "not-an-email").replace("rbriggs@school.edu", alice)
    result = import_credentials(db, world.admin, text, cohort="No such cohort", now=NOW, rounds=4)
    assert result.created == []
    assert result.problems[0].startswith("jsmith: ") and "email" in result.problems[0]
    assert f"rbriggs: the email {alice} is already used by alice." in result.problems
    assert "No open cohort is named 'No such cohort'." in result.problems
    with db.cursor() as cur:
        assert scalar(cur, "SELECT count(*) FROM users") == before


@pytest.mark.parametrize(("text", "message"), [
    ("credentials: [unclosed", "not readable YAML"),
    ("cookie:\n  key: x\n", "no `credentials: usernames:` table"),
])
def test_a_file_that_is_not_a_credentials_file_is_told(world, text, message):
    with pytest.raises(AccountError, match=message):
        import_credentials(world.db, world.admin, text, now=NOW, rounds=4)


def test_only_the_career_office_imports(world):
    with pytest.raises(AccessDenied):
        import_credentials(world.db, world.counselor_x, _config(), now=NOW, rounds=4)


def test_the_hash_a_streamlit_authenticator_app_made_is_kept_word_for_word(world):
    made_there = Hasher.hash("velvet hammock at noon")
    text = _config().replace(_hash("abc-Old-pass"), made_there)
    import_credentials(world.db, world.admin, text, now=NOW, rounds=4)
    assert accounts.password_sign_in(world.db, username="jsmith", password="velvet hammock at noon", address=None,
                                     now=NOW)


def test_the_command_imports_a_file_into_the_portals_database(tmp_path, monkeypatch, capsys):
    from core.__main__ import main
    from core.config import get_settings
    from core.store.db import open_database
    from core.store.migrate import apply_migrations

    path = tmp_path / "portal.duckdb"
    db = open_database(path)
    apply_migrations(db)
    db.close()
    config = tmp_path / "config.yaml"
    config.write_text(_config(), encoding="utf-8")
    monkeypatch.setenv("PORTAL_DB_PATH", str(path))
    monkeypatch.setenv("PORTAL_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    monkeypatch.setenv("PORTAL_BCRYPT_ROUNDS", "4")
    get_settings.cache_clear()
    try:
        assert main(["import-credentials", str(config)]) == 0
        out = capsys.readouterr().out
        assert "4 accounts created (3 keep their password; 1 had a plain-text password" in out
        assert main(["import-credentials", str(config), "--cohort", "Nowhere"]) == 1
        assert "No open cohort is named 'Nowhere'." in capsys.readouterr().err
        assert main(["import-credentials", str(tmp_path / "missing.yaml")]) == 1
        assert "missing.yaml" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()
    db = open_database(path)
    try:
        assert accounts.password_sign_in(db, username="jsmith", password="abc-Old-pass", address=None, now=NOW)
    finally:
        db.close()
