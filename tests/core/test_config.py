"""Settings: environment over secrets.toml over defaults; production refuses a default cookie key."""

from __future__ import annotations

import pytest

from core.config import DEFAULT_COOKIE_KEY, DEMO_COOKIE_KEY_FILE, Settings, cookie_key_problem
from core.errors import ConfigError, SettingsError


@pytest.fixture
def secrets(tmp_path, monkeypatch):
    path = tmp_path / "secrets.toml"
    monkeypatch.setenv("PORTAL_SECRETS_FILE", str(path))
    for var in ("PORTAL_DEMO_MODE", "PORTAL_COOKIE_KEY", "PORTAL_THANK_YOU_WINDOW_HOURS", "PORTAL_DB_PATH",
                "PORTAL_DATA_DIR"):
        monkeypatch.delenv(var, raising=False)
    return path


def test_defaults_are_demo_with_a_48_hour_window(secrets, tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "data"))
    s = Settings()
    assert s.demo_mode is True
    assert s.thank_you_window_hours == 48
    assert s.cookie_key == "", "no key is built in"
    assert s.database_path.name == "portal.duckdb"
    s.check_for_startup()


def test_secrets_file_portal_table_is_read_and_env_wins(secrets, monkeypatch):
    secrets.write_text('[portal]\ncookie_key = "k" \nthank_you_window_hours = 24\ndemo_mode = false\n')
    s = Settings()
    assert (s.cookie_key, s.thank_you_window_hours, s.demo_mode) == ("k", 24, False)
    monkeypatch.setenv("PORTAL_THANK_YOU_WINDOW_HOURS", "36")
    assert Settings().thank_you_window_hours == 36


@pytest.mark.parametrize("key", [DEFAULT_COOKIE_KEY, "short"])
def test_production_refuses_a_missing_or_weak_cookie_key(secrets, key):
    secrets.write_text(f'[portal]\ndemo_mode = false\ncookie_key = "{key}"\n')
    with pytest.raises(ConfigError, match="make setup-production"):
        Settings().check_for_startup()


def test_production_accepts_a_strong_key(secrets):
    from core.admin.setup_production import new_cookie_key

    secrets.write_text('[portal]\ndemo_mode = false\ncookie_key = "' + new_cookie_key() + '"\n')
    Settings().check_for_startup()


@pytest.mark.parametrize("key", ["a" * 32, "x" * 40, "ab" * 32, "abcd" * 10])
def test_production_refuses_a_long_but_repetitive_cookie_key(secrets, key):
    secrets.write_text(f'[portal]\ndemo_mode = false\ncookie_key = "{key}"\n')
    with pytest.raises(ConfigError, match="too repetitive"):
        Settings().check_for_startup()


def test_demo_mode_signs_with_a_random_key_of_its_own_kept_beside_the_database(secrets, tmp_path, monkeypatch):
    import stat

    import jwt

    monkeypatch.setenv("PORTAL_DB_PATH", str(tmp_path / "one" / "portal.duckdb"))
    first = Settings()
    first.check_for_startup()
    key = first.signing_key()
    path = tmp_path / "one" / DEMO_COOKIE_KEY_FILE
    assert path.is_file() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert key != DEFAULT_COOKIE_KEY and cookie_key_problem(key) is None
    assert Settings().signing_key() == key, "the same installation keeps its key across restarts"
    monkeypatch.setenv("PORTAL_DB_PATH", str(tmp_path / "two" / "portal.duckdb"))
    assert Settings().signing_key() != key, "another installation gets another key"
    # A cookie forged with the key in the source code no longer verifies.
    forged = jwt.encode({"username": "admin", "exp_date": 4e9}, DEFAULT_COOKIE_KEY, algorithm="HS256")
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, key, algorithms=["HS256"])


