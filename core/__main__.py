"""The portal's command line, one entry for every command: `portal <command> [options]`.

`make` installs the `portal` script into the virtual environment (.venv/bin/portal); without it,
`python -m core <command>` is the same. `portal <command> --help` tells each command's options.
"""

from __future__ import annotations

import importlib
import sys

# command -> (module whose main() runs it, what it does). Each module is imported only when its
# command runs, so `portal backup` does not load the job runner.
COMMANDS = {
    "migrate": ("core.store.migrate", "apply pending schema migrations"),
    "transfer": ("core.store.transfer", "move a whole portal between a DuckDB file and PostgreSQL"),
    "export": ("core.oversight.export", "write a career-office CSV export (progress, pipeline, activity)"),
    "jobs": ("core.messaging.jobs", "run the scheduled work (reminders, email, backups, nightly exports)"),
    "backup": ("core.admin.backup", "back up the database (encrypted with a backup key), restore or decrypt a backup"),
    "health": ("core.admin.health", "print the health report: schema version, row counts, size"),
    "setup-production": ("core.admin.setup_production", "set up a real instance: cookie key, schema, first admin"),
    "import-credentials": ("core.admin.credentials_import",
                           "create accounts from a streamlit-authenticator credentials file, hashes kept"),
}


def usage() -> str:
    """The list of commands, as `portal --help` prints it."""
    width = max(len(name) for name in COMMANDS)
    lines = ["usage: portal <command> [options]", "", "commands:"]
    lines += [f"  {name.ljust(width)}  {what}" for name, (_, what) in COMMANDS.items()]
    lines += ["", "`portal <command> --help` tells the options of each."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run one command of the portal with the rest of the arguments."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(usage())
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"portal: no command {name!r}.\n\n{usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[name][0])
    return module.main(rest)


if __name__ == "__main__":
    sys.exit(main())
