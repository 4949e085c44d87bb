"""The provider fault matrix through the web app: gradio_client + session cookie -> FakeHF.

The app runs in a uvicorn thread with the real HFEngine posting to the fake (endpoint route).
Retry waits are shortened (`backoff_base=0.01`); the production default base is 1 s, which would
add ~8 s per "forever" fault without testing anything more.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from avatar_core.engines.hf import HFEngine
from tests.conftest import make_app
from tests.fakes.fake_hf import FakeHF, Reply
from tests.fakes.hf_env import FAKE_TOKEN, fake_hub
from tests.load.ledger_view import user_ledger
from tests.load.pgschema import pg_schemas
from tests.web.server import LiveServer, serve

PRICE, WELCOME = 8, 24
pytestmark = [  # raised inside Gradio's queue by pandas 3, not by this app
    pytest.mark.filterwarnings("ignore:'future.no_silent_downcasting' is deprecated"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]
MODEL_PATH = "/models/black-forest-labs/FLUX.1-dev"


@dataclass(frozen=True)
class Fault:
    """A scripted provider behaviour and what the user must see."""

    script: tuple[Reply, ...]
    default: Reply | None  # replaces the fake's default (a fault that never ends)
    status: str
    calls: int
    message: str = ""


FAULTS = {
    "503-loading-then-200": Fault((Reply.loading(0.05), Reply.png()), None, "completed", 2),
    "503-then-200": Fault((Reply.status(503), Reply.png()), None, "completed", 2),
    "429-then-200": Fault((Reply.rate_limited(0), Reply.png()), None, "completed", 2),
    "truncated-then-200": Fault((Reply.truncated_png(), Reply.png()), None, "completed", 2),
    "500-forever": Fault((), Reply.status(500), "failed", 4, "not available right now"),
    "401": Fault((Reply.status(401),), None, "failed", 1, "not available right now"),
    "400": Fault((Reply.status(400),), None, "failed", 1, "refused this request"),
    "dropped-forever": Fault((), Reply.drop(), "failed", 4, "not available right now"),
    "truncated-forever": Fault((), Reply.truncated_png(), "failed", 2, "did not return a usable image"),
    "garbage-forever": Fault((), Reply.garbage(), "failed", 2, "did not return a usable image"),
}


@dataclass
class Rig:
    """A live web app over one database, with the fake provider behind it."""

    live: LiveServer
    fake: FakeHF
    database_url: str


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def rig(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[Rig]:
    """One server per database kind for the whole matrix."""
    tmp = tmp_path_factory.mktemp(f"faults-{request.param}")
    with ExitStack() as stack:
        if request.param == "sqlite":
            shutil.copy(sqlite_template, tmp / "avatar.db")
            url = f"sqlite:///{tmp / 'avatar.db'}"
        else:
            url = stack.enter_context(pg_schemas())()
        mp = stack.enter_context(pytest.MonkeyPatch.context())
        fake = stack.enter_context(fake_hub(mp))
        engine = HFEngine(
            token=FAKE_TOKEN, base_url=fake.url, timeout=10, backoff_base=0.01, max_loading_wait=1.0
        )
        app = make_app(tmp, url, engine_impl=engine)
        try:
            with serve(app) as live:
                yield Rig(live, fake, url)
        finally:
            app.close()


@pytest.mark.parametrize("name", list(FAULTS))
def test_fault_through_the_web_app(rig: Rig, name: str) -> None:
    from gradio_client import Client

    fault, fake = FAULTS[name], rig.fake
    username = f"fault-{name}"[:32]
    cookie = rig.live.signup(username)
    client = Client(
        rig.live.url,
        headers={"Cookie": f"avatar_session={cookie}"},
        verbose=False,
        analytics_enabled=False,
        download_files=False,
    )
    calls_before = len(fake.inference_calls())
    fake.script(fault.script)
    if fault.default is not None:
        fake.default = fault.default
    try:
        image, details, quote, data = client.predict(prompt="a calm sailor", api_name="/generate")
    finally:
        fake.default = Reply.png()
        with fake._lock:  # a failed case must not leave replies for the next one
            fake._script.clear()
        client.close()
    calls = fake.inference_calls()[calls_before:]
    assert len(calls) == fault.calls, [c.path for c in calls]
    assert {c.path for c in calls} == {MODEL_PATH}
    ledger = user_ledger(rig.database_url, username)
    [(gen_id, status, charged, error)] = ledger.generations
    assert data["status"] == status == fault.status, data
    assert ledger.balance == ledger.total == data["balance"]
    assert len(ledger.of_type("reserve", gen_id)) == 1
    if fault.status == "completed":
        assert charged == data["credits_charged"] == PRICE
        assert ledger.balance == WELCOME - PRICE
        assert [r[0] for r in ledger.rows] == ["grant", "reserve", "capture"]  # charged once
        assert data["image_url"] == f"/avatars/{gen_id}/image.png"
        assert "Charged **8** credits" in details and "No image" not in image
    else:
        assert charged == data["credits_charged"] == 0
        assert ledger.balance == WELCOME  # exactly restored
        assert ledger.of_type("release", gen_id) == [("release", PRICE, gen_id)]
        assert ledger.of_type("capture") == []
        assert fault.message in data["error"] and fault.message in (error or "")
        assert "Generation failed" in details and fault.message in details
        assert f"balance **{WELCOME}** credits" in details
        for leak in ("Traceback", "http://", "127.0.0.1", "HfHubHTTPError", "hf_test", "token", "licen"):
            assert leak not in details and leak not in data["error"]
    assert f"Balance: **{ledger.balance}** credits" in quote
