"""Benchmark 9 — what a received provider image costs: checked (the generation) vs decoded, and
the thumbnail the gallery makes on its first view.

For a photo-like PNG (`_common.photo_png`, zlib level 6 like a provider's) at 512² and 1024²: the
median CPU ms of `engines.hf_results.decode` (Pillow's chunk-by-chunk `verify()`: every CRC,
IEND present; the generation's only look at the image), of a full pixel decode (what it did
before), and of `Gallery`'s thumbnail (decode the stored PNG, shrink, WebP) on the first view.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable

from _common import photo_png
from _report import report, table
from PIL import Image

from avatar_core.engines.hf_results import decode
from avatar_core.infra.storage import thumbnail_bytes


def cpu_ms(work: Callable[[], object], repeats: int) -> float:
    """Median CPU ms (this process) of `work` over `repeats` calls, after one warm-up."""
    work()
    times = []
    for _ in range(repeats):
        start = time.process_time()
        work()
        times.append(time.process_time() - start)
    return statistics.median(times) * 1000


def full_decode(data: bytes) -> None:
    """Every pixel decoded."""
    Image.open(io.BytesIO(data)).load()


def main() -> None:
    """One row per size."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    rows = []
    for size in (512, 1024):
        data = photo_png(size)
        checked = cpu_ms(lambda d=data: decode(d), args.repeats)
        decoded = cpu_ms(lambda d=data: full_decode(d), args.repeats)
        thumb = cpu_ms(lambda d=data: thumbnail_bytes(Image.open(io.BytesIO(d))), args.repeats)
        rows.append(
            [
                f"{size}×{size}",
                f"{len(data) // 1024:,}",
                f"**{checked:.1f}**",
                f"{decoded:.1f}",
                f"{decoded / max(checked, 0.01):.0f}×",
                f"{thumb:.1f}",
            ]
        )
    body = table(
        [
            "photo-like PNG",
            "KB",
            "check (generation) ms",
            "full decode ms",
            "decode ÷ check",
            "first-view thumbnail ms",
        ],
        rows,
    )
    report(
        "9. A received image: checked, decoded, thumbnailed",
        body,
        f"Median CPU time (`time.process_time`) of {args.repeats} calls after one warm-up. The "
        "generation only checks the PNG (`hf_results.decode`) and stores its bytes as received; the "
        "thumbnail (decode + shrink + WebP) is made when the gallery first shows the avatar.",
    )


if __name__ == "__main__":
    main()
