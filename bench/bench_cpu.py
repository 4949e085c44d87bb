"""Benchmark 8 — app CPU per generation: one `python app.py` behind nginx, 32 users generating.

The cluster of bench_cluster.py with one app process (PostgreSQL + moto's S3 + the fake provider
answering after L seconds). CPU time, not wall time, so the number holds on a busy machine: the
app process's user + system seconds over the measured bursts (/proc) ÷ generations. With
`--profile`, py-spy samples the GIL holder of the app process (200 Hz) and the table also gives
where that Python time went, by the innermost library on the stack. Goal: toward 30 ms. After the
bursts, the app process's CPU per second over a few idle seconds (what it burns waiting).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

from _common import PROMPT, bench_app, bench_env, fake_hf, make_users, photo_png, temp_dir
from _pg import pg_schema_url, settings_note
from _report import report, table
from bench_cluster import LOAD, parts_cell, run

IDLE_SECONDS = 5.0  # after the bursts: what the app process burns doing nothing (polling loops)

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


def service_cpu(url: str | None, calls: int) -> float:
    """CPU ms of one `GenerationService.generate` in the calling thread (sequential, no web layer).

    The fake provider answers at once; the store is the local disk. Thread CPU time: the fake's
    server thread in this process is not counted. Steady on a busy machine, unlike the cluster.
    """
    from avatar_core.services.generation_request import GenerationRequest

    with temp_dir("bench-cpu-") as data, fake_hf(0.0) as fake:
        app = bench_app(bench_env(data, fake.url, database_url=url or ""))  # type: ignore[attr-defined]
        try:
            [name] = make_users(app, "svc", 1)
            user = app.accounts.by_name(name)  # type: ignore[attr-defined]
            request = GenerationRequest(prompt=PROMPT)
            for _ in range(5):  # warm-up: imports, statement caches, pooled connections
                app.generations.generate(user, request)  # type: ignore[attr-defined]
            start = time.thread_time()
            for _ in range(calls):
                assert app.generations.generate(user, request).ok  # type: ignore[attr-defined]
            return (time.thread_time() - start) / calls * 1000
        finally:
            app.close()  # type: ignore[attr-defined]


def main() -> None:
    """One app process; CPU ms per generation (and where it went, with --profile)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--latency", type=float, default=1.0, help="L: fake provider seconds")
    parser.add_argument("--bursts", type=int, default=4, help="measured bursts")
    parser.add_argument("--profile", type=Path, help="py-spy raw profile of the app process here")
    parser.add_argument("--calls", type=int, default=60, help="sequential service calls (2nd table)")
    parser.add_argument("--service-only", action="store_true", help="skip the cluster")
    args = parser.parse_args()
    body, failed, note = "", 0, "SQLite"
    with pg_schema_url() as url:
        note = settings_note(url) if url else note
        service = service_cpu(url, args.calls)
    if not args.service_only:
        body, failed = cluster_table(args)
    body += (
        f"\n\nThe service alone (one thread, {args.calls} sequential `generate` calls, provider "
        f"instant, local disk store): **{service:.1f}** CPU ms per generation.\n"
    )
    report(
        f"8. App CPU per generation (1 process, {args.users} users, PostgreSQL + S3)",
        body,
        f"bench_cluster.py's cluster with one app process; PostgreSQL: {note}. App CPU is the "
        "app process's user + system time over the measured bursts ÷ completed generations; "
        "machine CPU is the whole machine's busy time (/proc/stat), of which PostgreSQL, moto's S3 "
        "server, nginx and the bench process (fake provider and clients) are named; idle app CPU "
        "is the same process's CPU per second while no one generates, right after the bursts. "
        "CPU time depends less on other load on the machine than wall time does, but not "
        f"nothing ({os.cpu_count()} cores; load avg as the bursts began); the service line is "
        "the steadier one.",
    )
    sys.exit(1 if failed else 0)


def cluster_table(args: argparse.Namespace) -> tuple[str, int]:
    """The cluster run: its table (and the profile's breakdown) and how many generations failed."""
    from tests.fakes.fake_hf import Reply

    photo = Reply(kind="raw", body=photo_png(512), headers={"Content-Type": "image/png"})
    with fake_hf(args.latency) as fake, pg_schema_url() as url:
        fake.default = Reply.sleep(args.latency, then=photo)  # type: ignore[attr-defined]
        _walls, failed, _joins, cpu, idle = run(
            1,
            args.users,
            args.bursts,
            fake.url,  # type: ignore[attr-defined]
            url,
            args.profile,
            idle=IDLE_SECONDS,
        )
    done = args.users * args.bursts - failed
    row = [args.users, f"{args.latency:g}", f"{done}/{args.users * args.bursts}"]
    row += [f"**{cpu.app * 1000:.0f}**", f"{cpu.machine * 1000:.0f}", parts_cell(cpu)]
    row += [f"**{idle * 1000:.0f}**", f"{LOAD[-1]:.1f}"]
    heads = ["users", "L s", "completed", "app CPU ms / gen", "machine CPU ms / gen"]
    heads += ["PostgreSQL / S3 / nginx / clients + provider", "idle app CPU ms / s"]
    body = table([*heads, "load avg"], [row])
    if args.profile is not None and args.profile.is_file():
        counts, total = buckets(args.profile)
        gil_ms = total / 200 * 1000 / max(1, done)  # 200 samples per second of GIL held
        shares = [[name, f"{100 * n / total:.0f} %"] for name, n in counts.most_common()]
        body += f"\n\nGIL held ≈ {gil_ms:.0f} ms per generation ({total} samples), by innermost library:\n\n"
        body += table(["where", "share of GIL samples"], shares)
    return body, failed


if __name__ == "__main__":
    main()
