"""Benchmark 7 — 32 users at once through nginx, with 1 and with 2 app processes (the cluster).

scripts/cluster.py brings up nginx (sticky on the session cookie), N `python app.py` processes,
PostgreSQL and moto's S3 server on 127.0.0.1; the provider is the fake HF in this process,
answering after L seconds with a photo-like 512² PNG. Each user logs in through nginx and has its
own browser-like client (Gradio's queue protocol: join + event stream); after one warm-up burst
all click Generate at the same moment, `--bursts` times. Reported: wall / L (median burst) and
generations per second. Goal: ≤ 1.5 with 2 processes, and ≥ 1.7× the throughput of one.
"""

from __future__ import annotations

import argparse
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
from _common import PASSWORD, PROMPT, cheap_hasher, fake_hf, photo_png
from _pg import pg_schema_url, settings_note
from _report import median, report, table

from scripts.cluster import Cluster, GenerateClient


def make_users(cluster: Cluster, count: int) -> list[str]:
    """`count` users with plenty of credits, created directly in the cluster's database."""
    from avatar_core import credits
    from avatar_core.bootstrap import bootstrap
    from avatar_core.config import load_settings

    app = bootstrap(load_settings(cluster.app_env(0), dotenv_path=None), hasher=cheap_hasher())  # type: ignore[arg-type]
    names = []
    try:
        for i in range(count):
            user = app.accounts.register(f"clu{i:03d}", PASSWORD)
            with app.db.transaction() as session:
                credits.grant(session, user.id, 10_000, key="bench", reason="bench")
            names.append(user.username)
    finally:
        app.close()
    return names


def login(url: str, name: str) -> str:
    """POST /login through nginx; the session cookie."""
    r = httpx.post(f"{url}/login", data={"username": name, "password": PASSWORD}, timeout=30)
    if r.status_code != 303:
        raise RuntimeError(f"login failed for {name}: {r.status_code}")
    return str(r.cookies["avatar_session"])


def fire(clients: list[GenerateClient]) -> tuple[float, int]:
    """Every client clicks Generate at the same moment; (wall s to the last result, failures)."""
    gate = threading.Barrier(len(clients) + 1)
    ends: list[float] = []
    failures: list[str] = []

    def one(client: GenerateClient) -> None:
        gate.wait()
        try:
            out = client.generate(PROMPT)
            if out.get("status") != "completed":
                failures.append(str(out))
        except Exception as err:  # noqa: BLE001 - counted and reported
            failures.append(repr(err))
        ends.append(time.perf_counter())

    threads = [threading.Thread(target=one, args=(c,), daemon=True) for c in clients]
    for thread in threads:
        thread.start()
    gate.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join(600)
    return max(ends) - start, len(failures)


def run(processes: int, users: int, bursts: int, fake_url: str, database_url: str | None
        ) -> tuple[list[float], int, Counter[str]]:  # fmt: skip
    """One cluster of `processes`; the burst walls, failures and joins per upstream."""
    env = {"AVATAR_ENGINE": "hf", "AVATAR_HF_BASE_URL": fake_url, "HF_TOKEN": "hf_test",
           "AVATAR_CONCURRENCY": "32"}  # fmt: skip
    with Cluster(processes=processes, env=env, database_url=database_url) as cluster:
        names = make_users(cluster, users)
        with ThreadPoolExecutor(8) as pool:
            cookies = list(pool.map(lambda n: login(cluster.url, n), names))
        first = GenerateClient(cluster.url, cookies[0])
        clients = [first] + [GenerateClient(cluster.url, c, first.config) for c in cookies[1:]]
        try:
            fire(clients)  # warm-up: connections, first-call imports, PostgreSQL caches
            runs = [fire(clients) for _ in range(bursts)]
        finally:
            for client in clients:
                client.close()
        joins = Counter(line.rsplit("upstream=", 1)[1].split()[0]
                        for line in cluster.access_log.read_text().splitlines()
                        if "/gradio_api/queue/join" in line and "upstream=" in line)  # fmt: skip
    return [w for w, _ in runs], sum(f for _, f in runs), joins


def main() -> None:
    """1 and 2 processes behind nginx; wall / L and generations per second."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--latency", type=float, default=1.0, help="L: fake provider seconds")
    parser.add_argument("--bursts", type=int, default=3, help="measured bursts per cluster (median)")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    from tests.fakes.fake_hf import Reply

    photo = Reply(kind="raw", body=photo_png(512), headers={"Content-Type": "image/png"})
    rows, rates, pg_note = [], {}, ""
    with fake_hf(args.latency) as fake:
        fake.default = Reply.sleep(args.latency, then=photo)  # type: ignore[attr-defined]
        for n in args.processes:
            with pg_schema_url() as url:
                if url:
                    pg_note = settings_note(url)
                walls, failed, joins = run(n, args.users, args.bursts, fake.url, url)  # type: ignore[attr-defined]
            wall = median(walls)
            rates[n] = args.users / wall
            ratio = wall / args.latency
            goal = ("✅" if ratio <= 1.5 else "❌") if n > 1 else "—"
            spread = " / ".join(str(c) for _, c in sorted(joins.items()))
            rows.append([f"{n}", f"{args.latency:g}", ", ".join(f"{w:.2f}" for w in walls),
                         f"**{ratio:.2f}**", goal, f"{rates[n]:.1f}",
                         f"{rates[n] / rates[args.processes[0]]:.2f}×", spread,
                         f"{args.users * args.bursts - failed}/{args.users * args.bursts}"])  # fmt: skip
    body = table(["app processes", "L s", "burst walls s", "wall / L (median)", "≤ 1.5",
                  "generations/s", "÷ 1 process", "joins per process", "completed"], rows)  # fmt: skip
    report(f"7. Cluster ({args.users} users at once through nginx, PostgreSQL + S3)", body,
           f"`scripts/cluster.py`: nginx (hash on the session cookie) → N × `python app.py` "
           f"(AVATAR_CONCURRENCY=32) → PostgreSQL ({pg_note or 'from .ci/pg.sh'}) and moto's S3 "
           "server, all on this machine, as is the fake provider and the 32 clients. Goal: "
           "≤ 1.5 with 2 processes and ≥ 1.7× the generations/s of one. \"joins per process\" "
           "counts every `queue/join` nginx passed to each process (warm-up included).")


if __name__ == "__main__":
    main()
