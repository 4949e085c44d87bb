"""Benchmark 3 — the gallery for a user with 10 avatars and one with 10,000.

Completed generation rows are inserted in bulk, then `app.gallery.page(user, n)` is timed
server-side (median of R calls) for the first page and the deepest one (the last). Goal: the same
time for both users within 20%, and the first page ≤ 100 ms. SQLite, and PostgreSQL when available.
The REST API's keyset paging (`gallery.after`, GET /api/v1/avatars) is timed the same way for the
first page and the last page of the 10,000-avatar gallery: goal within 20% of each other.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import cheap_hasher, temp_dir
from _pg import pg_schema_url, settings_note
from _report import median, report, table

SIZES = (10, 24, 10_000)  # 24 = exactly one full page: the same page size as the big gallery's


def build_app(data_dir: Path, url: str) -> object:
    """A migrated, seeded App over `url` (offline engine, cheap hashing)."""
    from avatar_core.bootstrap import bootstrap, init
    from avatar_core.config import Settings

    app = bootstrap(Settings(data_dir=data_dir, database_url=url, engine="local"), hasher=cheap_hasher())  # type: ignore[arg-type]
    init(app)
    return app


def add_avatars(app: object, user_id: int, count: int) -> None:
    """`count` completed generations for `user_id`, one a minute, in one bulk insert."""
    from sqlalchemy import insert, update

    from avatar_core.infra.models import Generation, User

    start = datetime(2025, 1, 1, tzinfo=UTC)
    rows = [
        dict(
            user_id=user_id,
            status="completed",
            model_key="avatar-creator:flux-dev-base",
            model_id="black-forest-labs/FLUX.1-dev",
            lora_applied=False,
            preset_key=None,
            user_prompt=f"portrait number {i} with curly red hair and glasses in a garden",
            prompt=f"professional headshot, portrait number {i} with curly red hair, garden, "
            "natural light, 85mm, sharp focus, detailed skin texture",
            negative_prompt="blurry, distorted, extra limbs",
            seed=i,
            width=512,
            height=512,
            steps=28,
            guidance_scale=3.5,
            price=8,
            credits_charged=8,
            reason="tier default",
            engine="local",
            notes="",
            seconds=1.0,
            image_path=f"{user_id}/gen-{i}.png",
            thumb_path=f"{user_id}/gen-{i}.thumb.webp",
            favourite=i % 17 == 0,
            created_at=start + timedelta(minutes=i),
            finished_at=start + timedelta(minutes=i),
        )
        for i in range(count)
    ]
    with app.db.transaction() as session:  # type: ignore[attr-defined]
        for chunk in range(0, len(rows), 2000):
            session.execute(insert(Generation), rows[chunk : chunk + 2000])
        if hasattr(User, "gallery_count"):  # what completing them one by one would have counted
            session.execute(
                update(User).where(User.id == user_id).values(gallery_count=User.gallery_count + count)
            )


def time_pages(
    app: object, targets: list[tuple[int, int]], repeats: int
) -> dict[tuple[int, int], tuple[float, int]]:
    """Median seconds and item count of `gallery.page(user, page)` per (user, page) target.

    Rounds are interleaved, so drift on a shared machine hits every target alike.
    """
    times: dict[tuple[int, int], list[float]] = {t: [] for t in targets}
    items: dict[tuple[int, int], int] = {}
    for round_ in range(repeats + 1):
        for user_id, page in targets:
            start = time.perf_counter()
            result = app.gallery.page(user_id, page)  # type: ignore[attr-defined]
            elapsed = time.perf_counter() - start
            if round_:  # round 0 warms caches
                times[(user_id, page)].append(elapsed)
            items[(user_id, page)] = len(result.items)
    return {t: (median(v), items[t]) for t, v in times.items()}


def measure(label: str, url: str | None, data_dir: Path, repeats: int) -> list[list[str]]:
    """Rows for one database: small user first page, big user first and last page."""
    app = build_app(data_dir, url or f"sqlite:///{data_dir / 'gallery.db'}")
    users = {}
    for count in SIZES:
        user = app.accounts.register(f"gal{count}", "bench-horse-7-staple")  # type: ignore[attr-defined]
        add_avatars(app, user.id, count)
        users[count] = user.id
    targets, info = [], {}
    for count in SIZES:
        pages = app.gallery.page(users[count], 1).pages  # type: ignore[attr-defined]
        for page in sorted({1, (pages + 1) // 2, pages}):
            targets.append((users[count], page))
            info[(users[count], page)] = (count, page, pages)
    measured = time_pages(app, targets, repeats)
    keyset = time_keyset(app, users[SIZES[-1]], repeats)
    timings = [(*info[t], *measured[t]) for t in targets]
    app.close()  # type: ignore[attr-defined]
    base = timings[0][3]  # the 10-avatar user's first page
    full = next(t[3] for t in timings if t[0] == 24)  # a one-page gallery of 24
    rows = []
    for count, page, pages, seconds, items in timings:
        ratio = seconds / base
        ok = ratio <= 1.2 and (page != 1 or seconds <= 0.1)
        middle = page not in (1, pages)  # reported, not part of the goal
        rows.append(
            [
                label,
                f"{count:,}",
                f"{page} of {pages}" + (" (middle)" if middle else ""),
                str(items),
                f"{seconds * 1000:.2f}",
                f"**{ratio:.2f}**",
                f"{seconds / full:.2f}",
                "—" if middle or count == 24 else "✅" if ok else "❌",
            ]
        )
    first = keyset[0][1]
    for name, seconds in keyset:
        ratio = seconds / first
        rows.append(
            [
                label,
                f"{SIZES[-1]:,}",
                f"keyset: {name}",
                "24",
                f"{seconds * 1000:.2f}",
                f"**{seconds / base:.2f}**",
                f"{seconds / full:.2f}",
                "✅" if ratio <= 1.2 else "❌",
            ]
        )
    return rows


def time_keyset(app: object, user_id: int, repeats: int) -> list[tuple[str, float]]:
    """Median seconds of the first keyset page and of the last one (cursor from walking it)."""
    gallery = app.gallery  # type: ignore[attr-defined]
    cursor, last = None, None
    while True:  # walk once to find the cursor of the deepest page
        _items, next_cursor = gallery.after(user_id, cursor, 24)
        if next_cursor is None:
            break
        last, cursor = cursor, next_cursor
    times: dict[str, list[float]] = {"first page": [], "last page": []}
    for round_ in range(repeats + 1):
        for name, at in (("first page", None), ("last page", cursor)):
            start = time.perf_counter()
            gallery.after(user_id, at, 24)
            if round_:
                times[name].append(time.perf_counter() - start)
    del last
    return [(name, median(v)) for name, v in times.items()]


def main() -> None:
    """SQLite, then PostgreSQL if a server is available."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=100, help="timed calls per page (median)")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    args = parser.parse_args()
    rows, notes = [], []
    with temp_dir("bench-gallery-") as tmp:
        rows += measure("SQLite", None, Path(tmp) / "sqlite", args.repeats)
        if not args.no_pg:
            with pg_schema_url() as url:
                if url is None:
                    notes.append("PostgreSQL: not run (no server; set AVATAR_BENCH_PG_URL).")
                else:
                    notes.append(settings_note(url) + ".")
                    rows += measure("PostgreSQL", url, Path(tmp) / "pg", args.repeats)
    body = table(
        [
            "database",
            "avatars",
            "page",
            "items",
            "median ms",
            "÷ 10 avatars, page 1",
            "÷ 24 avatars, page 1",
            "goal",
        ],
        rows,
    )
    report(
        "3. Gallery (24 per page, server-side `gallery.page`)",
        body,
        " ".join(
            notes
            + [
                f"Median of {args.repeats} interleaved calls per page. Goal: within "
                "20% of the 10-avatar user's first page, first page ≤ 100 ms. The "
                "24-avatar user (one full page) shows what 24 rows cost against 10, "
                "whatever the gallery size."
            ]
        ),
    )


if __name__ == "__main__":
    main()
