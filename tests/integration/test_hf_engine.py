"""HFEngine with the real InferenceClient against a fake Hugging Face on 127.0.0.1."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import httpx2
import pytest
from huggingface_hub import constants
from huggingface_hub.errors import InferenceTimeoutError
from PIL import UnidentifiedImageError

from avatar_core.engines.base import EngineError, RenderRequest
from avatar_core.engines.hf import BadImageError, HFEngine
from tests.fakes.fake_hf import FakeHF, Recorded, Reply
from tests.fakes.hf_env import FAKE_TOKEN, fake_hub

DEV, SCHNELL, REALISM = (
    "black-forest-labs/FLUX.1-dev",
    "black-forest-labs/FLUX.1-schnell",
    "XLabs-AI/flux-RealismLora",
)
CATALOG = {
    "dev-base": RenderRequest("portrait of a fox", 512, 512, 28, 3.5, 11, DEV),
    "dev-realism": RenderRequest(
        "portrait of a fox", 768, 768, 30, 3.5, 12, DEV, lora_model=REALISM, lora_scale=0.9
    ),
    "dev-hd-realism": RenderRequest(
        "portrait", 1024, 1024, 35, 3.5, 13, DEV, lora_model=REALISM, lora_scale=0.9
    ),
    "schnell-fast": RenderRequest("portrait of a fox", 512, 512, 4, 0.0, 14, SCHNELL),
}
SMALL = RenderRequest("a cat", 64, 64, 28, 3.5, 7, DEV)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHF]:
    """A fake Hub/router/endpoint that huggingface_hub talks to (offline mode, telemetry off)."""
    with fake_hub(monkeypatch) as server:
        yield server


class Sleeps(list[float]):
    """Records the engine's waits instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def engine(fake: FakeHF, **kwargs: object) -> HFEngine:
    """An engine on the base_url route by default, never really sleeping."""
    options: dict[str, object] = {
        "token": FAKE_TOKEN,
        "base_url": fake.url,
        "timeout": 5.0,
        "sleep": Sleeps(),
    }
    options.update(kwargs)
    return HFEngine(**options)  # type: ignore[arg-type]


def fail(eng: HFEngine, request: RenderRequest = SMALL, seconds: float = 10.0) -> EngineError:
    """Render expecting an EngineError and return it."""
    with pytest.raises(EngineError) as info:
        eng.render(request, deadline=time.monotonic() + seconds)
    return info.value


def only_post(fake: FakeHF) -> Recorded:
    """The single inference call the fake received."""
    (call,) = fake.inference_calls()
    return call


# ---- request shape -------------------------------------------------------------------------


@pytest.mark.parametrize("key", list(CATALOG))
def test_endpoint_body_field_by_field(fake: FakeHF, key: str) -> None:
    request = CATALOG[key]
    result = engine(fake).render(request, deadline=time.monotonic() + 10)
    call = only_post(fake)
    assert call.path == f"/models/{request.model_id}"
    assert call.headers["authorization"] == f"Bearer {FAKE_TOKEN}"
    assert call.headers["accept"] == "image/png"
    assert call.body["inputs"] == request.prompt
    expected: dict[str, object] = {
        "width": request.width,
        "height": request.height,
        "num_inference_steps": request.steps,
        "guidance_scale": request.guidance_scale,
        "seed": request.seed,
    }
    if request.lora_model:
        expected |= {"lora_weights": REALISM, "lora_scale": 0.9}
    assert call.body == {"inputs": request.prompt, "parameters": expected}
    assert result.image.size == (request.width, request.height)
    assert (result.engine, result.model_used, result.attempts) == (
        "hf:endpoint",
        request.model_id,
        1,
    )
    assert result.lora_applied is bool(request.lora_model)
    assert result.lora_scale_applied == (0.9 if request.lora_model else None)


def test_negative_prompt_sent_only_when_given(fake: FakeHF) -> None:
    request = RenderRequest("a cat", 64, 64, 4, 0.0, 1, SCHNELL, negative_prompt="blurry")
    engine(fake).render(request, deadline=time.monotonic() + 10)
    assert only_post(fake).body["parameters"]["negative_prompt"] == "blurry"


