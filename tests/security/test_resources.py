"""Finding 6 and the per-user limit: uploads, request bodies, the queue, generations per user."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from avatar_core.domain import errors
from avatar_core.engines.base import Engine, Plan, RenderRequest, RenderResult, RouteTarget
from avatar_core.services.generation import GenerationRequest
from avatar_core.web.server import create_web_app
from tests.conftest import make_app
from tests.security.conftest import LiveFactory
from tests.web.server import PASSWORD, LiveServer, gradio_blocks

pytestmark = pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword).*")

COOKIE = "avatar_session"
MB = 1024 * 1024


class GatedEngine(Engine):
    """Implements `Engine`: renders a grey square once the test opens the gate."""

    name = "gated"
    offline = True

    def __init__(self) -> None:
        self.gate, self.entered = threading.Event(), threading.Semaphore(0)

    def plan(self, target: RouteTarget) -> Plan:
        return Plan("gated", "gated", target.width, target.height)

    def render(self, request: RenderRequest, *, deadline: float) -> RenderResult:
        self.entered.release()
        self.gate.wait(10)
        return RenderResult(Image.new("RGB", (64, 64), "grey"), "gated", request.model_id)


def test_upload_over_the_limit_is_refused(live_factory: LiveFactory) -> None:
    live = live_factory(max_upload_mb=1)
    cookie = live.signup("uploader")
    with live.client(cookies={COOKIE: cookie}) as c:
        r = c.post("/gradio_api/upload", files={"files": ("big.bin", b"x" * (2 * MB))})
        assert r.status_code == 413
        assert not list((live.app.settings.data_dir).rglob("big.bin"))

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
            yield b'--b\r\nContent-Disposition: form-data; name="files"; filename="a"\r\n\r\n'
            for _ in range(3):
                yield b"y" * MB
            yield b"\r\n--b--\r\n"

        r = c.post(
            "/gradio_api/upload",
            content=chunks(),
            headers={"Content-Type": "multipart/form-data; boundary=b"},
        )
        assert r.status_code == 413
        small = c.post("/gradio_api/upload", files={"files": ("s.txt", b"ok")})
        assert small.status_code == 200


def test_request_bodies_are_bounded(live: LiveServer) -> None:
    with live.client() as c:
        r = c.post("/login", data={"username": "x", "password": "p" * (2 * MB)})
        assert r.status_code == 413
        r = c.post(
            "/gradio_api/queue/join", content=b"{" * (2 * MB), headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 413


def test_queue_size_cache_cleaning_upload_limit_and_queue_polls_are_set(
    tmp_path: Path, sqlite_url: str
) -> None:
    from avatar_core.web.server import QUEUE_PROGRESS_POLL_S, QUEUE_START_POLL_S

    app = make_app(tmp_path, sqlite_url, queue_max_size=17, max_upload_mb=3)
    try:
        web = create_web_app(app)
        blocks = gradio_blocks(web)
        assert blocks._queue.max_size == 17
        assert blocks.max_file_size == 3 * MB
        assert blocks.delete_cache and blocks.delete_cache[1] <= 24 * 3600
        # Gradio's 1 ms / 10 ms polling loops slowed down (fails if a Gradio upgrade renames them)
        assert blocks._queue.sleep_when_free == QUEUE_START_POLL_S == 0.01
        assert blocks._queue.progress_update_sleep_when_free == QUEUE_PROGRESS_POLL_S == 0.1
    finally:
        app.close()


def test_one_user_gets_at_most_n_generations_at_once(tmp_path: Path, database_url: str) -> None:
    TooBusy = errors.TooBusy  # noqa: N806 - new in #9 (looked up here for the old-code replay)
    engine = GatedEngine()
    app = make_app(tmp_path, database_url, engine_impl=engine, user_concurrency=2, user_queue=2)
    try:
        user = app.accounts.register("busy", PASSWORD)
        app.accounts.register("other", PASSWORD)
        results: list[object] = []

        def run() -> None:
            try:
                results.append(app.generations.generate(user, GenerationRequest(prompt="a face")))
            except TooBusy as err:
                results.append(err)

        threads = [threading.Thread(target=run) for _ in range(5)]
        for t in threads:
            t.start()
        for _ in range(2):
            assert engine.entered.acquire(timeout=10)
        with pytest.raises(TooBusy, match="Nothing was charged"):
            app.generations.generate(app.accounts.get(user.id), GenerationRequest(prompt="more"))
        deadline = time.monotonic() + 10
        while len(results) < 3 and time.monotonic() < deadline:  # the other three are refused
            time.sleep(0.01)
        assert len(results) == 3 and all(isinstance(r, TooBusy) for r in results)
        assert app.accounts.get(user.id).balance == 24 - 2 * 8  # only the two running are held
        engine.gate.set()  # others are unaffected by busy's limit; let everything finish
        other = app.accounts.by_name("other")
        assert app.generations.generate(other, GenerationRequest(prompt="x")).ok
        for t in threads:
            t.join(10)
        refused = [r for r in results if isinstance(r, TooBusy)]
        assert len(refused) == 3 and len(results) == 5
        assert app.accounts.get(user.id).balance == 24 - 2 * 8
    finally:
        engine.gate.set()
        app.close()


def test_too_busy_is_a_clear_message_in_the_ui(live_factory: LiveFactory) -> None:
    live = live_factory(user_concurrency=1, user_queue=1)
    cookie = live.signup("one-at-a-time")
    user = live.app.accounts.by_name("one-at-a-time")
    from avatar_core.infra.models import Generation

    with live.app.db.transaction() as session:  # a generation still running on another replica
        session.add(
            Generation(
                user_id=user.id,
                status="running",
                model_key="k",
                model_id="m",
                seed=1,
                width=1,
                height=1,
                steps=1,
                guidance_scale=0,
                price=8,
            )
        )
    from gradio_client import Client

    client = Client(live.url, headers={"Cookie": f"{COOKIE}={cookie}"}, verbose=False)
    with pytest.raises(Exception, match="in progress"):
        client.predict(prompt="a face", api_name="/generate")
    assert live.app.accounts.get(user.id).balance == 24
    httpx.get(live.url + "/healthz")
