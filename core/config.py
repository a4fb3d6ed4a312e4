"""Settings from environment variables (PORTAL_*) and the [portal] table of .streamlit/secrets.toml."""

from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, InitSettingsSource, SettingsConfigDict
from core.errors import PortalError

DEFAULT_COOKIE_KEY = "demo-only-cookie-key-not-for-production"
SECRETS_FILE_ENV = "PORTAL_SECRETS_FILE"


class ConfigError(PortalError, RuntimeError):
    """The configuration cannot be used as it is; the message says how to fix it."""


class SettingsError(ConfigError, ValueError):
    """A setting holds a value the portal cannot use (a time zone that is not one, a word for a number)."""


def secrets_file() -> Path:
    """Where the secrets file lives (PORTAL_SECRETS_FILE overrides the Streamlit default)."""
    return Path(os.environ.get(SECRETS_FILE_ENV, ".streamlit/secrets.toml"))


def _portal_table(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    table = data.get("portal", {})
    return table if isinstance(table, dict) else {}


class Settings(BaseSettings):
    """Everything an operator may set. Environment variables win over the secrets file."""

    model_config = SettingsConfigDict(env_prefix="PORTAL_", extra="ignore")

    data_dir: Path = Path("data")
    db_path: Path | None = None
    cookie_name: str = "interview_portal_auth"
    cookie_key: str = DEFAULT_COOKIE_KEY
    cookie_expiry_days: float = Field(default=7.0, ge=0, le=90)
    thank_you_window_hours: int = Field(default=48, ge=1, le=24 * 14)
    stalled_after_days: int = Field(default=14, ge=1, le=365)
    follow_up_business_days: int = Field(default=3, ge=1, le=30)
    demo_mode: bool = True
    bcrypt_rounds: int = Field(default=12, ge=4, le=16)
    # One-time passwords are long, random and replaced at first sign-in, so a lower cost keeps a
    # 5,000-student roster import to minutes instead of the better part of an hour.
    one_time_password_rounds: int = Field(default=8, ge=4, le=16)
    login_max_failures_per_user: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=20, ge=1)
    login_lockout_minutes: int = Field(default=15, ge=1)
    timezone: str = "America/New_York"

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise SettingsError(_describe(exc)) from None

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from core.models import check_timezone

        return check_timezone(value)

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings):
        toml_source = InitSettingsSource(settings_cls, init_kwargs=_portal_table(secrets_file()))
        return (init_settings, env_settings, toml_source)

    @property
    def database_path(self) -> Path:
        """The DuckDB file (db_path, or portal.duckdb inside data_dir)."""
        return self.db_path if self.db_path is not None else self.data_dir / "portal.duckdb"

    def check_for_startup(self) -> None:
        """Refuse to serve real users with a guessable cookie key."""
        if self.demo_mode:
            return
        if self.cookie_key == DEFAULT_COOKIE_KEY or len(self.cookie_key) < 32:
            raise ConfigError(
                "Demo mode is off but the cookie key is missing or the demo default. "
                "Run `make setup-production` (or set PORTAL_COOKIE_KEY to 32+ random characters) "
                "before serving the portal."
            )


def _describe(exc: ValidationError) -> str:
    """Each bad setting named as an operator sets it (PORTAL_X, or x in the secrets file), with the reason."""
    parts = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error.get("loc") else "setting"
        reason = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"PORTAL_{name.upper()} (or {name} in the [portal] table of {secrets_file()}): {reason}")
    return "The portal's settings cannot be used. " + "; ".join(parts) + "."


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
