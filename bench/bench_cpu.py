"""Benchmark 8 — app CPU per generation: one `python app.py` behind nginx, 32 users generating.

The cluster of bench_cluster.py with one app process (PostgreSQL + moto's S3 + the fake provider
answering after L seconds). CPU time, not wall time, so the number holds on a busy machine: the
app process's user + system seconds over the measured bursts (/proc) ÷ generations. With
`--profile`, py-spy samples the GIL holder of the app process (200 Hz) and the table also gives
where that Python time went, by the innermost library on the stack. Goal: toward 30 ms.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

from _common import fake_hf, photo_png
from _pg import pg_schema_url, settings_note
from _report import report, table
from bench_cluster import LOAD, run

# Innermost-first: the first of these found walking a stack from its leaf names the sample.
BUCKETS = (
    ("database (SQLAlchemy, psycopg)", ("sqlalchemy/", "psycopg/")),
    ("S3 client (s3fs, botocore, aiohttp)", ("s3fs/", "botocore/", "aiohttp/")),
    ("images (Pillow)", ("PIL/",)),
    ("provider client (httpx, huggingface_hub)", ("httpx", "httpcore", "huggingface_hub/")),
    (
        "web stack (Gradio, FastAPI, Starlette, uvicorn, asyncio)",
        ("gradio/", "fastapi/", "starlette/", "uvicorn/", "h11/", "anyio/", "asyncio/", "uvloop"),
    ),
    ("avatar_core", ("avatar_core/",)),
)


def buckets(raw: Path) -> tuple[Counter[str], int]:
    """Samples per bucket of a py-spy raw (collapsed) profile, and the total."""
    counts: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        if not line.strip():
            continue
        stack, n = line.rsplit(" ", 1)
        total += int(n)
        counts[_bucket(stack.split(";"))] += int(n)
    return counts, total


def _bucket(frames: list[str]) -> str:
    for frame in reversed(frames):
        for name, marks in BUCKETS:
            if any(mark in frame for mark in marks):
                return name
    return "other (threading, stdlib)"


def main() -> None:
    """One app process; CPU ms per generation (and where it went, with --profile)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--latency", type=float, default=1.0, help="L: fake provider seconds")
    parser.add_argument("--bursts", type=int, default=4, help="measured bursts")
    parser.add_argument("--profile", type=Path, help="py-spy raw profile of the app process here")
    args = parser.parse_args()
    from tests.fakes.fake_hf import Reply

    photo = Reply(kind="raw", body=photo_png(512), headers={"Content-Type": "image/png"})
    with fake_hf(args.latency) as fake, pg_schema_url() as url:
        fake.default = Reply.sleep(args.latency, then=photo)  # type: ignore[attr-defined]
        note = settings_note(url) if url else "SQLite"
        _walls, failed, _joins, (cpu, everything) = run(
            1,
            args.users,
            args.bursts,
            fake.url,
            url,
            args.profile,  # type: ignore[attr-defined]
        )
    done = args.users * args.bursts - failed
    rows = [
        [
            f"{args.users}",
            f"{args.latency:g}",
            f"{done}/{args.users * args.bursts}",
            f"**{cpu * 1000:.0f}**",
            f"{everything * 1000:.0f}",
            f"{LOAD[-1]:.1f}",
        ]
    ]
    body = table(["users", "L s", "completed", "app CPU ms / gen", "stack CPU ms / gen", "load avg"], rows)
    if args.profile is not None and args.profile.is_file():
        counts, total = buckets(args.profile)
        gil_ms = total / 200 * 1000 / max(1, done)  # 200 samples per second of GIL held
        shares = [[name, f"{100 * n / total:.0f} %"] for name, n in counts.most_common()]
        body += f"\n\nGIL held ≈ {gil_ms:.0f} ms per generation ({total} samples), by innermost library:\n\n"
        body += table(["where", "share of GIL samples"], shares)
    report(
        f"8. App CPU per generation (1 process, {args.users} users, PostgreSQL + S3)",
        body,
        f"bench_cluster.py's cluster with one app process; PostgreSQL: {note}. App CPU is the "
        "app process's user + system time over the measured bursts ÷ completed generations; "
        "stack CPU adds nginx, moto's S3 server and the bench process (fake provider and clients). "
        "CPU time does not depend on other load on the machine as wall time does "
        f"({os.cpu_count()} cores; load avg as the bursts began).",
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
