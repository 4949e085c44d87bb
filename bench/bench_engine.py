"""Times the offline LocalEngine at a few sizes and prints a markdown table.

`--sheet docs/offline-engine-samples.png` also writes a contact sheet of eight portraits.
"""

from __future__ import annotations

import argparse
import statistics
import time

from PIL import Image

from avatar_core.engines.base import RenderRequest
from avatar_core.engines.local import LocalEngine

PROMPTS = (
    "a woman with red curly hair and glasses in an office",
    "bearded man in a navy suit with a red tie",
    "a smiling woman wearing a beige hijab in a garden",
    "an elderly man in a kimono in the library",
    "young man with an afro in an orange hoodie in the city",
    "a woman with a blonde ponytail at the gym",
    "a nurse in teal scrubs with braids at the hospital",
    "a man with a moustache and sunglasses at the beach",
)


def make_request(prompt: str, size: int, seed: int) -> RenderRequest:
    """A square request for the offline engine."""
    return RenderRequest(prompt=prompt, width=size, height=size, steps=1, guidance_scale=0.0,
                         seed=seed, model_id="local")


def bench(size: int, repeats: int) -> list[float]:
    """Seconds per render at `size`², one timing per repeat, cycling through PROMPTS."""
    engine, times = LocalEngine(), []
    for i in range(repeats):
        req = make_request(PROMPTS[i % len(PROMPTS)], size, i)
        start = time.perf_counter()
        engine.render(req, deadline=time.monotonic() + 60)
        times.append(time.perf_counter() - start)
    return times


def contact_sheet(path: str, tile: int = 224) -> None:
    """Writes the eight PROMPTS as a 4×2 sheet of `tile`-pixel portraits."""
    engine = LocalEngine()
    sheet = Image.new("RGB", (4 * tile, 2 * tile), "white")
    for i, prompt in enumerate(PROMPTS):
        image = engine.render(make_request(prompt, tile * 2, 7),
                              deadline=time.monotonic() + 60).image
        sheet.paste(image.resize((tile, tile), Image.Resampling.LANCZOS),
                    ((i % 4) * tile, (i // 4) * tile))
    sheet.save(path, optimize=True)


def main() -> None:
    """Warm up, then print `| size | median ms | images/s |` for 512, 768 and 1024."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=10, help="renders per size")
    parser.add_argument("--sheet", metavar="PATH", help="also write a contact sheet here")
    args = parser.parse_args()
    bench(256, 2)
    print("| size | median ms | images/s |")
    print("|---|---|---|")
    for size in (512, 768, 1024):
        times = bench(size, args.repeats)
        median = statistics.median(times)
        print(f"| {size}×{size} | {median * 1000:.1f} | {len(times) / sum(times):.1f} |")
    if args.sheet:
        contact_sheet(args.sheet)
        print(f"\nwrote {args.sheet}")


if __name__ == "__main__":
    main()
