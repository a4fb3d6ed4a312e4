"""Settings from environment variables (PORTAL_*) and the [portal] table of .streamlit/secrets.toml."""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, InitSettingsSource, NoDecode, SettingsConfigDict

from core.clock import check_timezone
from core.errors import ConfigError, SettingsError
from core.rules.timing import FOLLOW_UP_BUSINESS_DAYS, STALLED_AFTER_DAYS, THANK_YOU_WINDOW_HOURS

# The key older versions shipped for demo mode. Public, so never used to sign anything: refused
# outside demo mode and replaced by the per-installation key file in demo mode.
DEFAULT_COOKIE_KEY = "demo-only-cookie-key-not-for-production"
SECRETS_FILE_ENV = "PORTAL_SECRETS_FILE"
# Beside the database: the demo mode cookie key of this installation, made on first use.
DEMO_COOKIE_KEY_FILE = "demo-cookie-key"
MIN_COOKIE_KEY_LENGTH = 32
MIN_COOKIE_KEY_BITS = 128
# Where links in emails point while the public address (base_url) is not set: this machine, Streamlit's
# default port. Only someone at the server's own keyboard can open it.
LOCAL_ADDRESS = "http://localhost:8501"


Network = ipaddress.IPv4Network | ipaddress.IPv6Network

