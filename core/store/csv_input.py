"""Reading a CSV a person uploads (a roster, a volunteer directory): any spreadsheet's text, told plainly when it is
not.

The bytes are read as UTF-8 (with or without the BOM Excel writes) or else Windows-1252, the
separator is sniffed (comma, semicolon or tab), headers are matched loosely through an alias table,
and every way a file can be wrong (too large, not text, empty, a cell too long, unbalanced quotes)
raises the caller's error class with a message saying what to fix.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import Any

NOT_TEXT = ("The file is not a CSV text file (it is neither UTF-8 nor Windows-1252 text). In your spreadsheet, "
            "choose Save as / Download as \"CSV UTF-8\" and upload that file.")

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What a cell starts with when a spreadsheet would run it as a formula."""


PERSON_HEADERS = {
    "name": "name", "full_name": "name",
    "first_name": "first_name", "firstname": "first_name", "given_name": "first_name",
    "last_name": "last_name", "lastname": "last_name", "surname": "last_name", "family_name": "last_name",
    "email": "email", "email_address": "email", "e_mail": "email",
}
"""The headers a file about people may name them with (a roster's, a volunteer directory's), as canonical columns."""


def canonical_header(header: str, aliases: dict[str, str]) -> str:
    """A header reduced to lowercase words joined by underscores, then through the alias table."""
    key = re.sub(r"[^a-z0-9]+", "_", header.strip().lower().lstrip("\ufeff")).strip("_")
    return aliases.get(key, key)


def read_records(
    data: bytes | str, *, aliases: dict[str, str], check_header: Callable[[list[str], list[str]], None],
    error: type[Exception], max_rows: int, max_bytes: int, what: str, items: str,
) -> list[dict[str, Any]]:
    """The file's lines as dictionaries of their (canonical) columns, with 'line' (1 = the header).

    `check_header(columns, raw_header)` raises `error` when a needed column is missing; `what` names
    the file ("a roster") and `items` its lines ("students") in the messages.
    """
    if len(data) > max_bytes:
        raise error(f"The file is larger than {max_bytes // (1024 * 1024)} MB, far more than {what} of "
                    f"{max_rows:,} {items}; check that it is the right file, or split it into smaller files.")
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            # Excel on Windows saves "CSV" in the local code page; cp1252 reads it faithfully.
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                raise error(NOT_TEXT) from None
    else:
        text = data.lstrip("\ufeff")
    if "\x00" in text:
        # A spreadsheet (.xlsx), a PDF or a picture saved under a .csv name: text files hold no NUL.
        raise error(NOT_TEXT)
    if not text.strip():
        raise error("The file is empty.")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    # newline="" lets the csv module end a line at CR, LF or CRLF, mixed in one file (old Mac and hand-edited files).
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    header = next(_guarded(reader, error, what), None)
    if not header:
        raise error("The file has no header line.")
    columns = [canonical_header(h, aliases) for h in header]
    check_header(columns, header)
    out = []
    for number, values in enumerate(_guarded(reader, error, what), start=2):
        if not any(v.strip() for v in values):
            continue
        if len(out) >= max_rows:
            raise error(f"The file has more than {max_rows:,} {items}; split it into smaller files.")
        record: dict[str, Any] = {"line": number}
        for col, value in zip(columns, values, strict=False):
            record.setdefault(col, value.strip())
        out.append(record)
    if not out:
        raise error(f"The file has a header but no {items}.")
    return out


def _guarded(reader: Any, error: type[Exception], what: str) -> Any:
    """The reader's lines, with a cell too long for the csv module (131,072+ characters) told as `error`."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise error(f"Line {reader.line_num} has a cell of more than {csv.field_size_limit():,} "
                            f"characters, far more than a name or an email; check that the file is {what} "
                            "and that its quotes are balanced.") from None
            raise error(f"Line {reader.line_num} cannot be read as CSV ({exc}).") from None


def formula_like(record: dict[str, Any], columns: list[str]) -> list[str]:
    """The columns of a line whose cell a spreadsheet would run as a formula."""
    return [c for c in columns if str(record.get(c) or "")[:1] in FORMULA_START]


def split_name(record: dict[str, Any]) -> tuple[str, str]:
    """A person's first and last name from a line read with PERSON_HEADERS: the two columns when the
    file has them, else one "name" column, as "First Last" (the last word is the last name) or as
    "Last, First" (the registrar's order)."""
    if record.get("first_name") or record.get("last_name"):
        return record.get("first_name", "").strip(), record.get("last_name", "").strip()
    full = " ".join(record.get("name", "").split())
    if "," in full:
        last, _, first = full.partition(",")
        return first.strip(), last.strip()
    first, _, last = full.rpartition(" ")
    return (first, last) if first else (last, "")
