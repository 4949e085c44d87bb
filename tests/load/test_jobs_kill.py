"""kill -9 of a real worker process at each step of a paid Replicate generation (SQLite and
PostgreSQL): a second worker takes the job over when the lease runs out, and every job ends
completed or refunded, one charge or one refund, and never a second paid request once the
prediction's id was committed. Also: SIGTERM drains.

The worker children are `avatar-creator worker` (tests/load/worker_child.py) over the test's
database, talking through huggingface_hub's Replicate helper to a FakeHF that answers as Replicate
was recorded answering (tests/recordings): a `Prefer: wait` POST is 201 with the output, or 202
"starting" without it; a poll of the prediction answers it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from avatar_core.bootstrap import App
from avatar_core.engines.hf import HFEngine
from avatar_core.infra.models import Generation, Job, LedgerEntry
from avatar_core.services import credits
from avatar_core.services.generation import GenerationRequest
from avatar_core.services.generation_jobs import INTERRUPTED
from tests.conftest import make_app
from tests.fakes.fake_hf import FakeHF, Reply
from tests.fakes.hf_env import FAKE_TOKEN, fake_hub
from tests.integration.test_generation import new_user
from tests.load.launcher import child_env

CHILD = Path(__file__).with_name("worker_child.py")
LEASE = "2"  # seconds (AVATAR_GENERATION_LEASE)
pytestmark = pytest.mark.slow


@dataclass
class Worker:
    """One worker child process."""

    proc: subprocess.Popen[bytes]
    log: Path

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def text(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHF]:
    with fake_hub(monkeypatch) as server:
        yield server


@pytest.fixture
def japp(tmp_path: Path, database_url: str, fake: FakeHF) -> Iterator[App]:
    """The test's own view of the database, with the engine the workers use (it only opens jobs)."""
    engine = HFEngine(token=FAKE_TOKEN, provider="replicate", timeout=5.0)
    app = make_app(tmp_path, database_url, engine_impl=engine)
    yield app
    app.close()


@pytest.fixture
def workers(tmp_path: Path, database_url: str, fake: FakeHF) -> Iterator[Callable[[], Worker]]:
    started: list[Worker] = []

    def start() -> Worker:
        n = len(started)
        env = child_env(
            tmp_path / f"worker{n}",
            database_url,
            {
                "AVATAR_ENGINE": "hf",
                "HF_TOKEN": FAKE_TOKEN,
                "AVATAR_HF_PROVIDER": "replicate",
                "HF_ENDPOINT": fake.url,
                "AVATAR_GENERATION_LEASE": LEASE,
            },
        )
        log = tmp_path / f"worker{n}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(  # noqa: S603 - our own interpreter and script
                [sys.executable, str(CHILD), fake.url], env=env, stdout=out, stderr=subprocess.STDOUT
            )
        started.append(Worker(proc, log))
        return started[-1]

    yield start
    for w in started:
        if w.proc.poll() is None:
            w.proc.kill()
            w.proc.wait(10)


def wait_for(what: str, predicate: Callable[[], object], timeout: float = 30.0) -> None:
    stop = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > stop:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def job_of(app: App, gen_id: int) -> Job:
    with app.db.read() as session:
        return session.scalars(select(Job).where(Job.generation_id == gen_id)).one()


def generation(app: App, gen_id: int) -> Generation:
    with app.db.read() as session:
        gen = session.get(Generation, gen_id)
        assert gen is not None
        return gen


def ledger(app: App, gen_id: int) -> list[str]:
    with app.db.read() as session:
        return list(
            session.scalars(
                select(LedgerEntry.type).where(LedgerEntry.generation_id == gen_id).order_by(LedgerEntry.id)
            )
        )


def posts(fake: FakeHF) -> int:
    return len([r for r in fake.inference_calls() if r.path.endswith("/predictions")])


def downloads(fake: FakeHF) -> int:
    return len([r for r in fake.requests if r.method == "GET" and r.path.startswith("/files/")])


def polls(fake: FakeHF) -> int:
    return len([r for r in fake.requests if r.method == "GET" and "/v1/predictions/" in r.path])


def finish_predictions(fake: FakeHF) -> None:
    """The provider finishes every prediction (the next poll answers it succeeded)."""
    for prediction in fake.predictions.values():
        prediction.polls_left = 0