def test_replicate_route_sends_lora_url_and_scale(fake: FakeHF) -> None:
    result = engine(fake, base_url=None).render(
        CATALOG["dev-realism"], deadline=time.monotonic() + 10
    )
    lookup, call, download = fake.requests
    assert lookup.path == f"/api/models/{DEV}" and lookup.query == {
        "expand": ["inferenceProviderMapping"]
    }
    assert "authorization" not in lookup.headers  # no token from the machine leaks into lookups
    assert call.path == "/replicate/v1/models/black-forest-labs/flux-dev/predictions"
    assert (
        call.headers["authorization"] == f"Bearer {FAKE_TOKEN}" and call.headers["prefer"] == "wait"
    )
    assert call.body == {
        "input": {
            "prompt": "portrait of a fox",
            "width": 768,
            "height": 768,
            "num_inference_steps": 30,
            "guidance_scale": 3.5,
            "seed": 12,
            "lora_weights": f"https://huggingface.co/{REALISM}",
            "lora_scale": 0.9,
        }
    }
    assert download.method == "GET" and download.path.startswith("/files/")
    assert "authorization" not in download.headers
    assert (result.engine, result.lora_applied, result.lora_scale_applied) == (
        "hf:replicate",
        True,
        0.9,
    )
    assert result.image.size == (768, 768)


def test_fal_ai_route_uses_lora_repo_and_notes_fixed_scale(fake: FakeHF) -> None:
    result = engine(fake, base_url=None, provider="fal-ai").render(
        CATALOG["dev-realism"], deadline=time.monotonic() + 10
    )
    lookup, call, _ = fake.requests
    assert lookup.path == f"/api/models/{REALISM}"
    assert call.path == "/fal-ai/fal-ai/flux-lora"
    assert call.body["image_size"] == {"width": 768, "height": 768}
    assert call.body["loras"] == [
        {"path": f"https://huggingface.co/{REALISM}/resolve/main/lora.safetensors", "scale": 1}
    ]
    assert (result.engine, result.lora_applied, result.lora_scale_applied) == (
        "hf:fal-ai",
        True,
        1.0,
    )
    assert any("0.9" in note and "fal-ai fixes LoRA scale at 1.0" in note for note in result.notes)


@pytest.mark.parametrize(
    ("provider", "path"),
    [
        ("hf-inference", f"/hf-inference/models/{SCHNELL}"),
        ("auto", "/replicate/v1/models/black-forest-labs/flux-schnell/predictions"),
    ],
)
def test_plain_model_on_provider(fake: FakeHF, provider: str, path: str) -> None:
    result = engine(fake, base_url=None, provider=provider).render(
        CATALOG["schnell-fast"], deadline=time.monotonic() + 10
    )
    assert only_post(fake).path == path
    assert (result.engine, result.lora_applied, result.image.size) == (
        f"hf:{provider}",
        False,
        (512, 512),
    )


def test_lora_on_provider_without_lora_support_is_refused_up_front(fake: FakeHF) -> None:
    error = fail(engine(fake, base_url=None, provider="together"), CATALOG["dev-realism"])
    assert (error.kind, error.attempts, fake.requests) == ("unsupported", 0, [])


def test_offline_constant_set_at_import_blocks_even_loopback(
    fake: FakeHF, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        constants, "HF_HUB_OFFLINE", True
    )  # what HF_HUB_OFFLINE=1 before import does
    error = fail(engine(fake))
    assert (error.kind, error.attempts, fake.requests) == ("offline", 1, [])


# ---- fault matrix --------------------------------------------------------------------------


def test_loading_503_waits_estimated_time_then_succeeds(fake: FakeHF) -> None:
    fake.script([Reply.loading(estimated_time=0.05), Reply.png()])
    waits = Sleeps()
    eng = engine(fake, sleep=waits)
    result = eng.render(SMALL, deadline=time.monotonic() + 10)
    assert (result.attempts, waits) == (2, [0.05])


def test_loading_wait_is_capped(fake: FakeHF) -> None:
    fake.script([Reply.loading(estimated_time=500), Reply.png()])
    waits = Sleeps()
    eng = engine(fake, max_loading_wait=3.0, sleep=waits)
    assert eng.render(SMALL, deadline=time.monotonic() + 10).attempts == 2
    assert waits == [3.0]


def test_429_honours_retry_after(fake: FakeHF) -> None:
    fake.script([Reply.rate_limited(retry_after=2), Reply.png()])
    waits = Sleeps()
    eng = engine(fake, sleep=waits)
    assert eng.render(SMALL, deadline=time.monotonic() + 10).attempts == 2
    assert waits == [2.0]


def test_500_forever_gives_up_after_max_retries(fake: FakeHF) -> None:
    fake.default = Reply.status(500)
    waits = Sleeps()
    eng = engine(fake, max_retries=3, sleep=waits)
    error = fail(eng)
    assert (error.status, error.kind, error.attempts, len(fake.inference_calls())) == (
        500,
        "unavailable",
        4,
        4,
    )
    assert len(waits) == 3 and all(1 * 2**i <= w <= 1.25 * 2**i for i, w in enumerate(waits))
    assert "Traceback" not in error.user_message and "500" in error.detail  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("code", "kind", "words"),
    [
        (400, "refused", "licence"),
        (401, "auth", "token was rejected"),
        (403, "refused", "licence"),
        (404, "not_found", "not found"),
        (422, "invalid", "parameters"),
    ],
)
def test_client_errors_are_not_retried(fake: FakeHF, code: int, kind: str, words: str) -> None:
    fake.default = Reply.status(code)
    waits = Sleeps()
    eng = engine(fake, sleep=waits)
    error = fail(eng)
    assert (error.status, error.kind, error.attempts, waits) == (code, kind, 1, [])
    assert words in error.user_message and error.refused is (code in (400, 403))
    assert len(fake.inference_calls()) == 1


