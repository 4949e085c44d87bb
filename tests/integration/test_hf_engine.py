"""HFEngine through huggingface_hub's real provider code against the provider-faithful fake.

Every assertion about what ran is made on the fake's EFFECTIVE run (what the provider would run:
the model, the LoRA and its effective scale, the size and format produced, the inputs it dropped),
never on the request we sent; and what the engine *claims* must equal that run.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from huggingface_hub import constants

from avatar_core.engines.base import EngineError, ErrorKind, RenderRequest, RenderResult
from avatar_core.engines.hf import HFEngine
from tests.fakes.fake_hf import EffectiveRun, FakeHF, Reply
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
SMALL = CATALOG["dev-base"]


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHF]:
    """A provider-faithful fake that huggingface_hub talks to (offline mode, telemetry off)."""
    with fake_hub(monkeypatch) as server:
        yield server


class Sleeps(list[float]):
    """Stands in for HFEngine's `sleep` (Callable[[float], None]): records the waits instead."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def engine(**kwargs: object) -> HFEngine:
    """An engine on a provider route by default, never really sleeping."""
    options: dict[str, object] = {
        "token": FAKE_TOKEN,
        "provider": "replicate",
        "timeout": 5.0,
        "sleep": Sleeps(),
        "poll_interval": 0.01,
    }
    options.update(kwargs)
    return HFEngine(**options)  # type: ignore[arg-type]


def fail(eng: HFEngine, request: RenderRequest = SMALL, seconds: float = 10.0) -> EngineError:
    """Render expecting an EngineError and return it."""
    with pytest.raises(EngineError) as info:
        eng.render(request, deadline=time.monotonic() + seconds)
    return info.value


def render(eng: HFEngine, request: RenderRequest) -> RenderResult:
    return eng.render(request, deadline=time.monotonic() + 10)


def claims_match(result: RenderResult, run: EffectiveRun) -> None:
    """What the engine claims is exactly what the provider ran."""
    assert result.provider == run.route
    assert result.provider_model == run.model
    assert result.lora_applied == (run.lora is not None)
    assert result.lora_scale_applied == run.lora_scale
    assert result.image.size == (run.width, run.height)


# ---- the route x model table of effective runs ----------------------------------------------
# (route, row) -> (model that ran, LoRA, effective scale, size, format) or None when not sold.
LORA_URL = f"https://huggingface.co/{REALISM}"
FAL_LORA = f"https://huggingface.co/{REALISM}/resolve/main/lora.safetensors"
EXPECTED: dict[tuple[str, str], tuple[str, str | None, float | None, tuple[int, int]] | None] = {
    ("replicate", "dev-base"): ("black-forest-labs/flux-dev", None, None, (512, 512)),
    ("replicate", "dev-realism"): ("black-forest-labs/flux-dev-lora", LORA_URL, 0.9, (1024, 1024)),
    ("replicate", "dev-hd-realism"): ("black-forest-labs/flux-dev-lora", LORA_URL, 0.9, (1024, 1024)),
    ("replicate", "schnell-fast"): ("black-forest-labs/flux-schnell", None, None, (512, 512)),
    ("fal-ai", "dev-base"): ("fal-ai/flux/dev", None, None, (512, 512)),
    ("fal-ai", "dev-realism"): ("fal-ai/flux-lora", FAL_LORA, 1.0, (768, 768)),
    ("fal-ai", "dev-hd-realism"): ("fal-ai/flux-lora", FAL_LORA, 1.0, (1024, 1024)),
    ("fal-ai", "schnell-fast"): ("fal-ai/flux/schnell", None, None, (512, 512)),
    ("endpoint", "dev-base"): (DEV, None, None, (512, 512)),
    ("endpoint", "dev-realism"): (DEV, REALISM, 0.9, (768, 768)),
    ("endpoint", "dev-hd-realism"): (DEV, REALISM, 0.9, (1024, 1024)),
    ("endpoint-default", "dev-base"): (DEV, None, None, (512, 512)),
    ("endpoint-default", "dev-realism"): None,
    ("hf-inference", "dev-base"): (DEV, None, None, (512, 512)),
    ("hf-inference", "dev-realism"): None,
}


def route_engine(fake: FakeHF, route: str, request: RenderRequest) -> tuple[HFEngine, RenderRequest]:
    """The engine and request for one column of the table."""
    if route.startswith("endpoint"):
        handler = "default" if route == "endpoint-default" else "avatar-creator"
        url = fake.add_endpoint(route, base_model=request.model_id, handler=handler)
        from dataclasses import replace

        return engine(), replace(request, endpoint_url=url, endpoint_handler=handler)
    return engine(provider=route), request


