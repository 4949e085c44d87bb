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
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import astuple, dataclass
from pathlib import Path

import httpx
from _common import PASSWORD, PROMPT, burst, cheap_hasher, fake_hf, photo_png
from _pg import pg_schema_url, settings_note
from _report import median, report, table

from scripts.cluster import Cluster, GenerateClient


def make_users(cluster: Cluster, count: int) -> list[str]:
    """`count` users with plenty of credits, created directly in the cluster's database."""
    from avatar_core.bootstrap import bootstrap
    from avatar_core.config import load_settings
    from avatar_core.services import credits

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
    return burst(clients, lambda client: client.generate(PROMPT))


@dataclass(frozen=True)
class Cpu:
    """CPU seconds (user + system) used so far, by part of the benchmark's machine."""

    app: float  # the app processes (their process groups)
    postgres: float  # every `postgres` process on the machine
    s3: float  # moto's S3 server
    nginx: float
    harness: float  # this process: the fake provider and the clients
    machine: float  # the whole machine, all cores (/proc/stat: all but idle and iowait), kernel too

    def __sub__(self, other: Cpu) -> Cpu:
        return Cpu(*(a - b for a, b in zip(astuple(self), astuple(other), strict=True)))

    def __truediv__(self, n: int) -> Cpu:
        return Cpu(*(a / n for a in astuple(self)))


def cpu_now(cluster: Cluster) -> Cpu:
    """CPU used so far by each part of the cluster and by the machine (/proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    apps = {p.pid for p in cluster.apps}
    groups = {
        "s3": cluster.moto.pid if cluster.moto else -1,
        "nginx": cluster.nginx.pid if cluster.nginx else -1,
    }
    parts = dict.fromkeys(("app", "postgres", "s3", "nginx"), 0.0)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            raw = stat.read_text()
        except OSError:
            continue
        comm, fields = raw.split("(", 1)[1].rsplit(")", 1)[0], raw.rsplit(")", 1)[1].split()
        used, group = (int(fields[11]) + int(fields[12])) / tick, int(fields[2])  # utime + stime, pgrp
        if group in apps:
            parts["app"] += used
        elif comm.startswith("postgres"):
            parts["postgres"] += used
        for name, pgrp in groups.items():
            if group == pgrp:
                parts[name] += used
    ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    me = os.times()
    return Cpu(**parts, harness=me.user + me.system, machine=(sum(ticks) - ticks[3] - ticks[4]) / tick)


def start_profile(cluster: Cluster, out: Path) -> subprocess.Popen[bytes]:
    """py-spy record --gil (collapsed stacks of the GIL holder) of app process 0 until stopped."""
    spy = Path(sys.executable).parent / "py-spy"
    if not spy.exists():
        raise SystemExit("--profile needs py-spy in the venv: .venv/bin/pip install py-spy")
    proc = subprocess.Popen(
        [
            str(spy),
            "record",
            "-p",
            str(cluster.apps[0].pid),
            "-f",
            "raw",  # noqa: S603
            "-r",
            "200",
            "-o",
            str(out),
            "--nonblocking",
            "--gil",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.0)
    return proc


def stop_profile(proc: subprocess.Popen[bytes], out: Path) -> None:
    """Stop py-spy (it writes the profile on SIGINT)."""
    proc.send_signal(signal.SIGINT)
    proc.wait(30)
    print(f"py-spy profile of app0: {out}")


LOAD: list[float] = []  # the 1-minute load average when each measurement started
# burst walls, failed generations, queue/joins per upstream, CPU per generation, idle app CPU s/s
Outcome = tuple[list[float], int, Counter[str], Cpu, float]


def run(
    processes: int,
    users: int,
    bursts: int,
    fake_url: str,
    database_url: str | None,
    profile: Path | None = None,
    idle: float = 0.0,
) -> Outcome:
    """One cluster of `processes`; the burst walls, failures and joins per upstream, the CPU per
    generation and, over `idle` seconds after the bursts, the app processes' CPU per second each."""
    env = {
        "AVATAR_ENGINE": "hf",
        "AVATAR_HF_BASE_URL": fake_url,
        "HF_TOKEN": "hf_test",
        "AVATAR_CONCURRENCY": "32",
    }
    with Cluster(processes=processes, env=env, database_url=database_url) as cluster:
        names = make_users(cluster, users)
        with ThreadPoolExecutor(8) as pool:
            cookies = list(pool.map(lambda n: login(cluster.url, n), names))
        first = GenerateClient(cluster.url, cookies[0])
        clients = [first] + [GenerateClient(cluster.url, c, first.config) for c in cookies[1:]]
        try:
            fire(clients)  # warm-up: connections, first-call imports, PostgreSQL caches
            spy = start_profile(cluster, profile) if profile else None
            LOAD.append(os.getloadavg()[0])  # other work on the machine shares the cores
            before = cpu_now(cluster)
            runs = [fire(clients) for _ in range(bursts)]
            cpu = (cpu_now(cluster) - before) / (users * bursts)
            if spy is not None:
                stop_profile(spy, profile)  # type: ignore[arg-type]
            idle_from = cpu_now(cluster).app
            time.sleep(idle)
            idle_cpu = (cpu_now(cluster).app - idle_from) / max(idle, 1e-9) / processes if idle else 0.0
        finally:
            for client in clients:
                client.close()
        joins = Counter(
            line.rsplit("upstream=", 1)[1].split()[0]
            for line in cluster.access_log.read_text().splitlines()
            if "/gradio_api/queue/join" in line and "upstream=" in line
        )
    return [w for w, _ in runs], sum(f for _, f in runs), joins, cpu, idle_cpu


