"""No page shows its own code's words: Streamlit's "magic" writes any bare string of a page script to the
page, so a string meant for developers (a docstring after an assignment, a note left as a string) would
show above the page's title. Every page, run for a role that may see it, shows none of its file's
string statements."""

from __future__ import annotations

import ast

import pytest

from tests.apptest_utils import ROOT, run_page

# Each page and a demo account that may open it.
PAGE_USERS = {
    **{page.name: "student07" for page in sorted((ROOT / "pages").glob("student_*.py"))},
    **{page.name: "counselor.rivera" for page in sorted((ROOT / "pages").glob("counselor_*.py"))},
    **{page.name: "admin" for page in sorted((ROOT / "pages").glob("admin_*.py"))},
    "account.py": "student07",
    "notifications.py": "student07",
}


def _string_statements(source: str) -> list[str]:
    """Every string standing alone as a statement anywhere in the file (docstrings included)."""
    return [node.value.value for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str) and len(node.value.value.strip()) > 20]


def _shown(at) -> list[str]:
    return [str(e.value) for kind in ("markdown", "text", "caption", "code") for e in getattr(at, kind)]


def test_every_page_file_is_listed():
    assert sorted(PAGE_USERS) == sorted(p.name for p in (ROOT / "pages").glob("*.py"))


@pytest.mark.parametrize("page", sorted(PAGE_USERS))
def test_no_page_shows_its_code_strings(portal_env, page):
    path = ROOT / "pages" / page
    at = run_page(f"pages/{page}", portal_env, PAGE_USERS[page])
    assert not at.exception, at.exception
    shown = "\n".join(_shown(at))
    leaked = [s for s in _string_statements(path.read_text(encoding="utf-8"))
              if " ".join(s.split())[:40] in " ".join(shown.split())]
    assert leaked == []


def test_the_check_sees_a_string_a_page_writes(tmp_path):
    """The collector finds a bare string after an assignment, the kind magic writes to the page."""
    source = 'x = 1\n"""Developer words about x, long enough to matter."""\n'
    assert _string_statements(source) == ["Developer words about x, long enough to matter."]