@pytest.mark.parametrize(("route", "key"), list(EXPECTED))
def test_effective_run_per_route_and_model(fake: FakeHF, route: str, key: str) -> None:
    eng, request = route_engine(fake, route, CATALOG[key])
    expected = EXPECTED[(route, key)]
    if expected is None:  # not sold: refused before any generation call, nothing charged
        error = fail(eng, request)
        assert (error.kind, error.attempts, fake.inference_calls()) == (ErrorKind.UNSUPPORTED, 0, [])
        assert "LoRA" in error.detail and "not available" in error.user_message
        return
    result = render(eng, request)
    run = fake.last_run()
    assert (run.model, run.lora, run.lora_scale, (run.width, run.height)) == expected
    assert run.format == "png" and run.seed == request.seed and len(fake.runs) == 1
    claims_match(result, run)
    assert result.source_png is not None  # asked for PNG, stored as received


def test_replicate_drops_nothing_we_send(fake: FakeHF) -> None:
    for key in ("dev-base", "dev-realism", "schnell-fast"):
        render(engine(), CATALOG[key])
    assert [run.dropped for run in fake.runs] == [(), (), ()]
    assert [run.steps for run in fake.runs] == [28, 30, 4]
    assert [run.guidance for run in fake.runs] == [3.5, 3.5, None]  # schnell declares no guidance


def test_realism_scale_is_what_the_catalog_says_not_go_fast_x_1_5(fake: FakeHF) -> None:
    result = render(engine(), CATALOG["dev-realism"])
    assert fake.last_run().lora_scale == 0.9 == result.lora_scale_applied


def test_fal_notes_the_fixed_scale(fake: FakeHF) -> None:
    result = render(engine(provider="fal-ai"), CATALOG["dev-realism"])
    assert any("scale 1.0" in note and "0.9" in note for note in result.notes)


def test_lora_unmapped_on_the_provider_is_not_sold(fake: FakeHF) -> None:
    fake.unmap(REALISM, "replicate")
    error = fail(engine(), CATALOG["dev-realism"])
    assert error.kind is ErrorKind.UNSUPPORTED and fake.inference_calls() == []
    assert "not mapped as a LoRA adapter on 'replicate'" in error.detail


def test_serverless_base_url_with_our_handler_runs_the_lora(fake: FakeHF) -> None:
    fake.serverless_handler = "avatar-creator"
    eng = engine(provider=None, base_url=fake.url, base_url_handler="avatar-creator")
    result = render(eng, CATALOG["dev-realism"])
    run = fake.last_run()
    assert (run.route, run.lora, run.lora_scale, run.width) == ("serverless", REALISM, 0.9, 768)
    claims_match(result, run)


def test_serverless_base_url_with_the_default_handler_sells_no_lora(fake: FakeHF) -> None:
    eng = engine(provider=None, base_url=fake.url)
    assert fail(eng, CATALOG["dev-realism"]).kind is ErrorKind.UNSUPPORTED
    render(eng, CATALOG["dev-base"])
    assert fake.last_run().route == "serverless" and fake.last_run().lora is None


# ---- money: nothing re-submitted that may already run, errors that cost nobody -------------


def test_a_starting_prediction_is_polled_not_resubmitted(fake: FakeHF) -> None:
    fake.script([Reply.starting(polls=3)])
    result = render(engine(), CATALOG["dev-realism"])
    assert len(fake.inference_calls()) == 1 and result.attempts == 1
    polls = [r for r in fake.requests if r.method == "GET" and "/v1/predictions/" in r.path]
    assert len(polls) == 4 and all(p.headers["authorization"] == f"Bearer {FAKE_TOKEN}" for p in polls)
    claims_match(result, fake.last_run())


def test_a_prediction_still_running_at_the_deadline_is_cancelled_once(fake: FakeHF) -> None:
    fake.script([Reply.starting(polls=10_000)])
    eng = engine(poll_interval=0.05)
    error = fail(eng, CATALOG["dev-base"], seconds=0.6)
    assert error.kind is ErrorKind.TIMEOUT and len(fake.inference_calls()) == 1
    assert len(fake.canceled) == 1 and fake.runs == []


def test_a_content_filter_failure_shows_the_providers_reason(fake: FakeHF) -> None:
    fake.script([Reply.prediction_failed("NSFW content detected. Try a different prompt.")])
    error = fail(engine())
    assert error.kind is ErrorKind.CONTENT and len(fake.inference_calls()) == 1
    assert "NSFW content detected" in error.user_message and "licen" not in error.user_message