def parse_networks(entries: Iterable[str]) -> list[Network]:
    """Networks from addresses and CIDR ranges ("10.0.0.5", "10.0.0.0/8", "::1"); ValueError names a bad one."""
    networks = []
    for entry in entries:
        text = entry.strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise ValueError(f"{text!r} is not an IP address or a range such as 10.0.0.0/8") from None
    return networks


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
    # postgresql://user:password@host/dbname puts the portal on PostgreSQL; empty: the DuckDB file.
    database_url: str = ""
    cookie_name: str = "interview_portal_auth"
    # Empty: not configured (demo mode then uses its key file; production refuses to start).
    cookie_key: str = ""
    cookie_expiry_days: float = Field(default=7.0, ge=0, le=90)
    # A session unused this long ends (checked by the server on the next click); 0: only the lifetime above.
    session_idle_minutes: float = Field(default=480.0, ge=0, le=90 * 24 * 60)
    # The timing settings a new cohort starts with (core/rules/timing.py defines them and their ranges).
    thank_you_window_hours: int = Field(default=THANK_YOU_WINDOW_HOURS.default, ge=THANK_YOU_WINDOW_HOURS.low,
                                        le=THANK_YOU_WINDOW_HOURS.high)
    stalled_after_days: int = Field(default=STALLED_AFTER_DAYS.default, ge=STALLED_AFTER_DAYS.low,
                                    le=STALLED_AFTER_DAYS.high)
    follow_up_business_days: int = Field(default=FOLLOW_UP_BUSINESS_DAYS.default, ge=FOLLOW_UP_BUSINESS_DAYS.low,
                                         le=FOLLOW_UP_BUSINESS_DAYS.high)
    demo_mode: bool = True
    bcrypt_rounds: int = Field(default=12, ge=4, le=16)
    # The shortest password a person may choose (NIST SP 800-63B: at least 8; 15 where a password is the
    # only factor). Checked when a password is chosen: existing shorter ones keep working until changed.
    password_min_length: int = Field(default=12, ge=8, le=64)
    # One-time passwords are long, random and replaced at first sign-in, so a lower cost keeps a
    # 5,000-student roster import to minutes instead of the better part of an hour.
    one_time_password_rounds: int = Field(default=8, ge=4, le=16)
    login_max_failures_per_user: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=20, ge=1)
    login_lockout_minutes: int = Field(default=15, ge=1)
    # Reverse proxies whose X-Forwarded-For is believed (addresses or ranges such as 10.0.0.0/8;
    # "127.0.0.1" for a proxy on the same machine). Empty: the header is ignored.
    trusted_proxies: Annotated[list[str], NoDecode] = []
    # Single sign-on through st.login: the provider's name under [auth] in .streamlit/secrets.toml
    # (empty: no single sign-on), the words on its button, and whether its email must be marked verified.
    sso_provider: str = ""
    sso_label: str = "your institution's account"
    sso_require_verified_email: bool = True
    timezone: str = "America/New_York"
    # The portal's public address, the one people open it at (https://interviews.example.edu): every link
    # in every email starts with it. Empty: not set, and links point at LOCAL_ADDRESS (Health flags
    # that while email is on).
    base_url: str = ""
    # Email (core/messaging/mailer.py). No host: email is off, in-portal notifications still work.
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: str = Field(default="starttls", pattern="^(starttls|tls|none)$")
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = ""
    smtp_timeout_seconds: float = Field(default=20.0, gt=0, le=300)
    # People's hours, in the portal's time zone: reminders go between these hours.
    notify_from_hour: int = Field(default=8, ge=0, le=23)
    notify_until_hour: int = Field(default=20, ge=1, le=24)
    # Digests go at this hour; weekly ones on this weekday (0 = Monday).
    digest_hour: int = Field(default=8, ge=0, le=23)
    digest_weekday: int = Field(default=0, ge=0, le=6)
    # Scheduled work (core/messaging/jobs.py): run inside the portal process (the embedded default). On
    # PostgreSQL it is off unless set: the work runs in its own worker, `portal jobs --loop`.
    jobs_in_process: bool = True
    # The daily backup: at this hour, kept this many days (0: no daily backup).
    backup_hour: int = Field(default=2, ge=0, le=23)
    backup_keep_days: int = Field(default=14, ge=0, le=365)
    # Every backup (the daily one, "Back up now", `portal backup`) is encrypted with this key (32 or more random
    # characters; core/admin/backup.py). Empty: backups are plain copies of the database. Keep a copy of the
    # key away from the backups: without it no encrypted backup can be restored.
    backup_key: str = ""
    # Nightly CSV exports for the career office into this folder (empty: none).
    export_dir: str = ""

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise SettingsError(_describe(exc)) from None

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: str) -> str:
        if value and not value.startswith(("postgresql://", "postgres://")):
            raise ValueError("must be a postgresql:// URL (leave it empty for the DuckDB file)")
        return value

    @model_validator(mode="after")
    def _worker_beside_postgres(self) -> "Settings":
        if self.database_url and "jobs_in_process" not in self.model_fields_set:
            self.jobs_in_process = False
        return self

    @field_validator("base_url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        value = value.strip()
        parts = urlsplit(value)
        if value and (parts.scheme.lower() not in ("http", "https") or not parts.hostname or parts.query
                      or parts.fragment or any(ch.isspace() for ch in value)):
            raise ValueError("must be the full address people open the portal at, such as "
                             "https://interviews.example.edu (with https:// and no ? or #)")
        return value

    @field_validator("backup_key")
    @classmethod
    def _strong_backup_key(cls, value: str) -> str:
        problem = cookie_key_problem(value) if value else None
        if problem:
            raise ValueError(f"the backup key {problem}; use 32 or more random characters, for example the output "
                             "of `python -c \"import secrets; print(secrets.token_urlsafe(32))\"`")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        return check_timezone(value)

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxy_list(cls, value: Any) -> list[str]:
        entries = value.replace(",", " ").split() if isinstance(value, str) else list(value or [])
        parse_networks(str(e) for e in entries)  # a bad entry is refused at start-up, with its text
        return [str(e).strip() for e in entries if str(e).strip()]

    @property
    def trusted_proxy_networks(self) -> list:
        """The trusted proxies as networks (read by core.identity.proxies)."""
        return parse_networks(self.trusted_proxies)

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings,
                                   file_secret_settings):
        toml_source = InitSettingsSource(settings_cls, init_kwargs=_portal_table(secrets_file()))
        return (init_settings, env_settings, toml_source)

    @property
    def email_configured(self) -> bool:
        """Whether the portal can send email (an SMTP host and a from address are set)."""
        return bool(self.smtp_host and self.smtp_from)

    @property
    def public_address(self) -> str:
        """The address every link in an email starts with (no trailing slash): base_url, or this machine's
        address while it is not set."""
        return (self.base_url or LOCAL_ADDRESS).rstrip("/")

    @property
    def emails_link_nowhere(self) -> bool:
        """Whether email is on while the public address is not set, so the emails' links would point at
        this machine (LOCAL_ADDRESS), which the people who receive them cannot open."""
        return self.email_configured and not self.base_url

    @property
    def database_path(self) -> Path:
        """The DuckDB file (db_path, or portal.duckdb inside data_dir)."""
        return self.db_path if self.db_path is not None else self.data_dir / "portal.duckdb"

    @property
    def database_location(self) -> str:
        """Where the portal's data is: the PostgreSQL URL when database_url is set, else the DuckDB file."""
        return self.database_url or str(self.database_path)

    @property
    def demo_cookie_key_path(self) -> Path:
        """Where demo mode keeps this installation's random cookie key (beside the database)."""
        return Path(self.database_path).parent / DEMO_COOKIE_KEY_FILE

    def signing_key(self) -> str:
        """The key that signs re-login cookies.

        The configured cookie_key when there is one; in demo mode without one, a random key made
        for this installation on first use and kept in a file beside the database, so no two demo
        portals share a key and nobody can forge a demo portal's cookie from the source code.
        """
        if self.cookie_key and self.cookie_key != DEFAULT_COOKIE_KEY:
            return self.cookie_key
        if not self.demo_mode:
            raise ConfigError(_KEY_ADVICE)
        return demo_cookie_key(self.demo_cookie_key_path)

    def check_for_startup(self) -> None:
        """Refuse to serve real users with a missing, public, short or guessable cookie key."""
        if self.demo_mode:
            self.signing_key()
            return
        problem = cookie_key_problem(self.cookie_key)
        if problem:
            raise ConfigError(f"Demo mode is off but the cookie key {problem}. {_KEY_ADVICE}")


_KEY_ADVICE = ("Run `make setup-production` (or set PORTAL_COOKIE_KEY to 32+ random characters) "
               "before serving the portal.")


def cookie_key_problem(key: str) -> str | None:
    """Why a configured cookie key is not fit to sign cookies (missing, the public default, short, repetitive), or None.

    Repetition is measured by the key's own character frequencies (Shannon entropy times
    length): 32 copies of one character is long enough but carries no secret at all.
    """
    import math
    from collections import Counter

    if not key:
        return "is missing"
    if key == DEFAULT_COOKIE_KEY:
        return "is the public demo default"
    if len(key) < MIN_COOKIE_KEY_LENGTH:
        return f"is shorter than {MIN_COOKIE_KEY_LENGTH} characters"
    counts = Counter(key)
    bits = -sum(n * math.log2(n / len(key)) for n in counts.values())
    if bits < MIN_COOKIE_KEY_BITS:
        return "is too repetitive to be secret (use random characters)"
    return None


def demo_cookie_key(path: Path) -> str:
    """The demo cookie key kept in the file at path, made (random, readable by the owner only) on first use."""
    import secrets

    path = Path(path)
    try:
        key = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        key = ""
    if key:
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key


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
