"""Settings: environment over secrets.toml over defaults; production refuses a default cookie key."""

import pytest

from core.config import DEFAULT_COOKIE_KEY, ConfigError, Settings


@pytest.fixture
def secrets(tmp_path, monkeypatch):
    path = tmp_path / "secrets.toml"
    monkeypatch.setenv("PORTAL_SECRETS_FILE", str(path))
    for var in ("PORTAL_DEMO_MODE", "PORTAL_COOKIE_KEY", "PORTAL_THANK_YOU_WINDOW_HOURS", "PORTAL_DB_PATH"):
        monkeypatch.delenv(var, raising=False)
    return path


def test_defaults_are_demo_with_a_48_hour_window(secrets):
    s = Settings()
    assert s.demo_mode is True
    assert s.thank_you_window_hours == 48
    assert s.cookie_key == DEFAULT_COOKIE_KEY
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
    secrets.write_text('[portal]\ndemo_mode = false\ncookie_key = "' + "x" * 40 + '"\n')
    Settings().check_for_startup()


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
    from core.config import SettingsError, get_settings

    monkeypatch.setenv("PORTAL_TIMEZONE", zone)
    get_settings.cache_clear()
    try:
        with pytest.raises(SettingsError, match="PORTAL_TIMEZONE .*unknown time zone .*America/New_York"):
            get_settings()
    finally:
        get_settings.cache_clear()


def test_a_time_zone_region_in_the_secrets_file_names_the_setting(secrets):
    from core.config import SettingsError

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
