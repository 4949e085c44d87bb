"""Benchmark 2 — 32 users generating at once through the web app, the provider taking L seconds.

Each user is logged in (session cookie) and has loaded the page (the `/session` event) in its own
browser-like client; then all click Generate at the same moment. wall / L for: this app as
configured (AVATAR_CONCURRENCY, default 32), the same app with Gradio's default queue settings
(concurrency limit 1 per event), a worker pool of 2 (the old service's worker concurrency,
AVATAR_CONCURRENCY=2), and a bare Gradio app whose handler only sleeps L (what Gradio alone costs).
Goal: ≤ 1.5 for this app at 32 users on this 2-core machine.
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from _common import (
    PROMPT,
    QueueClient,
    Server,
    bench_app,
    bench_env,
    burst,
    fake_hf,
    make_users,
    photo_png,
    serve,
    temp_dir,
)
from _report import median, report, table

GENERATE_INPUTS = [PROMPT, "", "auto", False, False, False, -1]


def connect_all(server: Server, names: list[str], use_gradio_client: bool) -> list[object]:
    """Log every user in and load the page (the `/session` event), 8 at a time."""

    def connect(name: str) -> object:
        cookie = server.login(name)
        if use_gradio_client:
            client = server.client(cookie)
            client.predict(api_name="/session")  # type: ignore[attr-defined]
            return client
        by_hand = QueueClient(server.url, cookie)
        by_hand.call("session", [])
        return by_hand

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(connect, names))


def fire(clients: list[object], use_gradio_client: bool) -> tuple[float, int]:
    """Every client clicks Generate at the same moment; (wall s to the last result, failures)."""

    def generate(client: object) -> dict[str, object]:
        if use_gradio_client:
            out = client.predict(prompt=PROMPT, api_name="/generate")  # type: ignore[attr-defined]
        else:
            out = client.call("generate", GENERATE_INPUTS)  # type: ignore[attr-defined]
        return dict(out[-1])

    return burst(clients, generate)


def run_app(
    env: dict[str, str],
    names: list[str],
    gradio_defaults: bool = False,
    fake: object = None,
    latencies: tuple[float, ...] = (1.0,),
    bursts: int = 1,
) -> list[tuple[float, int]]:
    """One server over the shared data dir; per provider latency (set on the fake), the median of
    `bursts` bursts and the failures summed over them."""
    from tests.fakes.fake_hf import Reply

    args = ("--gradio-defaults",) if gradio_defaults else ()
    results = []
    with serve(env, *args) as server:
        clients = connect_all(server, names, False)
        try:
            for latency in latencies:
                fake.default = Reply.sleep(latency, then=PHOTO)  # type: ignore[attr-defined]
                runs = [fire(clients, False) for _ in range(bursts)]
                results.append((median([w for w, _ in runs]), sum(f for _, f in runs)))
        finally:
            for client in clients:
                client.close()  # type: ignore[attr-defined]
    return results


def run_hello(users: int, latency: float) -> tuple[float, int]:
    """Bare Gradio hello-world whose handler sleeps `latency`, queue limit 32: Gradio's own floor."""
    with temp_dir("bench-conc-hello-") as tmp:
        env = bench_env(Path(tmp), None)
        with serve(
            env, "--sleep", str(latency), "--concurrency", "32", script="bench/_hello.py", health="/"
        ) as server:
            clients = [QueueClient(server.url, "") for _ in range(users)]
            for client in clients:
                client.call("greet", ["warm"])
            gate = threading.Barrier(users + 1)
            ends: list[float] = []

            def one(client: QueueClient) -> None:
                gate.wait()
                client.call("greet", ["bench"])
                ends.append(time.perf_counter())

            threads = [threading.Thread(target=one, args=(c,), daemon=True) for c in clients]
            for thread in threads:
                thread.start()
            gate.wait()
            start = time.perf_counter()
            for thread in threads:
                thread.join()
            for client in clients:
                client.close()
            return max(ends) - start, 0


def main() -> None:
    """Run the variants and print wall / L for each."""
    global PHOTO
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--latency", type=float, default=1.0, help="L: fake provider seconds")
    parser.add_argument(
        "--long-latency",
        type=float,
        default=3.0,
        help="a second L for this app (about FLUX.1-dev's real time); 0 to skip",
    )
    parser.add_argument("--bursts", type=int, default=3, help="bursts per L for this app (median)")
    parser.add_argument(
        "--only-app", action="store_true", help="only this app's rows (for before/after comparisons)"
    )
    args = parser.parse_args()
    users, latency = args.users, args.latency
    from tests.fakes.fake_hf import Reply

    PHOTO = Reply(kind="raw", body=photo_png(512), headers={"Content-Type": "image/png"})
    rows = []

    def row(label: str, lat: float, result: tuple[float, int], goal: bool, runs: int = 1) -> None:
        wall, failed = result
        mark = ("✅" if wall / lat <= 1.5 else "❌") if goal else "—"
        rows.append(
            [
                label,
                f"{lat:g}",
                f"{wall:.2f}",
                f"**{wall / lat:.2f}**",
                mark,
                f"{users * runs - failed}/{users * runs}",
            ]
        )

    with fake_hf(latency) as fake, temp_dir("bench-conc-") as tmp:
        base = bench_env(Path(tmp), fake.url)  # type: ignore[attr-defined]
        app = bench_app(base)
        names = make_users(app, "conc", users)
        app.close()  # type: ignore[attr-defined]
        lats = (latency, args.long_latency) if args.long_latency else (latency,)
        mine = run_app(
            {**base, "AVATAR_CONCURRENCY": "32"}, names, fake=fake, latencies=lats, bursts=args.bursts
        )
        row("**this app** (AVATAR_CONCURRENCY=32, the default)", latency, mine[0], True, args.bursts)
        if not args.only_app:
            others(row, users, latency, base, names, fake)
        if args.long_latency:
            row("this app, provider at FLUX.1-dev speed", args.long_latency, mine[1], True, args.bursts)
    body = table(["server", "L s", "wall s", "wall / L", "≤ 1.5", "completed"], rows)
    report(
        f"2. Concurrency ({users} users at once, SQLite, photo-like 512² PNG)",
        body,
        "Each user: its own login cookie and browser-like client (Gradio's queue protocol), "
        "page loaded (`/session`) before the burst; wall = from the common start to the last "
        f"result; this app's rows are the median of {args.bursts} bursts.",
    )


def others(
    row: Callable[..., None], users: int, latency: float, base: dict[str, str], names: list[str], fake: object
) -> None:
    """The comparison rows: Gradio's own floor, Gradio's default queue, a worker pool of 2."""
    row(
        "bare Gradio hello-world, handler sleeps L, limit 32 (Gradio's own floor)",
        latency,
        run_hello(users, latency),
        False,
    )
    defaults = run_app(base, names, gradio_defaults=True, fake=fake, latencies=(latency,))
    row("same app, Gradio's default queue (limit 1 per event)", latency, defaults[0], False)
    pool = run_app({**base, "AVATAR_CONCURRENCY": "2"}, names, fake=fake, latencies=(latency,))
    row("worker pool of 2 (AVATAR_CONCURRENCY=2)", latency, pool[0], False)


PHOTO: Any = None  # the fake's reply, set in main()

if __name__ == "__main__":
    main()
