"""Benchmark 10 — a batch of images: wall time of one click's 1 and 4 images at provider time L.

The service (`Batches.generate_many`) with the real HF engine against the tests' FakeHF on
127.0.0.1, which answers each inference call after L seconds (SQLite, in one process). The
images of a click are reserved in one transaction, then rendered at once; before, one after
another (4 images ≈ 4 × L). Goal (issue #22): 4 images ≤ 1.3 × L at L = 2 s.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _common import bench_app, bench_env, fake_hf, make_users, photo_png
from _report import median, report, table

from avatar_core.services.generation import GenerationRequest


def wall(app: object, user: object, count: int) -> float:
    start = time.perf_counter()
    results = app.generations.batches.generate_many(user, GenerationRequest(prompt="a portrait"), count)  # type: ignore[attr-defined]
    took = time.perf_counter() - start
    assert all(r.ok for r in results), [r.error for r in results]
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=2.0, help="provider seconds per image (L)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows = []
    with fake_hf(args.latency, photo_png(512)) as fake, tempfile.TemporaryDirectory() as tmp:
        app = bench_app(bench_env(Path(tmp), fake.url))  # type: ignore[attr-defined]
        (name,) = make_users(app, "batch", 1)
        user = app.accounts.by_name(name)  # type: ignore[attr-defined]
        for count in (1, 4):
            times = [wall(app, user, count) for _ in range(args.runs)]
            goal = "" if count == 1 else (" ✅" if median(times) <= 1.3 * args.latency else " ❌")
            rows.append(
                [
                    count,
                    f"{args.latency:g}",
                    f"{median(times):.2f}",
                    f"**{median(times) / args.latency:.2f}**{goal}",
                ]
            )
        app.close()  # type: ignore[attr-defined]
    report(
        "10. A batch of images: wall time per click",
        table(["images", "L s", "wall s (median)", "wall ÷ L"], rows),
        f"Median of {args.runs} clicks per row; the service with the HF engine against FakeHF "
        "answering after L seconds, SQLite, one process.",
    )


if __name__ == "__main__":
    main()
