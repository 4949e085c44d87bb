"""The job queue on SQLite and PostgreSQL: claims, leases, fencing, takeover, poison, fairness, cancel.

Each takeover case stands for a worker killed at one step (the subprocess kill -9 matrix is in
tests/load/test_jobs_kill.py); here the dead worker's claim is simply left to expire.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from avatar_core.bootstrap import App
from avatar_core.domain.errors import ValidationError
from avatar_core.engines.base import Plan, RenderRequest, RenderResult, RouteTarget
from avatar_core.engines.hf import HFEngine
from avatar_core.engines.offline.engine import LocalEngine
from avatar_core.infra.models import Generation, Job, utcnow
from avatar_core.jobs.queue import Claim, LostLease
from avatar_core.jobs.worker import JobHooks
from avatar_core.services.auth import UserInfo
from avatar_core.services.generation import GenerationRequest
from avatar_core.services.generation_jobs import CANCELLED, INTERRUPTED, POISON
from tests.conftest import make_app
from tests.integration.test_generation import assert_ledger_ok, ledger_types, new_user


class Recording:
    """Implements `Engine` (the offline painter's images) and records each render's resume value;
    with `gate`, every render waits until the test sets it."""

    name, offline = "recording", True

    def __init__(self, gate: threading.Event | None = None) -> None:
        self.inner, self.gate = LocalEngine(), gate
        self.renders: list[str | None] = []
        self.started = threading.Event()

    def plan(self, target: RouteTarget) -> Plan:
        return self.inner.plan(target)

    def render(self, request: RenderRequest, *, deadline: float) -> RenderResult:
        self.renders.append(request.resume)
        self.started.set()
        if self.gate is not None:
            self.gate.wait(30)
        return self.inner.render(request, deadline=deadline)


@pytest.fixture
def engine() -> Recording:
    return Recording()


@pytest.fixture
def japp(tmp_path: Path, database_url: str, engine: Recording) -> Iterator[App]:
    instance = make_app(tmp_path, database_url, engine_impl=engine, user_concurrency=2)
    yield instance
    instance.close()


def queued(app: App, user: UserInfo, count: int = 1) -> list[int]:
    """`count` images reserved and queued for `user` (nothing runs them yet)."""
    s = app.generations
    requests = [GenerationRequest(prompt=f"a lighthouse {i}", seed=i) for i in range(count)]
    return [a.gen_id for a in s.open(user, requests).attempts]


def claim(app: App) -> Claim:
    got = app.generations.queue.claim()
    assert got is not None
    return got


def expire(app: App, claim: Claim) -> None:
    """The claim's worker died: nobody renews its lease, which runs out."""
    with app.db.transaction() as session:
        session.execute(
            update(Job).where(Job.id == claim.job_id).values(lease_until=utcnow() - timedelta(seconds=1))
        )


def generation(app: App, gen_id: int) -> Generation:
    with app.db.read() as session:
        gen = session.get(Generation, gen_id)
        assert gen is not None
        return gen


def test_a_job_row_is_queued_with_its_reserve_and_run_by_a_claim(japp: App, engine: Recording) -> None:
    user = new_user(japp, "free", 24)
    [gen_id] = queued(japp, user)
    with japp.db.read() as session:
        job = session.scalars(select(Job).where(Job.generation_id == gen_id)).one()
        assert (job.status, job.fence, job.attempts) == ("queued", 0, 0)
    assert generation(japp, gen_id).status == "queued"
    assert ledger_types(japp, user.id) == ["grant", "reserve"]
    assert japp.generations.queue.position(gen_id) == 0
    got = claim(japp)
    assert (got.generation_id, got.fence, got.attempts) == (gen_id, 1, 1)
    assert generation(japp, gen_id).status == "running"
    result = japp.generations.runner.run(got)
    assert result is not None and result.status == "completed"
    assert engine.renders == [None]
    assert japp.generations.queue.state(gen_id) == ("done", "")
    assert japp.generations.queue.claim() is None
    assert_ledger_ok(japp)


def test_a_takeover_resumes_the_committed_provider_request_instead_of_sending_again(
    japp: App, engine: Recording
) -> None:
    user = new_user(japp, "free", 24)
    [gen_id] = queued(japp, user)
    first = claim(japp)
    JobHooks(japp.generations.queue, first).submitting()
    JobHooks(japp.generations.queue, first).submitted('{"route": "replicate", "get": "x"}')
    expire(japp, first)  # killed while waiting on the provider
    second = claim(japp)
    assert (second.fence, second.attempts, second.stage) == (2, 2, "waiting")
    with pytest.raises(LostLease):  # the dead worker's claim can write nothing any more
        japp.generations.queue.mark(first, "storing")
    result = japp.generations.runner.run(second)
    assert result is not None and result.status == "completed"
    assert engine.renders == ['{"route": "replicate", "get": "x"}']  # waited on, never sent again
    assert ledger_types(japp, user.id) == ["grant", "reserve", "capture"]
    assert_ledger_ok(japp)


def test_a_takeover_refunds_a_request_sent_without_a_committed_id(japp: App, engine: Recording) -> None:
    user = new_user(japp, "free", 24)
    [gen_id] = queued(japp, user)
    first = claim(japp)
    JobHooks(japp.generations.queue, first).submitting()  # killed after sending, before the id
    expire(japp, first)
    result = japp.generations.runner.run(claim(japp))
    assert result is not None and result.status == "failed" and result.error == INTERRUPTED
    assert engine.renders == []  # nobody can resume it: refunded, not sent a second time
    assert ledger_types(japp, user.id) == ["grant", "reserve", "release"]
    assert japp.accounts.get(user.id).balance == 24
    assert japp.generations.queue.claim() is None
    assert_ledger_ok(japp)


def test_a_takeover_before_anything_was_sent_runs_it(japp: App, engine: Recording) -> None:
    user = new_user(japp, "free", 24)
    queued(japp, user)
    expire(japp, claim(japp))  # killed before submitting: nothing was paid
    result = japp.generations.runner.run(claim(japp))
    assert result is not None and result.status == "completed"
    assert engine.renders == [None]
    assert ledger_types(japp, user.id).count("capture") == 1


def test_a_job_that_kills_its_worker_again_and_again_is_failed_and_refunded(
    japp: App, engine: Recording
) -> None:
    user = new_user(japp, "free", 24)
    [gen_id] = queued(japp, user)
    for _ in range(japp.generations.queue.max_attempts):
        expire(japp, claim(japp))
    result = japp.generations.runner.run(claim(japp))
    assert result is not None and result.status == "failed" and result.error == POISON
    assert engine.renders == []
    assert ledger_types(japp, user.id) == ["grant", "reserve", "release"]
    assert japp.generations.queue.state(gen_id) == ("failed", "")


def test_claims_go_round_robin_between_users_and_respect_the_per_user_cap(japp: App) -> None:
    alice, bob = new_user(japp, "free", 100), new_user(japp, "free", 100)
    a = queued(japp, alice, 4)  # alice's batch of 4 first
    b = queued(japp, bob, 1)
    order = [claim(japp).generation_id for _ in range(3)]
    assert order == [a[0], b[0], a[1]]  # bob is not held back behind alice's batch
    assert japp.generations.queue.claim() is None  # alice is at AVATAR_USER_CONCURRENCY (2)
    assert japp.generations.queue.position(a[2]) == 0


def test_a_higher_tier_priority_is_claimed_first(tmp_path: Path, database_url: str) -> None:
    app = make_app(tmp_path, database_url, tier_priority={"pro": 1})
    free, pro = new_user(app, "free", 100), new_user(app, "pro", 100)
    first = queued(app, free)
    later = queued(app, pro)
    assert app.generations.queue.position(later[0]) == 0 and app.generations.queue.position(first[0]) == 1
    assert claim(app).generation_id == later[0]
    app.close()


def test_cancel_a_queued_job_refunds_it_and_nothing_runs(japp: App, engine: Recording) -> None:
    user = new_user(japp, "free", 24)
    [gen_id] = queued(japp, user)
    result = japp.generations.cancel(user, gen_id)
    assert result.status == "failed" and result.error == CANCELLED and result.balance == 24
    assert japp.generations.queue.claim() is None
    with pytest.raises(ValidationError, match="already finished"):
        japp.generations.cancel(user, gen_id)
    assert ledger_types(japp, user.id) == ["grant", "reserve", "release"]
    assert_ledger_ok(japp)


def test_cancel_while_running_refunds_at_once_and_the_worker_writes_nothing(
    tmp_path: Path, database_url: str
) -> None:
    gate = threading.Event()
    engine = Recording(gate)
    app = make_app(tmp_path, database_url, engine_impl=engine)
    user = new_user(app, "free", 24)
    [gen_id] = queued(app, user)
    worker = app.generations.start_worker(slots=2, poll=0.05)
    assert engine.started.wait(10)
    assert app.generations.cancel(user, gen_id).status == "failed"
    assert app.accounts.get(user.id).balance == 24  # refunded now, not when the provider answers
    gate.set()  # the provider answers after the cancel
    assert worker.stop(drain=True, timeout=10)
    gen = generation(app, gen_id)
    assert (gen.status, gen.error, gen.image_path) == ("failed", CANCELLED, None)
    assert not [p for p in tmp_path.rglob(f"gen-{gen_id}*") if p.is_file()]  # its image was deleted
    assert ledger_types(app, user.id) == ["grant", "reserve", "release"]
    assert_ledger_ok(app)
    app.close()


def test_two_workers_racing_for_one_job_run_it_once(japp: App, engine: Recording) -> None:
    user = new_user(japp, "free", 24)
    queued(japp, user)
    got: list[Claim | None] = []
    barrier = threading.Barrier(4)

    def race() -> None:
        barrier.wait()
        got.append(japp.generations.queue.claim())

    threads = [threading.Thread(target=race) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len([c for c in got if c is not None]) == 1


def test_a_worker_drains_on_stop_and_its_heartbeat_keeps_the_lease(tmp_path: Path, database_url: str) -> None:
    gate = threading.Event()
    engine = Recording(gate)
    app = make_app(tmp_path, database_url, engine_impl=engine, generation_lease=0.6)
    user = new_user(app, "free", 24)
    [gen_id] = queued(app, user)
    worker = app.generations.start_worker(slots=1, poll=0.05)
    assert engine.started.wait(10)
    threading.Event().wait(1.5)  # > 2 leases: renewed, so no other claim can take it
    assert app.generations.queue.claim() is None
    assert not worker.stop(drain=True, timeout=0.2)  # still running: SIGTERM waits for it
    threading.Event().wait(1.5)  # draining for > 2 leases: still renewed, nobody takes it over
    assert app.generations.queue.claim() is None
    gate.set()
    assert worker.stop(drain=True, timeout=10)
    assert generation(app, gen_id).status == "completed"
    assert engine.renders == [None]
    app.close()


def test_cancel_while_waiting_on_replicate_cancels_the_prediction_there(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.fakes.fake_hf import Reply
    from tests.fakes.hf_env import FAKE_TOKEN, fake_hub

    with fake_hub(monkeypatch, Reply.starting(polls=100_000)) as fake:
        engine = HFEngine(token=FAKE_TOKEN, provider="replicate", timeout=5.0, poll_interval=0.1)
        app = make_app(tmp_path, database_url, engine_impl=engine, generation_lease=0.6)
        try:
            user = new_user(app, "free", 24)
            [gen_id] = queued(app, user)
            worker = app.generations.start_worker(slots=2, poll=0.05)
            stop = time.monotonic() + 15
            while app.generations.queue.state(gen_id) != ("running", "waiting") and time.monotonic() < stop:
                time.sleep(0.05)
            assert app.generations.queue.state(gen_id) == ("running", "waiting")  # its id is committed
            app.generations.cancel(user, gen_id)
            assert app.accounts.get(user.id).balance == 24
            while not fake.canceled and time.monotonic() < stop:
                time.sleep(0.05)  # the worker hears it at its next heartbeat (lease / 3)
            assert fake.canceled == list(fake.predictions)  # stopped at the provider: not billed on
            assert worker.stop(drain=True, timeout=10)
            assert len([r for r in fake.inference_calls() if r.path.endswith("/predictions")]) == 1
            assert generation(app, gen_id).status == "failed"
            assert ledger_types(app, user.id) == ["grant", "reserve", "release"]
        finally:
            app.close()


class Paid(Recording):
    """Implements `Engine`: as Recording, but its images are a provider's (billed), not previews."""

    def render(self, request: RenderRequest, *, deadline: float) -> RenderResult:
        return replace(super().render(request, deadline=deadline), offline=False)


def test_an_image_that_arrives_after_a_cancel_is_deleted_and_its_cost_recorded(
    tmp_path: Path, database_url: str
) -> None:
    gate = threading.Event()
    engine = Paid(gate)
    app = make_app(tmp_path, database_url, engine_impl=engine)
    user = new_user(app, "free", 24)
    [gen_id] = queued(app, user)
    worker = app.generations.start_worker(slots=2, poll=0.05)
    assert engine.started.wait(10)
    app.generations.cancel(user, gen_id)
    gate.set()  # the provider finishes (and bills) after the cancel
    assert worker.stop(drain=True, timeout=10)
    gen = generation(app, gen_id)
    model = next(m for m in app.catalog.models() if m.model_key == gen.model_key)
    assert (gen.status, gen.image_path, gen.credits_charged) == ("failed", None, 0)
    assert gen.cost_usd == model.cost_usd > 0  # what the provider charged us is still on record
    assert not [p for p in tmp_path.rglob(f"gen-{gen_id}*") if p.is_file()]
    assert ledger_types(app, user.id) == ["grant", "reserve", "release"]
    app.close()


def test_a_web_process_without_a_worker_leaves_its_jobs_to_the_workers(japp: App, engine: Recording) -> None:
    user = new_user(japp, "free", 24)
    japp.generations.elsewhere = True  # AVATAR_WORKER_SLOTS=0: only `avatar-creator worker` runs jobs
    gen_id = japp.generations.submit(user, GenerationRequest(prompt="a lighthouse keeper"))
    time.sleep(0.3)
    assert japp.generations.worker is None and japp.generations.queue.state(gen_id) == ("queued", "")
    worker = japp.generations.start_worker(slots=2, poll=0.05)  # a worker process, say
    result = japp.generations.result(user.id, gen_id, within=10)
    assert result.status == "completed" and engine.renders == [None]
    assert worker.stop(drain=True, timeout=5)


def test_a_closed_app_claims_no_more_jobs(tmp_path: Path, database_url: str) -> None:
    """Found in the full suite: a submit starts a worker (it idles 60 s before it stops); the app
    was closed, and that worker went on claiming jobs of the next app on the same database, storing
    their images in the closed app's directory: the new app's avatar had no file (404)."""
    first = make_app(tmp_path / "first", database_url)
    person = new_user(first)
    first.generations.submit(person, GenerationRequest(prompt="the first app's"))
    assert first.generations.worker is not None  # started by the submit
    first.generations.wait_for(person.id, first.generations.in_progress(person.id))
    first.close()
    second = make_app(tmp_path / "second", database_url)
    second.generations.elsewhere = True  # its own worker comes later: who claims meanwhile?
    try:
        gen_id = second.generations.submit(person, GenerationRequest(prompt="the second app's"))
        time.sleep(1.5)  # the first app's worker polled every 0.2 s
        assert second.generations.in_progress(person.id) == [gen_id]  # nobody ran it
        second.generations.elsewhere = False
        second.generations.ensure_worker()
        (done,) = second.generations.wait_for(person.id, [gen_id])
        assert done.ok and second.gallery.image(person.id, gen_id).startswith(b"\x89PNG")
    finally:
        second.close()