def test_hf_ratelimit_header_is_waited_out(fake: FakeHF) -> None:
    fake.script([Reply.rate_limited_hf(t=7), Reply.png()])
    eng = engine()
    result = eng.render(SMALL, deadline=time.monotonic() + 30)
    assert result.attempts == 2 and eng._sleep == [7.0]


def test_a_rate_limit_longer_than_the_deadline_fails_at_once(fake: FakeHF) -> None:
    fake.script([Reply.rate_limited_hf(t=60)])
    error = fail(engine(), seconds=5)
    assert error.kind is ErrorKind.TIMEOUT and len(fake.inference_calls()) == 1


@pytest.mark.parametrize(
    ("reply", "kind", "text"),
    [
        (
            Reply.status(400, {"error": "prompt flagged by the safety checker"}),
            ErrorKind.CONTENT,
            "safety checker",
        ),
        (Reply.status(400, {"error": "bad input"}), ErrorKind.REFUSED, "refused this request"),
        (Reply.status(401, {"error": "invalid token hf_x"}), ErrorKind.AUTH, "not available"),
        (Reply.status(402, {"error": "credits exhausted"}), ErrorKind.CREDITS, "not available"),
        (Reply.status(403, {"error": "gated: accept the licence"}), ErrorKind.FORBIDDEN, "not available"),
    ],
)
def test_refusals_are_final_and_say_no_operator_advice(
    fake: FakeHF, reply: Reply, kind: ErrorKind, text: str
) -> None:
    fake.script([reply])
    error = fail(engine())
    assert error.kind is kind and text in error.user_message and len(fake.inference_calls()) == 1
    assert not any(w in error.user_message.lower() for w in ("token", "licen", "subscription"))
    assert str(reply.code) in error.detail  # the operator gets the provider's answer in logs


@pytest.mark.parametrize("route", ["replicate", "fal-ai"])
def test_pay_per_image_server_errors_are_resubmitted_at_most_once(fake: FakeHF, route: str) -> None:
    fake.default = Reply.status(500, {"error": "boom"})
    error = fail(engine(provider=route, max_retries=5))
    assert error.kind is ErrorKind.UNAVAILABLE and len(fake.inference_calls()) == 2


def test_endpoints_keep_the_full_retry_budget(fake: FakeHF) -> None:
    fake.default = Reply.status(500, {"error": "boom"})
    error = fail(engine(provider=None, base_url=fake.url, max_retries=3))
    assert error.attempts == 4 and len(fake.inference_calls()) == 4


def test_a_failed_download_is_retried_as_a_download(fake: FakeHF) -> None:
    fake.script_downloads([Reply.status(500), Reply.drop()])
    result = render(engine(), CATALOG["dev-base"])
    downloads = [r for r in fake.requests if r.path.startswith("/files/")]
    assert len(fake.inference_calls()) == 1 and len(downloads) == 3 and result.attempts == 1


def test_a_download_that_never_works_fails_without_regenerating(fake: FakeHF) -> None:
    fake.script_downloads([Reply.status(500)] * 3)
    error = fail(engine())
    assert error.kind is ErrorKind.BAD_OUTPUT and len(fake.inference_calls()) == 1


def test_loading_then_success_on_an_endpoint(fake: FakeHF) -> None:
    fake.script([Reply.loading(0.01), Reply.png()])
    result = render(engine(provider=None, base_url=fake.url), SMALL)
    assert result.attempts == 2 and len(fake.runs) == 1


def test_a_stalled_provider_is_bounded_by_the_timeout(fake: FakeHF) -> None:
    fake.default = Reply.sleep(3.0)
    started = time.monotonic()
    error = fail(engine(provider=None, base_url=fake.url, timeout=0.3, max_retries=1), seconds=10)
    assert error.kind is ErrorKind.TIMEOUT and time.monotonic() - started < 3.0


def test_offline_constant_set_at_import_blocks_even_loopback(
    fake: FakeHF, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)  # what HF_HUB_OFFLINE=1 before import does
    error = fail(engine(provider=None, base_url=fake.url))
    assert error.kind is ErrorKind.OFFLINE and fake.requests == []


def test_hub_lookups_are_cached_per_engine(fake: FakeHF) -> None:
    eng = engine()
    for _ in range(3):
        render(eng, CATALOG["dev-realism"])
    ours = [r for r in fake.requests if r.path == f"/api/models/{REALISM}"]
    assert len(fake.runs) == 3 and 1 <= len(ours) <= 2  # ours once + the library's own (lru_cache)
