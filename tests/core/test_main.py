"""The portal's one command line (core/__main__.py, installed as `portal`): every command the README,
the docs, the Makefile and the service files name answers `--help`, and nothing they name is gone."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

from core.__main__ import COMMANDS, main

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", ROOT / "Makefile", *sorted((ROOT / "docs").glob("*.md")),
             *sorted((ROOT / "deploy").glob("*"))]


def _named(pattern: str) -> set[str]:
    found: set[str] = set()
    for document in DOCUMENTS:
        found.update(re.findall(pattern, document.read_text(encoding="utf-8")))
    return found


def test_the_documents_name_every_command_and_only_commands_that_exist():
    named = _named(r"\bportal ([a-z][a-z-]+)")
    commands_named = {name for name in named if name in COMMANDS}
    assert commands_named == set(COMMANDS), "a command no document shows"
    # `portal <word>` in prose ("the portal runs") is not a command; a command-like word after
    # bin/portal or in a code span must be one.
    invoked = _named(r"(?:bin/portal|`portal) ([a-z][a-z-]+)")
    assert invoked <= set(COMMANDS), invoked - set(COMMANDS)


def test_every_module_the_documents_run_exists():
    modules = _named(r"python -m ([a-z_][\w.]*)")
    assert modules, "the documents name no `python -m` command"
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    assert missing == []
    assert not [m for m in modules if m.startswith("core.")], "core's commands are `portal <command>`"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_each_command_answers_help(command):
    done = subprocess.run([sys.executable, "-m", "core", command, "--help"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"portal {command}" in done.stdout and "usage:" in done.stdout


def test_the_installed_script_is_the_same_command():
    script = Path(sys.executable).parent / "portal"
    assert script.exists(), "`make` installs the portal script into the virtual environment (pip install -e .)"
    done = subprocess.run([str(script), "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and all(name in done.stdout for name in COMMANDS)


def test_an_unknown_command_is_told_with_the_list(capsys):
    assert main(["mgirate"]) == 2
    err = capsys.readouterr().err
    assert "no command 'mgirate'" in err and "migrate" in err
    assert main([]) == 2 and "usage: portal" in capsys.readouterr().out


def test_the_make_targets_run_the_script():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "$(VENV)/bin/portal migrate" in makefile \
        and "pip install --quiet --no-deps --no-build-isolation -e ." in makefile
