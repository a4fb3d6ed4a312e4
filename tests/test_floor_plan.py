"""The floor plan holds: imports run one way (pages -> ui -> core areas, each area only downwards, as
core.AREAS lists them), no circle between modules, no import of core hidden inside a function, and
core never imports Streamlit, ui or pages."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from core import AREAS

ROOT = Path(__file__).resolve().parents[1]
SHARED = {"core.errors", "core.models", "core.config", "core.clock"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    found = {}
    for top in ("core", "ui", "pages"):
        for path in sorted((ROOT / top).rglob("*.py")):
            found[_module_name(path)] = path
    found["app"] = ROOT / "app.py"
    return found


MODULES = _modules()


def _imports(path: Path) -> list[tuple[str, int, bool]]:
    """(imported module, line, inside a function) for each import of the portal's own modules."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nested: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            nested.update(id(inner) for inner in ast.walk(node) if inner is not node)
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from core.store import db` names the module core.store.db
            names = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in MODULES else node.module
                     for a in node.names]
        for name in names:
            if name.split(".")[0] in ("core", "ui", "pages", "streamlit"):
                found.append((name, node.lineno, id(node) in nested))
    return found


def _rank(module: str) -> int:
    """Where a module of core stands: core.rules at the bottom (it imports nothing of the portal),
    then the shared modules, then each other area in the order of core.AREAS."""
    parts = module.split(".")
    if module in SHARED or module == "core":
        return 1
    assert parts[1] in AREAS, f"{module} is in no area of core.AREAS"
    return 0 if parts[1] == "rules" else 1 + AREAS.index(parts[1])


def _problems(read=_imports) -> list[str]:
    problems = []
    for module, path in MODULES.items():
        layer = module.split(".")[0]
        for name, line, inside in read(path):
            where = f"{path.relative_to(ROOT)}:{line} imports {name}"
            target = name.split(".")[0]
            if layer == "core":
                if target != "core":
                    problems.append(f"{where}: core imports nothing of {target}")
                elif _rank(name) > _rank(module):
                    problems.append(f"{where}: an upward import between areas")
                if inside and target == "core":
                    problems.append(f"{where}: inside a function")
            elif layer == "ui":
                if target in ("pages", "app"):
                    problems.append(f"{where}: ui is below the pages")
                if inside and target == "core":
                    problems.append(f"{where}: inside a function")
            elif layer == "pages" and target in ("pages", "app"):
                problems.append(f"{where}: a page imports another page")
    return problems


def test_imports_run_one_way():
    assert _problems() == []


def test_no_circle_between_modules():
    graph = {m: {n for n, _, _ in _imports(p) if n in MODULES and n != m} for m, p in MODULES.items()}
    done: set[str] = set()
    circles = []

    def visit(module: str, trail: list[str]) -> None:
        if module in trail:
            circles.append(" -> ".join(trail[trail.index(module):] + [module]))
            return
        if module in done:
            return
        for target in sorted(graph[module]):
            visit(target, trail + [module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
    assert circles == []


def test_every_area_says_what_it_holds_and_what_it_may_import():
    for area in AREAS:
        init = ROOT / "core" / area / "__init__.py"
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and len(doc.splitlines()) >= 3, area
        assert "import" in doc.lower(), f"core/{area}/__init__.py does not say which areas it may import"


@pytest.mark.parametrize("bad, expected", [
    ("from core.messaging import jobs\n", "an upward import between areas"),
    ("def later():\n    from core.store import db\n", "inside a function"),
    ("import streamlit\n", "core imports nothing of streamlit"),
    ("from core.models import Actor\n", "an upward import between areas"),
])
def test_the_check_catches_what_it_guards(tmp_path, bad, expected):
    """A wrong import planted in the campaign area (the last one: in core.rules) is reported."""
    planted = ROOT / "core" / ("rules/timing.py" if "models" in bad else "campaign/contacts.py")
    copy = tmp_path / "contacts.py"
    copy.write_text(planted.read_text(encoding="utf-8") + "\n" + bad, encoding="utf-8")

    def reading(path: Path) -> list[tuple[str, int, bool]]:
        return _imports(copy if path == planted else path)

    assert any(expected in problem and planted.name in problem for problem in _problems(reading))