def test_demo_mode_ignores_the_old_public_default_if_configured(secrets, tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_DB_PATH", str(tmp_path / "portal.duckdb"))
    secrets.write_text(f'[portal]\ncookie_key = "{DEFAULT_COOKIE_KEY}"\n')
    assert Settings().signing_key() != DEFAULT_COOKIE_KEY


def test_invalid_values_are_rejected_with_the_field_named(secrets, monkeypatch):
    monkeypatch.setenv("PORTAL_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ValueError, match="unknown time zone"):
        Settings()


def test_broken_secrets_file_says_so(secrets):
    secrets.write_text("[portal\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        Settings()


@pytest.mark.parametrize("zone", ["America", "Europe", "nonsense", "", "../etc", "/etc/passwd", "America/",
                                  "a\x00b", "Europe/Paris "])
def test_a_time_zone_that_is_not_one_gets_a_clear_message(zone):
    from core.models import check_timezone

    with pytest.raises(ValueError, match="unknown time zone") as caught:
        check_timezone(zone)
    assert type(caught.value) is ValueError  # no OSError or KeyError leaks out of the check


@pytest.mark.parametrize("zone", ["America", "nonsense", "../etc"])
def test_a_portal_time_zone_that_is_not_one_names_the_setting(secrets, monkeypatch, zone):
    from core.config import get_settings

    monkeypatch.setenv("PORTAL_TIMEZONE", zone)
    get_settings.cache_clear()
    try:
        with pytest.raises(SettingsError, match="PORTAL_TIMEZONE .*unknown time zone .*America/New_York"):
            get_settings()
    finally:
        get_settings.cache_clear()


def test_a_time_zone_region_in_the_secrets_file_names_the_setting(secrets):

    secrets.write_text('[portal]\ntimezone = "America"\n')
    with pytest.raises(SettingsError, match="timezone in the \\[portal\\] table"):
        Settings()


def test_a_meeting_in_a_region_instead_of_a_time_zone_is_refused_in_words():
    from datetime import datetime

    from pydantic import ValidationError

    from core.models import MeetingCreate, MeetingMode, describe

    with pytest.raises(ValidationError) as caught:
        MeetingCreate(starts_at_local=datetime(2026, 3, 12, 10), timezone="America", mode=MeetingMode.VIDEO)
    assert "unknown time zone 'America'" in describe(caught.value)


def test_settings_take_a_postgres_url_and_refuse_another_scheme(monkeypatch):
    from core.config import Settings

    monkeypatch.delenv("PORTAL_JOBS_IN_PROCESS", raising=False)
    monkeypatch.delenv("PORTAL_DATABASE_URL", raising=False)
    settings = Settings(database_url="postgresql://portal@db.example.edu/portal")
    assert settings.database_location == "postgresql://portal@db.example.edu/portal"
    assert Settings().database_location.endswith("portal.duckdb")
    with pytest.raises(SettingsError, match="postgresql://"):
        Settings(database_url="mysql://portal@db/portal")
    # On PostgreSQL the scheduled work runs in its own worker unless the portal is told to run it.
    assert Settings(database_url="postgresql://portal@db/portal").jobs_in_process is False
    assert Settings(database_url="postgresql://portal@db/portal", jobs_in_process=True).jobs_in_process is True
    assert Settings().jobs_in_process is True  # the embedded default runs it inside the portal


def test_the_public_address_is_optional_and_a_bad_one_is_refused_in_words(secrets, monkeypatch):
    monkeypatch.delenv("PORTAL_BASE_URL", raising=False)
    assert Settings().base_url == "" and Settings().public_address == "http://localhost:8501"
    assert Settings(base_url=" https://interviews.example.edu/ ").public_address == "https://interviews.example.edu"
    for bad in ("interviews.example.edu", "ftp://interviews.example.edu", "https://", "https://a.edu/?x=1"):
        monkeypatch.setenv("PORTAL_BASE_URL", bad)
        with pytest.raises(SettingsError, match="PORTAL_BASE_URL .*https://interviews.example.edu"):
            Settings()
