"""Every error type of the portal, in one family: every refusal core raises derives from PortalError.

A page submits through `ui.forms.submit`, which catches PortalError, shows its message next to the
form and never a traceback. StaleEdit carries what changed so the page can show it.
"""

from __future__ import annotations

from datetime import datetime
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


# Settings
class ConfigError(PortalError, RuntimeError):
    """The configuration cannot be used as it is; the message says how to fix it."""


class SettingsError(ConfigError, ValueError):
    """A setting holds a value the portal cannot use (a time zone that is not one, a word for a number)."""


# The store
class WriteConflict(PortalError, RuntimeError):
    """Another save touched the same rows at the same moment and retrying did not help."""


class MigrationError(PortalError, RuntimeError):
    """A migration could not be applied, or an applied one was changed."""


class TransferError(PortalError, RuntimeError):
    """A transfer was refused or did not verify; nothing of it stays in the target."""


# Identity: access, accounts, sessions, single sign-on, registration
INACTIVE_MESSAGE = "Your account is no longer active. Ask the career office if you think this is a mistake."


ENDED_MESSAGE = ("Your session has ended: your password or role changed, or you signed out on another device. "
                 "Please sign in again.")


class AccessDenied(PortalError, PermissionError):
    """The acting user's role may not do this."""


class NotFound(PortalError, LookupError):
    """No such record, or none the acting user may see."""


class AccountError(PortalError, ValueError):
    """An account operation was refused; the message says why."""


class SessionEnded(PortalError):
    """A signed-in session that may no longer act; the message tells the person why."""


class SignInRefused(PortalError):
    """A sign-in was refused; `until` is set when the username or address is locked out until then."""

    def __init__(self, message: str, until: datetime | None = None) -> None:
        self.until = until
        super().__init__(message)


class RegistrationError(PortalError, ValueError):
    """A registration was refused; the message says why and is safe to show."""


class SSORefused(PortalError):
    """The provider's sign-in does not lead to a portal account; the message says what to do."""

    def __init__(self, message: str, *, ended: bool = False) -> None:
        self.ended = ended
        super().__init__(message)


class SSOPolicyError(PortalError, ValueError):
    """A single sign-on setting was refused; the message says why."""


# Administration
class BackupError(PortalError, RuntimeError):
    """A backup or restore could not be done; the message says what to do."""


class CohortError(PortalError, ValueError):
    """A cohort operation was refused; the message says why."""


class DownloadUnknown(PortalError, LookupError):
    """A download link this portal never issued (mistyped, or older than the portal's last restart)."""


class DownloadGone(PortalError):
    """A download link that was issued but has expired or was already used."""


class LibraryError(PortalError, ValueError):
    """A library change that cannot be made; the message says why."""


class RosterError(PortalError, ValueError):
    """The file as a whole cannot be read as a roster; the message says what to fix."""


class SetupError(PortalError, RuntimeError):
    """Setup cannot go on; the message says what to do."""


# The campaign
class ContactError(PortalError, ValueError):
    """A contact operation was refused; the message says why."""


class FollowUpError(PortalError, ValueError):
    """A keep-in-touch change was refused; the message says why."""


class ImportProblem(PortalError, ValueError):
    """The file cannot be imported at all; the message says why (nothing was written)."""


class MeetingError(PortalError, ValueError):
    """A meeting change was refused; the message says why."""


class OutreachError(PortalError, ValueError):
    """An outreach change was refused; the message says why."""


class ReflectionError(PortalError, ValueError):
    """A reflection change was refused; the message says why."""


class ResearchError(PortalError, ValueError):
    """A research change was refused; the message says why."""


class ThankYouError(PortalError, ValueError):
    """A thank-you change was refused; the message says why."""


# The network
class NetworkError(PortalError, ValueError):
    """A directory or cap change was refused; the message says why."""


# Oversight
class NudgeError(PortalError, ValueError):
    """A nudge that cannot be sent as asked (no one chosen, too many, an empty message)."""


class ExportError(PortalError, ValueError):
    """An export asked for in a way that cannot be made (a period ending before it starts)."""


# Messaging
class JobError(PortalError, RuntimeError):
    """Scheduled work could not be run as asked."""


class MailError(PortalError, RuntimeError):
    """An email could not be handled as asked."""


class NotifyError(PortalError, ValueError):
    """A notification choice the portal cannot record as given."""
