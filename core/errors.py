"""One family of errors a person can act on: every refusal core raises derives from PortalError.

A page submits through `ui.forms.submit`, which catches PortalError, shows its message next to the
form and never a traceback. StaleEdit carries what changed so the page can show it.
"""

from __future__ import annotations

from typing import Any

# DuckDB's BIGINT; ids outside it (or not numbers at all) name no record.
_MAX_ID = 2**63 - 1


class PortalError(Exception):
    """A refusal or failure with a message meant for the person who caused it."""


class StaleEdit(PortalError):
    """A save made from a form opened before someone else's save of the same record.

    `current` holds the stored values now; `changed` names the fields whose stored value differs
    from what the form was opened with (when the caller passed the original values).
    """

    def __init__(self, what: str, current: dict[str, Any], changed: list[str] | None = None,
                 current_version: int | None = None) -> None:
        self.what = what
        self.current_version = current_version
        self.current = current
        self.changed = changed or []
        super().__init__(
            f"This {what} changed since you opened it (another tab or device saved it first). Nothing was "
            "overwritten: your text is still in the form. Check the saved version below, then save again to "
            "keep yours.")


class NeedsConfirmation(PortalError):
    """A save that looks like a slip (a date far from the expected one): it waits for a yes.

    The caller saves again with the confirmation flag the core function names; nothing was written.
    """


class DuplicateRecord(PortalError):
    """A new record that matches one already there; `existing_id` names it."""

    def __init__(self, message: str, existing_id: int) -> None:
        self.existing_id = existing_id
        super().__init__(message)


def check_id(value: Any, what: str = "record") -> int:
    """An id as an int, or NotFound for anything that cannot name a stored row (text, '²', 10**30)."""
    from core.identity.access import NotFound

    if isinstance(value, bool):
        raise NotFound(f"No such {what}.")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isascii() and value.strip().isdigit():
        number = int(value.strip())
    else:
        raise NotFound(f"No such {what}.")
    if not 0 < number <= _MAX_ID:
        raise NotFound(f"No such {what}.")
    return number
