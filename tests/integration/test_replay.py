"""The app against what the providers really answered (issue #21): recorded exchanges replayed.

`tests/fakes/replay.py` answers exactly huggingface_hub's recorded exchanges (hosts re-pointed)
and 404s anything else; the app goes through its real engine and huggingface_hub's provider
helpers, from the CLI (an operator adds the recorded model, then generates) and from the web app
(a signed-in user's Generate). Each run must make no unrecorded call, exactly one paid request,
store the recorded image and record the size read from it (fal's answer declares image/jpeg for a
PNG). hf-inference's only recording (2025) cannot drive a generation: its model info carries no
`inferenceProviderMapping`, and the app sells a row on a provider only where the Hub maps it; its
answer (JPEG to `Accept: image/png`) is pinned in test_recorded_shapes.py.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from avatar_core.bootstrap import App, bootstrap
from avatar_core.config import load_settings
from avatar_core.domain.models_data import SEED_MODELS
from avatar_core.infra.models import Generation
from tests.conftest import CHEAP_HASHER
from tests.fakes.hf_env import FAKE_TOKEN, clear_hub_caches, use_fake_hub
from tests.fakes.replay import Replay, load
from tests.integration.test_cli import Cli, cli, ready  # noqa: F401 - fixtures
from tests.security.test_input import call, done
from tests.web.server import serve

PROMPT = "An astronaut riding a horse on the moon."  # what every recording asked
SEEDED = [str(m["model_key"]) for m in SEED_MODELS]


@dataclass(frozen=True)
class Case:
    """One recording and the catalog row an operator adds to sell its model."""

    cassette: str
    provider: str
    model_id: str
    paid: tuple[str, str]  # (method, host) of the paid request
    download: str  # the host the image is fetched from
    size: tuple[int, int]  # what the recorded image really is
    steps: int = 28

    @property
    def key(self) -> str:
        return f"avatar-creator:replay-{self.provider}"


CASES = {
    "replicate": Case(
        "replicate-text-to-image.yaml",
        "replicate",
        "ByteDance/SDXL-Lightning",
        ("POST", "router.huggingface.co"),
        "replicate.delivery",
        (1024, 1024),
        steps=4,
    ),
    "fal-ai": Case(
        "fal-ai-text-to-image.yaml",
        "fal-ai",
        "black-forest-labs/FLUX.1-dev",
        ("POST", "router.huggingface.co"),
        "v3.fal.media",
        (1024, 768),
    ),
}


def recorded_image(replay: Replay, case: Case) -> Image.Image:
    """The image bytes the recording holds (the download, or the answer itself)."""
    (exchange,) = [e for e in replay.exchanges if e.host == case.download and e.method == "GET"]
    return Image.open(io.BytesIO(exchange.body))


def check_run(app: App, replay: Replay, case: Case, user_id: int) -> None:
    """One generation made of the recorded answer, paid once, with the recorded image."""
    assert replay.unrecorded == [], replay.unrecorded
    assert len(replay.answered(*case.paid)) == 1  # one paid request, never a second submission
    assert len(replay.answered("GET", case.download)) == 1  # one download
    assert not [h for h in replay.hits if "/predictions/" in h.path]  # no poll: the output was there
    with app.db.read() as session:
        (gen,) = session.query(Generation).filter(Generation.user_id == user_id).all()
        assert gen.status == "completed", gen.error_detail
        assert (gen.width, gen.height) == case.size  # read from the bytes, not the declared type
        assert gen.provider == case.provider
        gen_id = gen.id
    stored = Image.open(io.BytesIO(app.gallery.image(user_id, gen_id)))
    recorded = recorded_image(replay, case)
    assert stored.size == recorded.size == case.size
    assert stored.convert("RGB").tobytes() == recorded.convert("RGB").tobytes()  # the recorded pixels


@pytest.fixture
def replay_env(
    monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[tuple[Replay, Case]]:
    case = CASES[request.param]
    with Replay(load(case.cassette)) as replay:
        use_fake_hub(monkeypatch, replay.url)
        monkeypatch.setenv("AVATAR_ENGINE", "hf")
        monkeypatch.setenv("HF_TOKEN", FAKE_TOKEN)
        monkeypatch.setenv("AVATAR_HF_PROVIDER", case.provider)
        try:
            yield replay, case
        finally:
            clear_hub_caches()


def add_row(run: Cli, case: Case, *extra: str) -> None:
    """The operator sells the recorded model, and only it (each sold row is planned, i.e. its Hub
    mapping looked up, before a generation: the others' lookups were never recorded)."""
    for key in SEEDED:
        assert run("models", "disable", key).code == 0
    w, h = case.size
    added = run(
        "models", "add", case.key, "--model", case.model_id, "--tier", "basic", "--credits", "6",
        "--size", f"{w}x{h}", "--steps", str(case.steps), "--guidance", "0", *extra,
    )  # fmt: skip
    assert added.code == 0, added.out + added.err


@pytest.mark.parametrize("replay_env", list(CASES), indirect=True)
def test_the_cli_generates_from_the_recorded_answer(ready: Cli, replay_env: tuple[Replay, Case]) -> None:  # noqa: F811
    replay, case = replay_env
    add_row(ready, case)  # the operator's Hub check is answered from the recording too
    replay.hits.clear()
    out = ready("generate", "--user", "alice", "--model", case.key, "--prompt", PROMPT, "--json")
    assert out.code == 0, out.out + out.err
    result = json.loads(out.out.strip().splitlines()[-1])
    assert result["status"] == "completed" and result["credits_charged"] == 6
    app = bootstrap(load_settings(), hasher=CHEAP_HASHER)
    try:
        check_run(app, replay, case, app.accounts.by_name("alice").id)
    finally:
        app.close()


@pytest.mark.parametrize("replay_env", ["replicate", "fal-ai"], indirect=True)
def test_the_web_app_generates_from_the_recorded_answer(
    ready: Cli,  # noqa: F811
    replay_env: tuple[Replay, Case],
    tmp_path: Path,
) -> None:
    replay, case = replay_env
    add_row(ready, case)
    app = bootstrap(load_settings().with_overrides(allowed_hosts=("testserver",)), hasher=CHEAP_HASHER)
    try:
        with serve(app) as live:
            cookie = live.signup("webby")
            app.accounts.set_tier("webby", "basic")
            replay.hits.clear()
            out = done(call(live, cookie, "generate", [PROMPT, "", case.key, False, False, False, -1]))
            assert out.get("error") is None, out
            assert out["data"][3]["status"] == "completed"
            check_run(app, replay, case, app.accounts.by_name("webby").id)
    finally:
        app.close()
