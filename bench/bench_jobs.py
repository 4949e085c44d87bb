"""Benchmark 11 — the job queue: one worker with 500 provider calls in flight, and a restart
during 50 in-flight paid jobs.

A. `avatar-creator worker --slots 500` (a child process, SQLite) runs 500 queued jobs whose
   provider (the tests' FakeHF, base-URL route) answers after L = 30 s. While all 500 wait, the
   worker's resident memory and CPU are read from /proc over a 10 s window.
B. 50 paid Replicate jobs; the FakeHF answers as Replicate was recorded answering (202 "starting"
   without the image, then polls). The worker is killed -9 while all 50 wait on their predictions,
   a second worker takes them over. Counted: jobs lost (not completed), extra provider
   submissions (POSTs beyond 50). Goals (issue #22): 0 and 0.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _common import ROOT, allow_loopback_hf, bench_app, bench_env, make_users
from _report import report, table

CHILD = ROOT / "tests" / "load" / "worker_child.py"


def wait_for(what: str, predicate: Callable[[], bool], timeout: float, log: Path | None = None) -> None:
    stop = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > stop:
            tail = log.read_text(errors="replace")[-3000:] if log and log.is_file() else ""
            raise SystemExit(f"timed out waiting for {what}\n{tail}")
        time.sleep(0.1)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def threads(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


def open_jobs(app: object, names: list[str], count: int) -> list[int]:
    """`count` queued generations spread over the users (the bench process runs none)."""
    from avatar_core.services.generation import GenerationRequest

    users = [app.accounts.by_name(n) for n in names]  # type: ignore[attr-defined]
    ids = []
    for i in range(count):
        request = GenerationRequest(prompt=f"a portrait {i}", seed=i)
        ids += [a.gen_id for a in app.generations.open(users[i % len(users)], [request]).attempts]  # type: ignore[attr-defined]
    return ids


def statuses(app: object, ids: list[int]) -> dict[str, int]:
    from sqlalchemy import func, select

    from avatar_core.infra.models import Generation

    with app.db.read() as session:  # type: ignore[attr-defined]
        rows = session.execute(
            select(Generation.status, func.count()).where(Generation.id.in_(ids)).group_by(Generation.status)
        ).all()
    return {str(s): int(n) for s, n in rows}


def in_flight(fake_url: str, app: object, jobs: int, latency: float, window: float) -> list[object]:
    """Part A: the worker's memory and CPU while `jobs` provider calls are in flight."""
    with tempfile.TemporaryDirectory() as tmp:
        env = bench_env(Path(tmp), fake_url)
        env.update(AVATAR_USER_CONCURRENCY="1000", AVATAR_USER_QUEUE="1000", DATABASE_URL=app.db.url)  # type: ignore[attr-defined]
        names = make_users(app, "inflight", 50)
        argv = [sys.executable, "-m", "avatar_core", "worker", "--slots", str(jobs), "--poll", "0.2"]
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
        try:
            wait_for("the worker to start", lambda: threads(proc.pid) >= 3, 60)
            time.sleep(2.0)
            idle = rss_mb(proc.pid)  # started, nothing to do
            started = time.monotonic()
            ids = open_jobs(app, names, jobs)
            wait_for(f"{jobs} jobs running", lambda: statuses(app, ids).get("running", 0) == jobs, latency)
            claimed = time.monotonic() - started
            cpu0, t0 = cpu_seconds(proc.pid), time.monotonic()
            time.sleep(window)
            cpu = (cpu_seconds(proc.pid) - cpu0) / (time.monotonic() - t0)
            rss, n_threads = rss_mb(proc.pid), threads(proc.pid)
            wait_for(
                "the jobs to finish", lambda: statuses(app, ids).get("completed", 0) == jobs, latency + 60
            )
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)
    return [
        jobs,
        f"{latency:g}",
        f"{claimed:.1f}",
        f"{idle:.0f} → {rss:.0f}",
        f"{(rss - idle) * 1024 / jobs:.0f}",
        n_threads,
        f"{cpu * 1000:.0f}",
    ]


