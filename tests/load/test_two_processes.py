"""Two app processes on one PostgreSQL: 50 simultaneous generations, money for exactly 10."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.fake_hf import FakeHF, Reply
from tests.load.conftest import Apps
from tests.load.launcher import AppProcess, cli, hf_fake_env
from tests.load.ledger_view import user_ledger

PRICE, AFFORDABLE, REQUESTS = 8, 10, 50


def start_together(procs: list[AppProcess]) -> None:
    """Start every app at the same moment (their `init`s race on an empty schema)."""
    errors: list[BaseException] = []

    def run(proc: AppProcess) -> None:
        try:
            proc.start(timeout=120)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(p,)) for p in procs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


@pytest.mark.slow
def test_two_processes_never_oversell(
    apps: Apps, fake_hf: FakeHF, pg_schema: Callable[[], str], tmp_path: Path
) -> None:
    url = pg_schema()  # empty: both processes migrate and seed it at the same time
    fake_hf.default = Reply.sleep(0.2)
    env = hf_fake_env(
        fake_hf.url,
        AVATAR_CONCURRENCY="32",
        AVATAR_GENERATION_DEADLINE="60",
        AVATAR_USER_CONCURRENCY=str(REQUESTS),
    )  # the ledger, not the per-user cap
    procs = [
        apps.new(f"replica{i}", data_dir=tmp_path / "shared-data", database_url=url, env=env)
        for i in range(2)
    ]
    start_together(procs)

    cookie = procs[0].signup("big-spender")  # 24 welcome credits; the cookie works on both
    grant = cli(
        procs[0].env, "credits", "grant", "big-spender", str(PRICE * AFFORDABLE - 24), "--reason", "load test"
    )
    assert grant.returncode == 0, grant.stdout + grant.stderr
    assert user_ledger(url, "big-spender").balance == PRICE * AFFORDABLE

    clients = [p.client(cookie) for p in procs]
    barrier = threading.Barrier(REQUESTS)
    outcomes: list[tuple[int, str, Any]] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        client = clients[i % 2]
        barrier.wait()
        try:
            result = client.predict(prompt=f"portrait number {i}", api_name="/generate")  # type: ignore[attr-defined]
            outcome: tuple[int, str, Any] = (i % 2, "ok", result)
        except Exception as exc:  # noqa: BLE001 - every refusal is inspected below
            outcome = (i % 2, "error", str(exc))
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(REQUESTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    for c in clients:
        c.close()  # type: ignore[attr-defined]
    assert len(outcomes) == REQUESTS, "some requests never returned"

    completed = [r for _, kind, r in outcomes if kind == "ok" and r[3]["status"] == "completed"]
    refused = [r for _, kind, r in outcomes if kind == "error" and "Not enough credits" in r]
    other = [
        o
        for o in outcomes
        if not (o[1] == "ok" and o[2][3]["status"] == "completed")
        and not (o[1] == "error" and "Not enough credits" in o[2])
    ]
    assert other == [], other
    assert (len(completed), len(refused)) == (AFFORDABLE, REQUESTS - AFFORDABLE)
    assert all(r[3]["credits_charged"] == PRICE for r in completed)
    assert all(r[3]["balance"] % PRICE == 0 and r[3]["balance"] >= 0 for r in completed)
    assert Counter(p for p, _, _ in outcomes) == {0: REQUESTS // 2, 1: REQUESTS // 2}

    ledger = user_ledger(url, "big-spender")
    assert ledger.balance == 0 == ledger.total
    assert len(ledger.of_type("reserve")) == AFFORDABLE
    assert len(ledger.of_type("capture")) == AFFORDABLE
    assert ledger.of_type("release") == []
    assert [(s, c) for _, s, c, _ in ledger.generations] == [("completed", PRICE)] * AFFORDABLE
    assert len(fake_hf.inference_calls()) == AFFORDABLE
    check = cli(procs[1].env, "credits", "check")
    assert check.returncode == 0, check.stdout + check.stderr