def scaling_bound(processes: int, latency: float, wall: float) -> float:
    """The most a burst's generations/s with `processes` can exceed one process's, given its wall.

    A burst costs each process its share of the work on top of L; one process alone has all of it,
    at most `processes` times as much: W1 − L ≤ n (Wn − L), so W1 / Wn ≤ n − (n − 1) L / Wn.
    """
    return processes - (processes - 1) * latency / wall


def parts_cell(cpu: Cpu) -> str:
    """CPU ms per generation of the parts that are not the app."""
    return " / ".join(f"{v * 1000:.0f}" for v in (cpu.postgres, cpu.s3, cpu.nginx, cpu.harness))


def main() -> None:
    """1 and 2 processes behind nginx; wall / L and generations per second."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--latency", type=float, nargs="+", default=[1.0, 3.0], help="L: provider seconds")
    parser.add_argument("--bursts", type=int, default=3, help="measured bursts per cluster (median)")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--profile", type=Path, help="py-spy (collapsed stacks) of one process here")
    args = parser.parse_args()
    from tests.fakes.fake_hf import Reply

    photo = Reply(kind="raw", body=photo_png(512), headers={"Content-Type": "image/png"})
    rows, pg_note, cores = [], "", os.cpu_count() or 1
    for latency in args.latency:
        rates: dict[int, float] = {}
        with fake_hf(latency) as fake:
            fake.default = Reply.sleep(latency, then=photo)  # type: ignore[attr-defined]
            for n in args.processes:
                with pg_schema_url() as url:
                    if url:
                        pg_note = settings_note(url)
                    profile = args.profile if (n, latency) == (args.processes[0], args.latency[0]) else None
                    walls, failed, joins, cpu, _idle = run(
                        n,
                        args.users,
                        args.bursts,
                        fake.url,  # type: ignore[attr-defined]
                        url,
                        profile,
                    )
                wall = median(walls)
                rates[n] = args.users / wall
                ratio = wall / latency
                goal = ("✅" if ratio <= 1.5 else "❌") if n > 1 else "—"
                spread = " / ".join(str(c) for _, c in sorted(joins.items()))
                rows.append(
                    [
                        f"{n}",
                        f"{latency:g}",
                        ", ".join(f"{w:.2f}" for w in walls),
                        f"**{ratio:.2f}**",
                        goal,
                        f"{rates[n]:.1f}",
                        f"{rates[n] / rates[args.processes[0]]:.2f}×",
                        f"{scaling_bound(n, latency, wall):.2f}×" if n > 1 else "—",
                        f"{cpu.app * 1000:.0f}",
                        f"{cpu.machine * 1000:.0f}",
                        parts_cell(cpu),
                        f"{args.users * cpu.machine / cores:.2f}",
                        f"{LOAD[-1]:.1f}",
                        spread,
                        f"{args.users * args.bursts - failed}/{args.users * args.bursts}",
                    ]
                )
    body = table(
        [
            "app processes",
            "L s",
            "burst walls s",
            "wall / L (median)",
            "≤ 1.5",
            "generations/s",
            "÷ 1 process",
            "at most (n − (n−1)·L / wall)",
            "app CPU ms / gen",
            "machine CPU ms / gen",
            "PostgreSQL / S3 / nginx / clients + provider",
            "CPU floor s",
            "load avg",
            "joins per process",
            "completed",
        ],
        rows,
    )
    report(
        f"7. Cluster ({args.users} users at once through nginx, PostgreSQL + S3)",
        body,
        f"`scripts/cluster.py`: nginx (hash on the session cookie) → N × `python app.py` "
        f"(AVATAR_CONCURRENCY=32) → PostgreSQL ({pg_note or 'from .ci/pg.sh'}) and moto's S3 "
        "server, all on this machine, as is the fake provider and the 32 clients. Goal: "
        '≤ 1.5 with 2 processes and ≥ 1.7× the generations/s of one. "joins per process" '
        "counts every `queue/join` nginx passed to each process (warm-up included); app CPU is "
        "user + system time of the app processes over the measured bursts (/proc), summed; "
        "machine CPU is the whole machine's busy time (/proc/stat), of which the next column "
        "names PostgreSQL, moto's S3 server, nginx and the bench process (the fake provider and "
        f"the 32 clients); the rest is the kernel. This machine has {cores} cores for all of it: "
        'a burst needs users × machine CPU ÷ cores seconds of it ("CPU floor"), and when everyone '
        "clicks at once most of that adds to L, however many app processes serve the burst. "
        '"load avg" is the 1-minute load average when the measured bursts began. "at most": '
        "one process does n times the work of each of n, so its burst overhead (wall − L) is at "
        "most n times theirs and the throughput ratio of a burst is at most n − (n−1)·L / wall: "
        "with 2 processes at 1.5 × L, 1.33× (the two goals exclude each other, on any machine).",
    )


if __name__ == "__main__":
    main()
