"""The fake providers behave like the real ones: these tests document that behaviour.

They talk to FakeHF with plain httpx2 and through the real huggingface_hub InferenceClient, and
assert on the EFFECTIVE run (`fake.runs`), never on what was sent.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from huggingface_hub import HfApi, InferenceClient
from huggingface_hub.errors import BadRequestError, HfHubHTTPError, RepositoryNotFoundError
from huggingface_hub.utils import parse_ratelimit_headers
from PIL import Image

from tests.fakes.fake_hf import FakeHF, Reply, png_bytes
from tests.fakes.hf_env import FAKE_TOKEN, fake_hub

DEV, SCHNELL = "black-forest-labs/FLUX.1-dev", "black-forest-labs/FLUX.1-schnell"
KONTEXT, REALISM = "black-forest-labs/FLUX.1-Kontext-dev", "XLabs-AI/flux-RealismLora"
REALISM_URL = f"https://huggingface.co/{REALISM}"
ASK: dict[str, Any] = {
    "width": 768,
    "height": 768,
    "num_inference_steps": 30,
    "guidance_scale": 3.5,
    "seed": 12,
}


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHF]:
    """A fake Hub + providers that huggingface_hub talks to (the library's own fal queue polling)."""
    with fake_hub(monkeypatch) as server:
        yield server


def client(provider: str) -> InferenceClient:
    """The real client on a provider route (the router URL points at the fake)."""
    return InferenceClient(provider=provider, token=FAKE_TOKEN, timeout=10)  # type: ignore[arg-type]


def post(fake: FakeHF, path: str, body: object, **headers: str) -> httpx2.Response:
    """A raw POST to the fake."""
    return httpx2.post(f"{fake.url}{path}", json=body, headers={"Prefer": "wait", **headers}, timeout=10)


def replicate_input(fake: FakeHF, model: str, **given: object) -> httpx2.Response:
    """A raw Replicate prediction with `Prefer: wait`."""
    return post(fake, f"/replicate/v1/models/{model}/predictions", {"input": {"prompt": "a fox", **given}})


# ---- Hub -------------------------------------------------------------------------------------


def test_hub_serves_the_mapping_shape_the_library_parses(fake: FakeHF) -> None:
    raw = httpx2.get(f"{fake.url}/api/models/{DEV}", params={"expand": "inferenceProviderMapping"}).json()
    assert set(raw) == {"_id", "id", "inferenceProviderMapping"}  # only what was expanded
    assert raw["inferenceProviderMapping"]["replicate"]["providerId"] == "black-forest-labs/flux-dev"
    info = HfApi(endpoint=fake.url).model_info(REALISM, expand=["inferenceProviderMapping"])
    by_provider = {m.provider: m for m in info.inference_provider_mapping or []}
    assert by_provider["replicate"].provider_id == "black-forest-labs/flux-dev-lora"
    assert (by_provider["fal-ai"].adapter, by_provider["fal-ai"].adapter_weights_path) == (
        "lora",
        "lora.safetensors",
    )
    kontext = HfApi(endpoint=fake.url).model_info(KONTEXT, expand=["inferenceProviderMapping"])
    assert {m.task for m in kontext.inference_provider_mapping or []} == {"image-to-image"}


def test_unknown_repo_is_unsupported_and_a_missing_repo_is_not_found(fake: FakeHF) -> None:
    with pytest.raises(ValueError, match="not supported by provider replicate"):
        client("replicate").text_to_image("a fox", model="someone/unknown-model")
    fake.mappings["someone/gone"] = None
    with pytest.raises(RepositoryNotFoundError):
        client("replicate").text_to_image("a fox", model="someone/gone")
    fake.lora_repo("someone/style-lora", providers=("fal-ai",))
    with pytest.raises(ValueError, match="not supported by provider replicate"):
        client("replicate").text_to_image("a fox", model="someone/style-lora")
    fake.unmap(DEV, "replicate")
    with pytest.raises(ValueError, match="not supported"):
        client("replicate").text_to_image("a fox", model=DEV)
    assert fake.inference_calls() == [] and fake.runs == []


# ---- Replicate -------------------------------------------------------------------------------


def test_replicate_flux_dev_ignores_lora_and_size_it_does_not_declare(fake: FakeHF) -> None:
    extra = {"lora_weights": REALISM_URL, "lora_scale": 0.9}
    image = client("replicate").text_to_image("a fox", model=DEV, **ASK, extra_body=extra)
    run = fake.last_run()
    assert (run.model, run.lora, run.lora_scale) == ("black-forest-labs/flux-dev", None, None)
    assert run.dropped == ("guidance_scale", "height", "lora_scale", "lora_weights", "width")
    assert (run.width, run.height, run.format) == (1024, 1024, "webp")
    assert (image.size, image.format) == ((1024, 1024), "WEBP")
    assert (run.steps, run.guidance, run.seed) == (30, 3.0, 12)  # guidance: flux-dev's default


def test_replicate_lora_repo_runs_flux_dev_lora_scaled_by_go_fast(fake: FakeHF) -> None:
    client("replicate").text_to_image("a fox", model=REALISM, seed=3, extra_body={"lora_scale": 0.9})
    run = fake.last_run()
    assert (run.model, run.lora) == ("black-forest-labs/flux-dev-lora", REALISM_URL)
    assert run.lora_scale == pytest.approx(1.35)  # go_fast (default on) x1.5
    client("replicate").text_to_image(
        "a fox", model=REALISM, extra_body={"lora_scale": 0.9, "go_fast": False}
    )
    assert fake.last_run().lora_scale == pytest.approx(0.9)
    replicate_input(fake, "black-forest-labs/flux-dev-lora", lora_weights=REALISM_URL)
    assert fake.last_run().lora_scale == pytest.approx(1.5)  # default 1.0, x1.5


def test_replicate_sizes_formats_and_validation(fake: FakeHF) -> None:
    answer = replicate_input(fake, "black-forest-labs/flux-schnell", megapixels="0.25", output_format="jpg")
    # as recorded (tests/recordings/): 201, still "processing", the output already there
    assert answer.status_code == 201 and answer.json()["status"] == "processing"
    (url,) = answer.json()["output"]
    image = Image.open(io.BytesIO(httpx2.get(url).content))
    assert (image.size, image.format) == ((512, 512), "JPEG")
    run = fake.last_run()
    assert (run.width, run.height, run.format, run.guidance, run.steps) == (512, 512, "jpeg", None, 4)
    replicate_input(fake, "black-forest-labs/flux-dev", aspect_ratio="16:9", output_format="png")
    assert (fake.last_run().width, fake.last_run().height, fake.last_run().format) == (1344, 768, "png")
    bad = replicate_input(fake, "black-forest-labs/flux-dev", aspect_ratio="7:5", num_outputs=9)
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"  # as recorded
    assert [f["field"] for f in bad.json()["invalid_fields"]] == ["input.aspect_ratio", "input.num_outputs"]
    assert (
        bad.json()["detail"].startswith("- input.aspect_ratio: ") and "is not one of" in bad.json()["detail"]
    )
    assert replicate_input(fake, "black-forest-labs/flux-schnell", num_inference_steps=28).status_code == 422
    assert replicate_input(fake, "black-forest-labs/flux-dev", go_fast="no").status_code == 422
    assert replicate_input(fake, "black-forest-labs/flux-nope").status_code == 404
    assert len(fake.runs) == 2


def test_replicate_starting_then_polled_until_succeeded(fake: FakeHF) -> None:
    fake.script([Reply.starting(polls=2)])
    with pytest.raises(TimeoutError):  # what huggingface_hub does with "starting"
        client("replicate").text_to_image("a fox", model=SCHNELL)
    created = next(r for r in fake.requests if r.method == "POST")
    assert created.headers["prefer"] == "wait" and fake.runs == []
    (prediction_id,) = fake.predictions
    get = f"{fake.url}/replicate/v1/predictions/{prediction_id}"
    states = [httpx2.get(get).json() for _ in range(4)]
    assert [s["status"] for s in states] == ["processing", "processing", "succeeded", "succeeded"]
    assert states[0]["output"] is None and len(states[2]["output"]) == 1
    assert len(fake.runs) == 1  # logged once, when it succeeded


def test_replicate_failed_and_canceled_predictions_run_nothing(fake: FakeHF) -> None:
    fake.script([Reply.prediction_failed(), Reply.starting(polls=5)])
    failed = replicate_input(fake, "black-forest-labs/flux-dev").json()
    assert (failed["status"], failed["output"]) == ("failed", None) and "NSFW" in failed["error"]
    waited = replicate_input(fake, "black-forest-labs/flux-dev")
    started = waited.json()
    assert waited.status_code == 202 and waited.headers["location"] == started["urls"]["get"]
    assert started["status"] == "starting" and started["output"] is None
    # the prediction's own URLs name api.replicate.com (recorded); through the router they are re-rooted
    get = f"{fake.url}/replicate/v1/predictions/{started['id']}"
    assert started["urls"]["get"] == f"https://api.replicate.com/v1/predictions/{started['id']}"
    canceled = httpx2.post(f"{get}/cancel").json()
    assert canceled["status"] == "canceled" and fake.canceled == [started["id"]]
    assert httpx2.get(get).json()["status"] == "canceled"
    assert fake.runs == [] and len(fake.inference_calls()) == 2  # the cancel is not a generation


def test_replicate_kontext_decodes_the_input_image(fake: FakeHF) -> None:
    source = png_bytes(600, 400)
    image = client("replicate").image_to_image(source, prompt="make it blue", model=KONTEXT, seed=5)
    run = fake.last_run()
    assert (run.model, run.image_input, run.prompt) == (
        "black-forest-labs/flux-kontext-dev",
        source,
        "make it blue",
    )
    assert run.dropped == ("image", "images", "input_images")
    assert (run.width, run.height) == image.size == (1248, 832)  # closest Kontext resolution to 3:2


# ---- fal-ai ----------------------------------------------------------------------------------


def test_fal_lora_scale_is_forced_to_one_by_the_library(fake: FakeHF) -> None:
    extra = {"loras": [{"path": REALISM_URL, "scale": 0.9}]}
    image = client("fal-ai").text_to_image("a fox", model=REALISM, **ASK, extra_body=extra)
    run = fake.last_run()
    # no output_format asked: a PNG, as recorded (the answer declares image/jpeg)
    assert (run.model, run.lora_scale, run.format, image.format) == ("fal-ai/flux-lora", 1.0, "png", "PNG")
    assert run.lora == f"https://huggingface.co/{REALISM}/resolve/main/lora.safetensors"
    assert (run.width, run.height, run.steps, run.guidance, run.seed) == (768, 768, 30, 3.5, 12)


def test_fal_base_model_drops_loras_and_rounds_sizes(fake: FakeHF) -> None:
    body = {"prompt": "a fox", "image_size": {"width": 1000, "height": 500}, "loras": [{"path": "x"}]}
    answer = post(fake, "/fal-ai/fal-ai/flux/dev", {**body, "negative_prompt": "blur"}).json()
    run = fake.last_run()
    assert (run.lora, run.dropped, run.width, run.height) == (None, ("loras", "negative_prompt"), 1008, 512)
    assert answer["images"][0]["content_type"] == "image/jpeg" and answer["prompt"] == "a fox"
    post(
        fake,
        "/fal-ai/fal-ai/flux/schnell",
        {"prompt": "a", "image_size": "portrait_16_9", "output_format": "png"},
    )
    assert (fake.last_run().width, fake.last_run().height, fake.last_run().format) == (576, 1024, "png")
    bad = post(fake, "/fal-ai/fal-ai/flux/schnell", {"prompt": "a", "num_inference_steps": 28})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "num_inference_steps"]
    assert len(fake.runs) == 2


