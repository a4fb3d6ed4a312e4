"""The one place the portal asks what time it is (naive UTC), so tests can pin it; and what a time zone is."""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def utcnow() -> datetime:
    """Now, as a naive UTC datetime (the storage convention)."""
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)

def check_timezone(value: str) -> str:
    """An IANA time zone name that this machine knows, or a ValueError saying how to write one.

    ZoneInfo reads a file named after the value, so a region ("America", a directory), a path or a
    name with a NUL fails with OSError or ValueError rather than ZoneInfoNotFoundError; all of them
    mean the same thing to the person who typed it.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValueError("unknown time zone: none given; write a name such as America/New_York")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, OSError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r}; write a full name such as America/New_York or "
                         "Europe/Paris (a region alone, like 'America', is not a time zone)") from exc
    return value