def restart(app: object, jobs: int) -> list[object]:
    """Part B: kill -9 of the worker while `jobs` paid Replicate jobs wait; a second takes over."""
    from huggingface_hub import constants

    from tests.fakes.fake_hf import FakeHF, Reply

    with FakeHF(Reply.starting(polls=1_000_000)) as fake, tempfile.TemporaryDirectory() as tmp:
        constants.ENDPOINT = fake.url
        constants.INFERENCE_PROXY_TEMPLATE = fake.url + "/{provider}"
        env = bench_env(Path(tmp), None)
        env.update(
            AVATAR_ENGINE="hf",
            HF_TOKEN="hf_test",
            AVATAR_HF_PROVIDER="replicate",
            HF_ENDPOINT=fake.url,
            AVATAR_GENERATION_LEASE="3",
            AVATAR_USER_CONCURRENCY="100",
            AVATAR_USER_QUEUE="100",
            DATABASE_URL=app.db.url,  # type: ignore[attr-defined]
        )
        from avatar_core.bootstrap import bootstrap
        from avatar_core.config import load_settings

        routed = bootstrap(load_settings(env, dotenv_path=None))
        names = make_users(app, "restart", 10)
        ids = open_jobs(routed, names, jobs)
        log = (Path(tmp) / "worker.log").open("wb")
        first = subprocess.Popen(
            [sys.executable, str(CHILD), fake.url, "--slots", str(jobs + 4), "--poll", "0.1"],
            env=env,
            stdout=log,
            stderr=subprocess.DEVNULL,
        )  # noqa: S603

        def waiting() -> int:
            return len([p for p in fake.predictions.values() if p.status in ("starting", "processing")])

        try:
            wait_for(
                f"{jobs} predictions waiting",
                lambda: waiting() == jobs and statuses(app, ids).get("running") == jobs,
                120,
                Path(tmp) / "worker.log",
            )
            time.sleep(2)  # every job has committed its prediction's id and polls it
        finally:  # the kill -9 under test (or, on a timeout, no worker left behind)
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        killed = time.monotonic()
        for prediction in list(fake.predictions.values()):
            prediction.polls_left = 0  # the provider finishes them all meanwhile
        second = subprocess.Popen(
            [sys.executable, str(CHILD), fake.url, "--slots", str(jobs + 4), "--poll", "0.1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # noqa: S603
        try:
            wait_for(
                "the takeover",
                lambda: statuses(app, ids).get("completed", 0) + statuses(app, ids).get("failed", 0) == jobs,
                120,
            )
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(60)
        took = time.monotonic() - killed
        posts = len([r for r in fake.inference_calls() if r.path.endswith("/predictions")])
        routed.close()
    done = statuses(app, ids)
    lost, extra = jobs - done.get("completed", 0), posts - jobs
    return [
        jobs,
        f"{took:.1f}",
        done.get("completed", 0),
        f"**{lost}**{' ✅' if lost == 0 else ' ❌'}",
        f"**{extra}**{' ✅' if extra == 0 else ' ❌'}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=500, help="jobs in flight in part A (500)")
    parser.add_argument("--latency", type=float, default=30.0, help="provider seconds in part A (30)")
    parser.add_argument("--window", type=float, default=10.0, help="seconds measured in part A (10)")
    parser.add_argument("--restart-jobs", type=int, default=50, help="jobs in flight in part B (50)")
    args = parser.parse_args()
    allow_loopback_hf()
    from _common import fake_hf

    with tempfile.TemporaryDirectory() as tmp, fake_hf(args.latency) as fake:
        env = bench_env(Path(tmp), fake.url)  # type: ignore[attr-defined]
        env["AVATAR_USER_QUEUE"] = "1000"
        app = bench_app(env)
        a = in_flight(fake.url, app, args.jobs, args.latency, args.window)  # type: ignore[attr-defined]
        b = restart(app, args.restart_jobs)
        app.close()  # type: ignore[attr-defined]
    report(
        "11. The job queue: a worker with hundreds in flight; a restart during paid jobs",
        table(
            [
                "jobs in flight",
                "L s",
                "queued and all running after s",
                "worker RSS MB (idle → in flight)",
                "KB per job in flight",
                "threads",
                "CPU ms/s while waiting",
            ],
            [a],
        )
        + "\n\n"
        + table(
            ["paid jobs in flight", "all settled s after the kill", "completed", "lost", "extra submissions"],
            [b],
        ),
        "A: `avatar-creator worker` child, SQLite, base-URL route held L s by the FakeHF; a thread per "
        "job (the heartbeat renews every lease in one transaction). B: Replicate route, kill -9 while "
        "every job waits on its prediction, lease 3 s, a second worker resumes them by their ids.",
    )


if __name__ == "__main__":
    main()