def test_timeout_is_retried_then_reported(fake: FakeHF) -> None:
    fake.default = Reply.sleep(3.0)
    waits = Sleeps()
    eng = engine(fake, timeout=0.3, max_retries=1, sleep=waits)
    started = time.monotonic()
    error = fail(eng)
    assert (error.kind, error.attempts, error.status) == ("timeout", 2, None)
    assert isinstance(error.__cause__, InferenceTimeoutError)
    assert time.monotonic() - started < 2.0


def test_dropped_connection_then_success(fake: FakeHF) -> None:
    fake.script([Reply.drop(), Reply.png()])
    assert engine(fake).render(SMALL, deadline=time.monotonic() + 10).attempts == 2


def test_dropped_connection_forever_surfaces_remote_protocol_error(fake: FakeHF) -> None:
    fake.default = Reply.drop()
    error = fail(engine(fake, max_retries=2))
    assert (error.kind, error.attempts) == ("unavailable", 3)
    assert isinstance(error.__cause__, httpx2.RemoteProtocolError)


def test_refused_connection_surfaces_connect_error(fake: FakeHF) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    error = fail(engine(fake, base_url=f"http://127.0.0.1:{closed_port}", max_retries=1))
    assert (error.kind, error.attempts) == ("unavailable", 2)
    assert isinstance(error.__cause__, httpx2.ConnectError)


@pytest.mark.parametrize(
    ("bad", "cause"),
    [(Reply.garbage(), UnidentifiedImageError), (Reply.truncated_png(), BadImageError)],
)
def test_bad_image_retried_once_then_fails(
    fake: FakeHF, bad: Reply, cause: type[Exception]
) -> None:
    fake.default = bad
    error = fail(engine(fake, max_retries=3))
    assert (error.kind, error.attempts, len(fake.inference_calls())) == ("bad_output", 2, 2)
    assert isinstance(error.__cause__, cause)


@pytest.mark.parametrize("bad", [Reply.garbage(), Reply.truncated_png()])
def test_bad_image_once_then_success(fake: FakeHF, bad: Reply) -> None:
    fake.script([bad, Reply.png()])
    assert engine(fake).render(SMALL, deadline=time.monotonic() + 10).attempts == 2


def test_provider_route_retries_too(fake: FakeHF) -> None:
    fake.script([Reply.loading(estimated_time=0.01), Reply.png()])
    result = engine(fake, base_url=None).render(
        CATALOG["dev-realism"], deadline=time.monotonic() + 10
    )
    assert (result.attempts, result.engine) == (2, "hf:replicate")


# ---- deadline ------------------------------------------------------------------------------


def test_never_sleeps_past_the_deadline(fake: FakeHF) -> None:
    fake.default = Reply.loading(estimated_time=30)
    waits = Sleeps()
    eng = engine(fake, sleep=waits)
    error = fail(eng, seconds=1.0)
    assert (error.kind, error.status, error.attempts, waits) == ("timeout", 503, 1, [])


def test_backoff_stops_at_the_deadline_with_a_fake_clock(fake: FakeHF) -> None:
    now = [1000.0]
    sleeps = Sleeps()

    def sleep(seconds: float) -> None:
        sleeps(seconds)
        now[0] += seconds

    fake.default = Reply.status(502)
    eng = engine(fake, clock=lambda: now[0], sleep=sleep, max_retries=10)
    with pytest.raises(EngineError) as info:
        eng.render(SMALL, deadline=1000.0 + 5.0)
    assert info.value.kind == "timeout" and info.value.status == 502
    assert sum(sleeps) < 5.0 and len(sleeps) == info.value.attempts - 1 >= 2


def test_last_attempt_timeout_is_lowered_to_the_deadline(fake: FakeHF) -> None:
    fake.default = Reply.sleep(3.0)
    started = time.monotonic()
    error = fail(engine(fake, timeout=120.0), seconds=0.4)
    assert error.kind == "timeout" and time.monotonic() - started < 1.2


def test_untimed_result_download_is_still_bounded(fake: FakeHF) -> None:
    fake.download_delay = 3.0  # the library GETs replicate/fal-ai result URLs with no timeout
    started = time.monotonic()
    error = fail(engine(fake, base_url=None, timeout=0.3, max_retries=0), CATALOG["dev-realism"])
    assert (error.kind, error.attempts) == ("timeout", 1)
    assert time.monotonic() - started < 1.5