# Each step: how to hold the provider there, how to see the worker got there, how to let go.
STEPS = {
    "before submit": (
        lambda f: setattr(f, "model_info_delay", 30.0),  # the route's mapping lookup hangs
        lambda f, a, g: job_of(a, g).status == "running" and job_of(a, g).stage == "",
        lambda f: setattr(f, "model_info_delay", 0.0),
    ),
    "after submit, before the id": (
        lambda f: setattr(f, "default", Reply.sleep(30)),  # the POST never answers
        lambda f, a, g: posts(f) == 1 and job_of(a, g).stage == "submitting",
        lambda f: setattr(f, "default", Reply.png()),
    ),
    "while waiting": (
        lambda f: setattr(f, "default", Reply.starting(polls=100_000)),  # 202 "starting", then polls
        lambda f, a, g: job_of(a, g).stage == "waiting" and polls(f) >= 1,
        finish_predictions,
    ),
    "after the provider finished, before storing": (
        lambda f: setattr(f, "download_delay", 30.0),  # 201 with the output; its download hangs
        lambda f, a, g: job_of(a, g).stage == "waiting" and downloads(f) == 1,
        lambda f: setattr(f, "download_delay", 0.0),
    ),
}


@pytest.mark.parametrize("step", list(STEPS))
def test_kill_9_of_a_worker_at_each_step(
    step: str, japp: App, fake: FakeHF, workers: Callable[[], Worker]
) -> None:
    hold, reached, release = STEPS[step]
    user = new_user(japp, "free", 24)
    [attempt] = japp.generations.open(
        user, [GenerationRequest(prompt="a lighthouse keeper", seed=5)]
    ).attempts
    gen_id, price = attempt.gen_id, attempt.selection.price
    assert attempt.selection.model.model_id == "black-forest-labs/FLUX.1-dev"
    hold(fake)
    first = workers()
    wait_for(f"the first worker to get to '{step}'\n{first.text()}", lambda: reached(fake, japp, gen_id))
    first.kill9()
    assert ledger(japp, gen_id) == ["reserve"]  # a SIGKILLed worker settled nothing
    posted = posts(fake)
    release(fake)
    second = workers()
    wait_for(
        f"the second worker to settle the job\n{second.text()}",
        lambda: generation(japp, gen_id).status in ("completed", "failed"),
    )
    gen, job = generation(japp, gen_id), job_of(japp, gen_id)
    assert job.attempts == 2 and job.fence == 2
    if step == "after submit, before the id":  # nobody can resume it: refunded, never re-sent
        assert (gen.status, gen.error) == ("failed", INTERRUPTED)
        assert ledger(japp, gen_id) == ["reserve", "release"]
        assert japp.accounts.get(user.id).balance == 24
    else:
        assert gen.status == "completed", gen.error_detail
        assert ledger(japp, gen_id) == ["reserve", "capture"]
        assert japp.accounts.get(user.id).balance == 24 - price
    assert posted == (0 if step == "before submit" else 1)  # what the killed worker had sent
    assert posts(fake) == 1  # one paid request per job, whatever step it died at
    with japp.db.read() as session:
        assert list(credits.check(session)) == []
    second.proc.send_signal(signal.SIGTERM)
    assert second.proc.wait(30) == 0, second.text()


def test_sigterm_drains_the_running_jobs(japp: App, fake: FakeHF, workers: Callable[[], Worker]) -> None:
    user = new_user(japp, "free", 24)
    fake.default = Reply.sleep(2.0, then=Reply.png())
    [attempt] = japp.generations.open(
        user, [GenerationRequest(prompt="a lighthouse keeper", seed=6)]
    ).attempts
    worker = workers()
    wait_for("the POST", lambda: posts(fake) == 1)
    worker.proc.send_signal(signal.SIGTERM)  # a deploy: the job in flight is finished first
    assert worker.proc.wait(30) == 0, worker.text()
    assert "draining 1 running job" in worker.text() and "worker: stopped\n" in worker.text()
    assert generation(japp, attempt.gen_id).status == "completed"
    assert ledger(japp, attempt.gen_id) == ["reserve", "capture"]