def test_fal_kontext_is_a_queue_job(fake: FakeHF) -> None:
    fake.fal_queue_polls = 2
    source = png_bytes(512, 512)
    image = client("fal-ai").image_to_image(source, prompt="add a hat", model=KONTEXT)
    run = fake.last_run()
    assert (run.model, run.image_input, run.dropped) == ("fal-ai/flux-kontext/dev", source, ("image_urls",))
    assert image.size == (512, 512) and len(fake.runs) == 1
    statuses = [r for r in fake.requests if r.path.endswith("/status")]
    assert len(statuses) == 3 and statuses[0].query == {"_subdomain": ["queue"]}


# ---- dedicated endpoints, serverless, hf-inference -----------------------------------------


def test_endpoint_default_handler_refuses_a_lora(fake: FakeHF) -> None:
    url = fake.add_endpoint("plain")
    endpoint = InferenceClient(model=url, token=FAKE_TOKEN, timeout=10)
    with pytest.raises(BadRequestError, match="unexpected keyword argument 'lora_weights'"):
        endpoint.text_to_image("a fox", **ASK, extra_body={"lora_weights": REALISM})
    image = endpoint.text_to_image("a fox", width=1000, height=1000, seed=4)
    run = fake.last_run()
    assert (run.route, run.model, run.lora, run.width, image.size, image.format) == (
        "endpoint",
        DEV,
        None,
        992,
        (992, 992),
        "PNG",
    )
    not_square = post(
        fake, "/endpoints/plain/predict", {"inputs": "a", "parameters": {"width": 512, "height": 768}}
    )
    assert not_square.status_code == 400 and "height=768" in not_square.json()["error"]
    assert len(fake.runs) == 1


