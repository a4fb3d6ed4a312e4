"""The corpus of bad upload files (roster and LinkedIn Connections.csv) shared by the core and page tests of the
uploads: empty and blank files, binaries, text that is neither UTF-8 nor Windows-1252, a 131,073-character cell, a
header alone, the wrong columns, 100,000 lines, a file over the size limit, and cells holding formulas, HTML or a
lone surrogate."""

from __future__ import annotations

import io
import random
import zipfile

ROSTER_HEADER = "first_name,last_name,email,cohort,student_id\n"


LINKEDIN_HEADER = ('Notes:\n"When exporting your connection data, you may notice that some of the email addresses '
                   'are missing."\n\nFirst Name,Last Name,URL,Email Address,Company,Position,Connected On\n')


def _xlsx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook><sheets><sheet name='Roster'/></sheets></workbook>")
    return out.getvalue()


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8


RANDOM = random.Random(42).randbytes(8000)


def _common(header: str, good_line: str) -> dict[str, tuple[bytes, str]]:
    """Bad files shared by both uploads: (content, words the person must read)."""
    return {
        "empty": (b"", "The file is empty"),
        "blank lines": (b" \r\n\r\n\t\n", "The file is empty"),
        "png": (PNG, "not a"),
        "xlsx": (_xlsx(), "not a"),
        "utf-16 without bom": ((header + good_line).encode("utf-16-le"), "not a"),
        "utf-16 with bom": ((header + good_line).encode("utf-16"), "not a"),
        "random bytes": (RANDOM, "not a"),
        "nul inside": ((header + good_line).encode().replace(b",", b"\x00,", 1), "not a"),
    }


ROSTER_CORPUS = {
    **_common(ROSTER_HEADER, "Ana,Lopez,ana@example.edu,Health & Science Explorers,S1\n"),
    "huge cell": ((ROSTER_HEADER + "A" * 131_073 + ",Lopez,ana@example.edu,X,S1\n").encode(),
                  "Line 2 has a cell of more than 131,072 characters"),
    "huge quoted cell": ((ROSTER_HEADER + '"' + "A" * 131_073 + '",Lopez,ana@example.edu,X,S1\n').encode(),
                         "Line 2 has a cell of more than 131,072 characters"),
    "header only": (ROSTER_HEADER.encode(), "The file has a header but no students"),
    "wrong columns": (b"item,cost\nrent,900\n", "The file lacks the columns name (or first_name and last_name)"),
    "linkedin export": ((LINKEDIN_HEADER + "Ana,Lee,,,Acme,Analyst,12 Mar 2024\n").encode(),
                        "The file lacks the column"),
    "100,000 lines": ((ROSTER_HEADER + "".join(f"S{i},Lopez,s{i}@example.edu,X,N{i}\n" for i in range(100_000))
                       ).encode(), "more than 20,000 students"),
    "over 20 MB": ((ROSTER_HEADER + "Ana,Lopez,ana@example.edu,X,S1\n" + "\n" * (21 * 1024 * 1024)).encode(),
                   "larger than 20 MB"),
}


LINKEDIN_CORPUS = {
    **_common(LINKEDIN_HEADER, "Ana,Lee,https://www.linkedin.com/in/ana,,Acme,Analyst,12 Mar 2024\n"),
    "huge cell": ((LINKEDIN_HEADER + "A" * 131_073 + ",Lee,,,Acme,Analyst,12 Mar 2024\n").encode(),
                  "more than 10,000 characters"),
    "huge quoted cell": ((LINKEDIN_HEADER + '"' + "A" * 131_073 + '",Lee,,,Acme,Analyst,12 Mar 2024\n').encode(),
                         "more than 10,000 characters"),
    "header only": (LINKEDIN_HEADER.encode(), "has LinkedIn's header but no connections"),
    "wrong columns": (b"item,cost\nrent,900\n", "does not look like LinkedIn's Connections.csv"),
    "a roster": ((ROSTER_HEADER + "Ana,Lopez,ana@example.edu,X,S1\n").encode(),
                 "does not look like LinkedIn's Connections.csv"),
    "100,000 lines": ((LINKEDIN_HEADER + "".join(f"P{i},Lee,https://www.linkedin.com/in/p{i},,Acme,Analyst,"
                                                 "12 Mar 2024\n" for i in range(100_000))).encode(),
                      "more than 30,000 people"),
    "over 20 MB": ((LINKEDIN_HEADER + "Ana,Lee,,,Acme,Analyst,12 Mar 2024\n" + "\n" * (21 * 1024 * 1024)).encode(),
                   "larger than 20 MB"),
}


# Cells a spreadsheet would run or a browser would render: stored as the text they are, shown inert.
HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
           "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "**bold** [link](http://evil.example)"]


def _q(value: str) -> str:
    """A CSV cell, quoted the way a spreadsheet writes one."""
    return '"' + value.replace('"', '""') + '"'


# People's names no form or importer takes (core/models.py name_problem): a formula's first sign (after any spaces
# and tabs), a control character, or a line break inside a quoted cell. A spreadsheet would run the first kind; the
# others garble every list and file the name is shown in.
BAD_NAMES = {"=": "=Ana", "+": "+Ana", "-": "-Ana", "@": "@Ana", "tab then =": "\t=Ana", "CR then @": "\r@Ana",
             "ESC": "An\x1ba", "BEL": "An\x07a", "BS": "An\x08a", "quoted CRLF": "An\r\na", "quoted CR": "An\ra",
             "quoted LF": "An\na"}
