"""Shared reporting for the benchmarks: print a markdown table and append it to docs/benchmarks.md."""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import platform
import shlex
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
RUNS_HEADING = "## Runs"
DOC_HEADER = f"""# Benchmarks

Written by `make bench` (`bench/bench_*.py`); each run appends its table under "{RUNS_HEADING[3:]}".

{RUNS_HEADING}
"""


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo (or the platform's guess)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> str:
    """`nproc`, CPU model and Python version in one line."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{cores} × {cpu_model()}, Python {platform.python_version()}, {platform.system()}"


def command() -> str:
    """The command that ran this benchmark, as a user would type it."""
    script = Path(sys.argv[0])
    with contextlib.suppress(ValueError):
        script = script.resolve().relative_to(ROOT)
    return " ".join(
        ["PYTHONPATH=. .venv/bin/python", shlex.quote(str(script)), *map(shlex.quote, sys.argv[1:])]
    )


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def median(values: Sequence[float]) -> float:
    """The median (a thin alias so every bench says the same thing)."""
    return statistics.median(values)


def report(title: str, body: str, notes: str = "", *, write: bool = True) -> str:
    """Print `body` (a markdown table) and append it with date, machine and command to the doc."""
    when = _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    block = f"### {title}\n\n{when} · {machine()}  \n`{command()}`\n\n{body}\n" + (
        f"\n{notes.strip()}\n" if notes.strip() else ""
    )
    print(block, flush=True)
    if write and os.environ.get("BENCH_NO_WRITE") != "1":
        DOC.parent.mkdir(parents=True, exist_ok=True)
        text = DOC.read_text() if DOC.is_file() else DOC_HEADER
        if RUNS_HEADING not in text:
            text = text.rstrip("\n") + "\n\n" + RUNS_HEADING + "\n"
        DOC.write_text(text.rstrip("\n") + "\n\n" + block)
    return block
