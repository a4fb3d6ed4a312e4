"""Submitting forms safely: one idempotency key per form render, the version a form was opened
with, and one helper that turns any core refusal into a message next to the form.

- `form_key(name)`: pass it to a core create; a double click or resent request reuses it and
  creates nothing twice. `done(name)` after a successful save gives the next render a new key.
- `opened_version(name, version)`: the version of a record when its form was first drawn, kept
  across reruns so a save from a stale tab is refused (core raises StaleEdit) instead of
  overwriting newer work.
- `submit(action, ...)`: runs the core call; PortalError and pydantic's ValidationError become
  messages (escaped: a message may quote what the person typed), a StaleEdit also shows the saved
  version. Never a traceback.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import streamlit as st
from pydantic import ValidationError

from core.errors import DuplicateRecord, NeedsConfirmation, PortalError, StaleEdit
from core.models import field_errors
from ui.widgets import _break_autolinks

T = TypeVar("T")

_KEY = "form_key_"
_VERSION = "form_version_"


def form_key(name: str) -> str:
    """The idempotency key of this render of the form `name` (the same until `done(name)`)."""
    slot = _KEY + name
    if slot not in st.session_state:
        st.session_state[slot] = uuid.uuid4().hex
    return st.session_state[slot]


def opened_version(name: str, version: int | None) -> int:
    """The version the record had when the form `name` was first drawn (0: it did not exist yet)."""
    slot = _VERSION + name
    if slot not in st.session_state:
        st.session_state[slot] = int(version or 0)
    return st.session_state[slot]


def done(name: str) -> None:
    """After a successful save: the next render gets a fresh key and re-reads the record's version."""
    st.session_state.pop(_KEY + name, None)
    st.session_state.pop(_VERSION + name, None)
    st.session_state.pop(_CONFIRM + name, None)


_CONFIRM = "form_confirm_"
_ROUND = "form_round_"


def confirming(name: str) -> str | None:
    """The question core asked about the last save of form `name` (NeedsConfirmation), if it is pending.

    The page draws a "yes, that is right" box in the form while it is; the next save passes it.
    """
    return st.session_state.get(_CONFIRM + name)


_LAST_SAVE = "form_last_save_"
REPEAT_SECONDS = 5.0


def is_repeat(name: str, untouched: bool) -> bool:
    """Whether a submit is the second click of a double click on a create form drawn anew already
    filled in (from a template): the form is as it was drawn (`untouched`) and its previous create
    succeeded seconds ago. Nobody reads, keeps and saves a fresh form that fast on purpose."""
    at = st.session_state.get(_LAST_SAVE + name)
    return untouched and at is not None and time.monotonic() - at < REPEAT_SECONDS


def remember_save(name: str) -> None:
    """After a successful create from a pre-filled form: when it happened (see is_repeat)."""
    st.session_state[_LAST_SAVE + name] = time.monotonic()


def round_of(name: str) -> int:
    """The current round of a create form: widget keys carry it, so after a save the form is drawn empty."""
    return st.session_state.setdefault(_ROUND + name, 0)


def next_round(name: str) -> None:
    """After a successful create: the next render draws a new, empty form with a new key."""
    st.session_state[_ROUND + name] = round_of(name) + 1


# Enough to keep a message inert (no link, image, HTML, math, directive or emphasis can come of
# it) while ordinary punctuation stays as written.
_MESSAGE_MARKUP = set("\\`*_[]<>~$&|")


def _inert(message: str) -> str:
    return "".join("\\" + ch if ch in _MESSAGE_MARKUP else ch for ch in _break_autolinks(message))


def in_visible_words(field: str, message: str, label: str | None) -> str:
    """A core message that names a field by its internal name ("Text is required") said with the label the
    person sees instead ("Your own question is required"); unchanged without a label or when it names none."""
    internal = field.split(".")[0].replace("_", " ").capitalize()
    if label and message.startswith(internal) and message[len(internal):len(internal) + 1] in (" ", ":"):
        return label + message[len(internal):]
    return message


@dataclass
class Submitted(Generic[T]):
    """What a submit gave: ok with the core call's value, or not ok (the message is already shown)."""

    ok: bool
    value: T | None = None
    error: PortalError | None = None


def submit(action: Callable[[], T], *, name: str | None = None, errors: Any = None, where: Any = None,
           labels: Mapping[str, str] | None = None) -> Submitted[T]:
    """Run a core call for the form `name`; show any refusal at the form and report whether it saved.

    `errors` is a ui.campaign.FieldErrors for per-field messages; `where` a container (st.empty())
    for the rest. `labels` (field -> the label on the page) words the messages as the page does.
    On success the form's key and version are released (see `done`).
    """
    target = where if where is not None else st
    try:
        value = action()
    except ValidationError as exc:
        messages = field_errors(exc)
        if errors is not None:
            errors.show(messages)  # worded by the labels its slots know
        else:
            target.error(_inert(" ".join(in_visible_words(field, message, (labels or {}).get(field.split(".")[0]))
                                         for field, message in messages.items())))
        return Submitted(False)
    except StaleEdit as exc:
        box = target.container() if where is None else where.container()
        box.error(_inert(str(exc)), icon=":material/sync_problem:")
        show_saved_version(box, exc, labels or {})
        if name is not None:
            # The next save is made knowingly over the version just shown.
            st.session_state[_VERSION + name] = exc.current_version or 0
        return Submitted(False, error=exc)
    except DuplicateRecord as exc:
        target.warning(_inert(str(exc)), icon=":material/content_copy:")
        return Submitted(False, error=exc)
    except NeedsConfirmation as exc:
        # Not an error: the page asks (see `confirming`) and the person saves again to confirm.
        if name is not None:
            st.session_state[_CONFIRM + name] = str(exc)
        target.warning(_inert(str(exc)), icon=":material/help:")
        return Submitted(False, error=exc)
    except PortalError as exc:
        target.error(_inert(str(exc)))
        return Submitted(False, error=exc)
    if name is not None:
        done(name)
    return Submitted(True, value)


def show_saved_version(box: Any, exc: StaleEdit, labels: Mapping[str, str]) -> None:
    """The stored values of the fields that changed, as plain text."""
    shown = exc.changed or list(exc.current)
    if not shown:
        return
    with box.expander("The saved version", expanded=True):
        for field in shown:
            value = exc.current.get(field)
            st.caption(labels.get(field, field.replace("_", " ").capitalize()))
            st.text("—" if value in (None, "") else str(value))
