"""The REST API's jobs: 202 with the job, follow it, wait for it, cancel it; never charged twice."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from avatar_core.web.api.jobs import MAX_WAIT, wanted_wait
from tests.conftest import fresh_database_url
from tests.e2e.slow_engine import GatedEngine
from tests.web.server import LiveServer, serve, with_admin
from tests.web.test_api import api, user

pytestmark = pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword).*")


@pytest.fixture(scope="module")
def gated() -> GatedEngine:
    return GatedEngine(hold="HOLD")


@pytest.fixture(scope="module")
def live(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path, gated: GatedEngine
) -> Iterator[LiveServer]:
    tmp_path = tmp_path_factory.mktemp("api-jobs")
    url = fresh_database_url("sqlite", tmp_path, sqlite_template, None)
    app = with_admin(tmp_path, url, engine_impl=gated, api_rate_per_minute=500)
    try:
        with serve(app) as server:
            yield server
    finally:
        app.close()


def generate(client: httpx.Client, prompt: str, **headers: str) -> httpx.Response:
    project = client.get("/projects").json()[0]["id"]
    return client.post(f"/projects/{project}/avatars/generate", json={"prompt": prompt}, headers=headers)


def follow(client: httpx.Client, url: str, seconds: float = 20) -> httpx.Response:
    """GET the job until it is no longer 202."""
    stop = time.monotonic() + seconds
    while True:
        r = client.get(url.removeprefix("/api/v1"))
        if r.status_code != 202 or time.monotonic() > stop:
            return r
        time.sleep(0.05)


def test_generate_answers_202_with_the_job_and_its_location(live: LiveServer) -> None:
    _uid, token = user(live)
    with api(live, token) as c:
        r = generate(c, "a lighthouse keeper")
        assert r.status_code == 202, r.text
        job = r.json()
        assert r.headers["location"] == job["url"] == f"/api/v1/generations/{job['id']}"
        assert job["status"] in ("queued", "running") and job["cancel_url"].endswith("/cancel")
        done = follow(c, job["url"])
        assert done.status_code == 200 and done.json()["status"] == "completed"
        waited = c.get(job["url"].removeprefix("/api/v1"), headers={"Prefer": "wait=20"})
        assert waited.status_code == 200 and waited.headers["preference-applied"] == "wait=20"
        assert done.json()["image_url"] == f"/api/v1/avatars/{job['id']}/image"
        assert c.get(done.json()["image_url"].removeprefix("/api/v1")).status_code == 200


def test_prefer_wait_answers_the_finished_avatar(live: LiveServer) -> None:
    uid, token = user(live, total=100)
    with api(live, token) as c:
        r = generate(c, "a lighthouse keeper", Prefer="wait=30")
        assert r.status_code == 201 and r.json()["status"] == "completed"
        assert r.headers["preference-applied"] == "wait=30"
        assert r.json()["balance"] == live.app.accounts.get(uid).balance < 100


def test_a_held_job_is_202_after_its_wait_then_cancelled_and_refunded(
    live: LiveServer, gated: GatedEngine
) -> None:
    uid, token = user(live, total=100)
    gated.gate.clear()
    with api(live, token) as c:
        r = generate(c, "HOLD a lighthouse keeper", Prefer="wait=1")
        assert r.status_code == 202 and r.json()["status"] == "running"
        assert live.app.accounts.get(uid).balance < 100  # reserved
        cancelled = c.post(r.json()["cancel_url"].removeprefix("/api/v1"))
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "failed"
        assert "Cancelled" in cancelled.json()["error"]
        assert live.app.accounts.get(uid).balance == 100  # refunded at once
        again = c.post(r.json()["cancel_url"].removeprefix("/api/v1"))
        assert again.status_code == 422 and "already finished" in again.json()["error"]["message"]
        gated.gate.set()
        final = follow(c, r.json()["url"])
        assert final.status_code == 502 and "Cancelled" in final.json()["error"]["message"]
    assert live.app.accounts.get(uid).balance == 100


def test_an_idempotent_retry_follows_the_same_job(live: LiveServer, gated: GatedEngine) -> None:
    uid, token = user(live, total=100)
    gated.gate.set()
    with api(live, token) as c:
        first = generate(c, "a lighthouse keeper", **{"Idempotency-Key": "job-key-1"})
        second = generate(c, "a lighthouse keeper", **{"Idempotency-Key": "job-key-1", "Prefer": "wait=20"})
        assert first.status_code == 202 and second.status_code == 201
        assert second.json()["generation_id"] == first.json()["id"]
    spent = 100 - live.app.accounts.get(uid).balance
    assert spent == second.json()["credits_charged"] > 0  # one charge


def test_another_user_cannot_follow_or_cancel_a_job(live: LiveServer, gated: GatedEngine) -> None:
    gated.gate.set()
    _a, alice = user(live)
    _b, bob = user(live)
    with api(live, alice) as a, api(live, bob) as b:
        job = generate(a, "a lighthouse keeper").json()
        assert b.get(f"/generations/{job['id']}").status_code == 404
        assert b.post(f"/generations/{job['id']}/cancel").status_code == 404
        assert b.get("/generations/99999999999999").status_code == 404
        assert follow(a, job["url"]).status_code == 200


def test_prefer_wait_is_read_strictly_and_capped() -> None:
    assert wanted_wait(None) == 0 and wanted_wait("respond-async") == 0
    assert wanted_wait("wait=5") == 5 and wanted_wait("respond-async, wait=10") == 10
    assert wanted_wait("wait=100000") == MAX_WAIT and wanted_wait("wait=-1") == 0
    assert wanted_wait("nowait=5") == 0 and wanted_wait("wait=1e9") == 0
