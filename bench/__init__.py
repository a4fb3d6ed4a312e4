"""Benchmarks that print numbers (`make bench`); nothing here asserts a time."""

import logging
import os
import statistics
import time
from collections.abc import Callable

# The portals and pages the benchmarks run carry no scheduled-work runner: a reminder pass over the
# whole institution in the background would land inside whatever is being timed. bench/reminders.py
# times that work on its own.
os.environ.setdefault("PORTAL_JOBS_IN_PROCESS", "false")


def median_time(fn: Callable[[], object], runs: int) -> float:
    """The median wall time of `runs` calls of fn, after one untimed warm-up call."""
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def quiet_apptest() -> None:
    """Drop the "missing ScriptRunContext" warning AppTest prints on every call outside a server. A
    filter, not a level: Streamlit sets its loggers' levels again each time it loads its config."""
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        lambda record: "missing ScriptRunContext" not in record.getMessage())
