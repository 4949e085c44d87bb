"""Benchmark 6 — cold start: `python app.py --port N` to the first 200 on /login.

Each start gets a fresh temporary data dir (so it migrates and seeds a new SQLite database) and
AVATAR_ENGINE=local, next to a bare Gradio hello-world started the same way
(`python bench/_hello.py --port N`, first 200 on /). Median of R starts each, interleaved.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from _common import ROOT, bench_env, free_port, stop_process, temp_dir, wait_http
from _report import median, report, table


def cold_start(script: Path, path: str) -> float:
    """Seconds from spawning `python script --port N` to the first 200 on `path`."""
    with temp_dir("bench-cold-") as tmp:
        env = bench_env(Path(tmp) / "data", None)
        port = free_port()
        start = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, str(script), "--port", str(port)],
            env=env,
            cwd=tmp,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            ready = wait_http(f"http://127.0.0.1:{port}{path}", proc, timeout=120, interval=0.01)
        except RuntimeError:
            print(proc.stderr.read().decode()[-3000:] if proc.stderr else "", file=sys.stderr)
            raise
        finally:
            stop_process(proc)
        return ready - start


def main() -> None:
    """R interleaved starts of each; print medians and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    app_times, hello_times = [], []
    for _ in range(args.repeats):
        app_times.append(cold_start(ROOT / "app.py", "/login"))
        hello_times.append(cold_start(ROOT / "bench" / "_hello.py", "/"))
    app_s, hello_s = median(app_times), median(hello_times)
    rows = [
        [
            "bare Gradio hello-world (`bench/_hello.py`), first 200 on /",
            f"{hello_s:.2f}",
            ", ".join(f"{t:.2f}" for t in hello_times),
            "1.00",
        ],
        [
            "`python app.py` (fresh data dir, AVATAR_ENGINE=local), first 200 on /login",
            f"{app_s:.2f}",
            ", ".join(f"{t:.2f}" for t in app_times),
            f"**{app_s / hello_s:.2f}**",
        ],
    ]
    body = table(["process", "median s", "runs s", "÷ hello-world"], rows)
    report(
        f"6. Cold start (median of {args.repeats})",
        body,
        "From spawning the interpreter to the first HTTP 200, polled every 10 ms.",
    )


if __name__ == "__main__":
    main()
