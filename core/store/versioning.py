"""Optimistic concurrency: a save names the version its form was opened with, and a newer one refuses it.

Every editable table has a `version` column. An update goes through `check` (inside the write
transaction, after loading the row) and sets `version = version + 1` in the same statement,
so two saves from forms opened on the same version cannot both succeed: DuckDB refuses the second
as a write conflict, the retry reloads the row, and `check` raises StaleEdit with what changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from core.errors import StaleEdit


def check(found: Mapping[str, Any], expected_version: int | None, *, what: str,
          fields: Iterable[str] = (), original: Mapping[str, Any] | None = None) -> None:
    """Refuse a save made from a stale form.

    expected_version None skips the check (scripts and seeding, which hold no form); 0 means the
    form was opened before the record existed, so any stored row is newer. `fields`
    are the ones shown to the person; with `original` (the values the form was opened with) only
    those that changed since are named.
    """
    if expected_version is None or int(found["version"]) == int(expected_version):
        return
    fields = list(fields)
    current = {f: found.get(f) for f in fields}
    if original is not None:
        changed = [f for f in fields if f in original and original[f] != found.get(f)]
    else:
        changed = fields
    raise StaleEdit(what, current, changed, int(found["version"]))

