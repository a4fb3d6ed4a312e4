"""The one place the portal asks what time it is (naive UTC), so tests can pin it."""

from datetime import datetime, timezone


def utcnow() -> datetime:
    """Now, as a naive UTC datetime (the storage convention)."""
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
