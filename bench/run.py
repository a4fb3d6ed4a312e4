"""Run every benchmark: each bench/*.py module with a main(), in name order (`make bench`).

Among them: linkedin_import (rows/second), oversight (dashboard and exports at institution size),
roster_import, and targets_page (the student's Targets page at 15, 200 and 2,000 contacts).
"""

from __future__ import annotations

import importlib
import time
from pathlib import Path

from bench import quiet_apptest


def main() -> None:
    """Import each benchmark module and run its main()."""
    # AppTest runs outside a Streamlit server and warns about it on every call; keep the numbers readable.
    quiet_apptest()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        if path.stem in ("__init__", "run"):
            continue
        module = importlib.import_module(f"bench.{path.stem}")
        if not callable(getattr(module, "main", None)):
            continue
        print(f"=== bench.{path.stem} ===", flush=True)
        start = time.perf_counter()
        module.main()
        print(f"=== bench.{path.stem}: {time.perf_counter() - start:.0f} s ===\n", flush=True)


if __name__ == "__main__":
    main()
