"""kill -9 the app while a generation waits on the provider: a restart refunds it exactly once."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.fakes.fake_hf import FakeHF, Reply
from tests.load.conftest import Apps
from tests.load.launcher import cli, hf_fake_env
from tests.load.ledger_view import UserLedger, user_ledger

PRICE = 8  # the free tier's default model, FLUX.1-dev Base
LEASE = 3  # seconds (AVATAR_GENERATION_LEASE): the default 30 would only make the test wait longer
WELCOME = 24


def wait_for(predicate: Callable[[], object], timeout: float, what: str) -> None:
    """Poll until `predicate()` is truthy."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


@pytest.fixture(params=["sqlite", "postgresql"])
def crash_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL the apps migrate themselves: a SQLite file or an empty PG schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'avatar_creator.db'}"
    return str(request.getfixturevalue("pg_schema")())


@pytest.mark.slow
def test_kill_9_during_generation_is_refunded_exactly_once(
    apps: Apps, fake_hf: FakeHF, crash_db: str, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    fake_hf.default = Reply.sleep(60)  # the provider never answers while the first app lives
    first = apps.new(
        "first",
        data_dir=data_dir,
        database_url=crash_db,
        env=hf_fake_env(fake_hf.url, AVATAR_GENERATION_DEADLINE="120", AVATAR_GENERATION_LEASE=str(LEASE)),
    ).start()
    cookie = first.signup("crash-victim")
    client = first.client(cookie)
    client.submit(prompt="a lighthouse keeper, oil painting", api_name="/generate")  # type: ignore[attr-defined]
    wait_for(lambda: fake_hf.inference_calls(), 60, "the inference POST to reach the fake")
    assert fake_hf.inference_calls()[0].path == "/models/black-forest-labs/FLUX.1-dev"

    before = user_ledger(crash_db, "crash-victim")
    [(gen_id, status, _, _)] = before.generations
    assert status == "running"
    assert [r[0] for r in before.rows] == ["grant", "reserve"]
    assert before.of_type("reserve", gen_id) == [("reserve", -PRICE, gen_id)]
    assert before.balance == WELCOME - PRICE

    first.kill()  # SIGKILL: no handler, no finally, no refund
    client.close()  # type: ignore[attr-defined]
    crashed = user_ledger(crash_db, "crash-victim")
    assert crashed == before, "a SIGKILLed app cannot have settled anything"

    # Restart with the same 120 s deadline: the dead process's lease runs out LEASE s after the
    # kill and the new process's sweeper (every LEASE / 3 s) refunds it, long before the deadline
    # (before leases it waited for deadline + 1 min: 456 s in the run).
    restart_env = hf_fake_env(
        fake_hf.url, AVATAR_GENERATION_DEADLINE="120", AVATAR_GENERATION_LEASE=str(LEASE)
    )
    second = apps.new("second", data_dir=data_dir, database_url=crash_db, env=restart_env)
    second.start()
    wait_for(
        lambda: user_ledger(crash_db, "crash-victim").generations[0][1] != "running",
        60,
        "the restart to refund the interrupted generation within a minute",
    )
    after = user_ledger(crash_db, "crash-victim")
    assert_refunded_once(after, gen_id)
    check = cli(second.env, "credits", "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "ledger OK" in check.stdout

    # A second crash and restart: the recovery finds nothing left to refund.
    second.kill()
    third = apps.new("third", data_dir=data_dir, database_url=crash_db, env=restart_env).start()
    time.sleep(0.5)
    assert user_ledger(crash_db, "crash-victim") == after
    assert cli(third.env, "credits", "check").returncode == 0

    # The session survived three processes (shared secret key), and the app still works.
    fake_hf.default = Reply.png()
    result = third.client(cookie).predict(prompt="a lighthouse keeper", api_name="/generate")  # type: ignore[attr-defined]
    assert result[3]["status"] == "completed", result
    final = user_ledger(crash_db, "crash-victim")
    assert final.balance == WELCOME - PRICE == final.total
    assert len(final.of_type("release", gen_id)) == 1


def assert_refunded_once(ledger: UserLedger, gen_id: int) -> None:
    """The interrupted generation is failed, released exactly once, and the money is back."""
    [(got_id, status, charged, error)] = ledger.generations
    assert (got_id, status, charged) == (gen_id, "failed", 0)
    assert error and "interrupted" in error and "refunded" in error
    assert ledger.of_type("release", gen_id) == [("release", PRICE, gen_id)]
    assert ledger.of_type("capture") == []
    assert ledger.balance == WELCOME == ledger.total


@pytest.mark.slow
def test_sigterm_of_the_web_process_finishes_the_job_it_runs(
    apps: Apps, fake_hf: FakeHF, tmp_path: Path
) -> None:
    """A deploy stops app.py with SIGTERM while a REST job (202, nobody waiting on it) is at the
    provider: the process's own worker finishes it (drains) instead of dying with the process."""
    db = f"sqlite:///{tmp_path / 'data' / 'avatar_creator.db'}"
    fake_hf.default = Reply.sleep(3.0, then=Reply.png())
    app = apps.new("web", data_dir=tmp_path / "data", database_url=db, env=hf_fake_env(fake_hf.url)).start()
    app.signup("deployed")
    token = cli(app.env, "tokens", "create", "deployed").stdout.strip().splitlines()[-1]
    with httpx.Client(base_url=app.url + "/api/v1", headers={"Authorization": f"Bearer {token}"}) as api:
        project = api.get("/projects").json()[0]["id"]
        queued = api.post(f"/projects/{project}/avatars/generate", json={"prompt": "a lighthouse keeper"})
    assert queued.status_code == 202, queued.text
    wait_for(lambda: fake_hf.inference_calls(), 60, "the inference POST to reach the fake")
    app.terminate(grace=30)  # SIGTERM, as a deploy or a Spaces restart sends
    ledger = user_ledger(db, "deployed")
    [(gen_id, status, charged, _)] = ledger.generations
    assert (status, charged) == ("completed", PRICE), app.log_tail()
    assert ledger.of_type("capture", gen_id) and not ledger.of_type("release")
    assert len(fake_hf.inference_calls()) == 1
