"""Benchmark 12 — opening the Admin tab: click to its first section rendered, and to quiet.

The web app (offline engine, SQLite) with U users and G generations over 30 days (bulk inserted,
each with its ledger rows) is opened in Debian Chromium as the admin at 1440×900. Per run, a new
signed-in page; once its own load has finished, the Admin tab is clicked and the page measures,
with `performance.now()`:

- **first section**: until the users table shows a seeded user;
- **quiet**: until the last change to the page, when nothing changed for 1 s since;
- **events**: the Gradio events the click started (queued or not), by name.

Median of R runs. Goal (issue 23, item 10): the first section in under 1 s.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import _common  # noqa: F401  (puts the repo on sys.path)
from _report import median, report, table

from tests.e2e import browser as pw
from tests.web.server import ADMIN_PASSWORD, ADMIN_USERNAME, serve, with_admin

MODELS = tuple(f"avatar-creator:{m}" for m in ("flux-dev-base", "flux-dev-realism", "flux-schnell-fast"))

# Resolves when the page has not changed for `quiet` ms: when the users table first shows
# `name`, and when the page last changed (ms after the click that `start` made).
MEASURE_JS = """([name, quiet, cap]) => new Promise(resolve => {
  const t0 = performance.now(); let first = null, last = t0;
  const seen = () => { const t = document.querySelector('#admin-users');
    return !!t && !!t.offsetParent && t.innerText.includes(name); };
  const obs = new MutationObserver(() => { last = performance.now();
    if (first === null && seen()) first = last; });
  obs.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
  const tick = () => { const now = performance.now();
    if ((now - last > quiet && first !== null) || now - t0 > cap) { obs.disconnect();
      resolve({first: first === null ? null : first - t0, quiet: last - t0}); }
    else setTimeout(tick, 50); };
  [...document.querySelectorAll('button[role=tab]')].find(b => b.innerText.trim() === 'Admin').click();
  tick();
})"""


def seed(app: Any, users: int, generations: int) -> str:
    """U users and G finished generations (10% failed) with their ledger rows; a user's name."""
    from sqlalchemy import insert, select

    from avatar_core.infra.models import Generation, LedgerEntry, User

    rng = random.Random(7)
    for i in range(users):
        app.accounts.register(f"user{i:04d}", "bench-horse-7-staple")
    with app.db.read() as session:
        ids = list(session.scalars(select(User.id).where(User.username.like("user%"))))
    now = datetime.now(UTC)
    gens, moves = [], []
    for i in range(generations):
        ok = rng.random() > 0.1
        gens.append(
            dict(
                user_id=rng.choice(ids),
                status="completed" if ok else "failed",
                model_key=rng.choice(MODELS),
                model_id="black-forest-labs/FLUX.1-dev",
                user_prompt=f"portrait {i}",
                prompt=f"portrait {i}",
                seed=i,
                width=512,
                height=512,
                steps=28,
                guidance_scale=3.5,
                price=8,
                credits_charged=8 if ok else 0,
                seconds=rng.uniform(0.5, 9.0) if ok else None,
                cost_usd=0.025 if ok else 0.0,
                error=None if ok else "The provider refused the request.",
                created_at=now - timedelta(minutes=rng.randrange(30 * 24 * 60)),
            )
        )
    with app.db.transaction() as session:
        session.execute(insert(Generation), gens)
        rows = session.execute(select(Generation.id, Generation.user_id, Generation.status)).all()
        for gen_id, user_id, status in rows:
            kinds = [("reserve", -8), ("capture" if status == "completed" else "release", 0)]
            kinds += [] if status == "completed" else [("release", 8)]
            for n, (kind, amount) in enumerate(kinds):
                moves.append(
                    dict(
                        user_id=user_id,
                        type=kind,
                        amount=amount,
                        balance_after=0,
                        generation_id=gen_id,
                        idempotency_key=f"bench:{gen_id}:{n}",
                    )
                )
        session.execute(insert(LedgerEntry), moves)
    return "user0000"


def open_once(browser: Any, url: str, name: str) -> dict[str, Any]:
    """One signed-in page, its Admin tab clicked once: the times and the events it started."""
    page = pw.login(browser, url, ADMIN_USERNAME, ADMIN_PASSWORD, viewport=(1440, 900))
    try:
        page.wait_for_selector("body[data-followed]", state="attached")
        page.wait_for_timeout(500)  # the page's own load events are over
        names = page.evaluate(
            "() => Object.fromEntries(window.gradio_config.dependencies.map(d => [d.id, d.api_name]))"
        )
        events: list[str] = []

        def joined(request: Any) -> None:
            queued, direct = "/gradio_api/queue/join" in request.url, "/gradio_api/run/predict" in request.url
            if (queued or direct) and request.post_data:
                fn = json.loads(request.post_data).get("fn_index")
                events.append(str(names.get(str(fn), fn)))

        page.on("request", joined)
        result = page.evaluate(MEASURE_JS, [name, 1000, 15_000])
        result["events"] = events
        return dict(result)
    finally:
        page.context.close()


def main() -> None:
    """Seed, serve, open the Admin tab R times; print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--generations", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-admin-") as tmp:
        app = with_admin(Path(tmp), f"sqlite:///{Path(tmp) / 'admin.db'}")
        with serve(app) as server, sync_playwright() as p:
            name = seed(app, args.users, args.generations)
            browser = pw.launch(p)
            runs = [open_once(browser, server.url, name) for _ in range(args.repeats)]
            browser.close()
        app.close()
    firsts = [r["first"] / 1000 for r in runs if r["first"] is not None]
    quiets = [r["quiet"] / 1000 for r in runs]
    rows = [
        [what, f"{median(times):.2f}", ", ".join(f"{t:.2f}" for t in times)]
        for what, times in (
            ("first section (users table with a row)", firsts),
            ("quiet (no change for 1 s)", quiets),
        )
    ]
    body = table(["Admin tab click →", "median s", "runs s"], rows)
    events = ", ".join(runs[-1]["events"]) or "none"
    report(
        f"12. Admin tab open ({args.users} users, {args.generations:,} generations, "
        f"median of {args.repeats})",
        body,
        f"Events the click started: {events}.",
    )


if __name__ == "__main__":
    main()