def test_endpoint_with_our_handler_applies_the_allowed_lora(fake: FakeHF) -> None:
    url = fake.add_endpoint("ours", handler="avatar-creator")
    endpoint = InferenceClient(model=url, token=FAKE_TOKEN, timeout=10)
    endpoint.text_to_image("a fox", **ASK, extra_body={"lora_weights": REALISM, "lora_scale": 0.9})
    run = fake.last_run()
    assert (run.lora, run.lora_scale, run.width, run.steps, run.seed) == (REALISM, 0.9, 768, 30, 12)
    endpoint.text_to_image("a fox", width=1000, height=600, extra_body={"lora_weights": REALISM_URL})
    run = fake.last_run()  # our handler: URL form accepted, default scale 1.0, sizes half-up to 16
    assert (run.lora, run.lora_scale, run.width, run.height) == (REALISM, 1.0, 1008, 608)
    with pytest.raises(BadRequestError, match="is not served by this endpoint"):
        endpoint.text_to_image("a fox", extra_body={"lora_weights": "someone/other-lora"})
    with pytest.raises(BadRequestError, match="Unsupported parameter"):
        endpoint.text_to_image("a fox", extra_body={"strength": 0.3})
    assert len(fake.runs) == 2


def test_serverless_and_hf_inference_routes(fake: FakeHF) -> None:
    ok = post(
        fake,
        f"/models/{SCHNELL}",
        {"inputs": "a", "parameters": {"width": 512, "height": 512}},
        Accept="image/png",
    )
    assert ok.headers["content-type"] == "image/png" and fake.last_run().route == "serverless"
    assert (
        post(fake, f"/models/{DEV}", {"inputs": "a", "parameters": {"lora_weights": "x"}}).status_code == 400
    )
    fake.serverless_handler = "avatar-creator"
    post(
        fake, f"/models/{DEV}", {"inputs": "a", "parameters": {"lora_weights": REALISM}}, Accept="image/webp"
    )
    assert (fake.last_run().lora, fake.last_run().format) == (REALISM, "webp")
    client("hf-inference").text_to_image("a fox", model=SCHNELL, width=512, height=512)
    assert (fake.last_run().route, fake.last_run().model) == ("hf-inference", SCHNELL)


# ---- faults ----------------------------------------------------------------------------------


def test_faults_replace_answers_on_every_route_and_are_never_runs(fake: FakeHF) -> None:
    fake.script([Reply.rate_limited_hf(7), Reply.garbage(), Reply.loading(3)])
    with pytest.raises(HfHubHTTPError) as info:
        client("fal-ai").text_to_image("a fox", model=DEV)
    limit = parse_ratelimit_headers(info.value.response.headers)
    assert limit is not None and limit.reset_in_seconds == 7
    assert "retry-after" not in info.value.response.headers
    with pytest.raises(Image.UnidentifiedImageError):
        client("replicate").text_to_image("a fox", model=DEV)
    loading = post(fake, f"/models/{DEV}", {"inputs": "a"})
    assert loading.status_code == 503 and loading.json()["estimated_time"] == 3
    fake.script_downloads([Reply.status(500)])
    with pytest.raises(Image.UnidentifiedImageError):  # the library fetches results unchecked
        client("replicate").text_to_image("a fox", model=DEV)
    assert len(fake.runs) == 1  # only the last call ran; its download failed
