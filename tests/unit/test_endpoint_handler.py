"""deploy/endpoint/handler.py against a stand-in FluxPipeline: LoRA allow-list, adapter state, validation."""

from __future__ import annotations

import importlib.util
import json
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
from PIL import Image

HANDLER_PATH = Path(__file__).resolve().parents[2] / "deploy" / "endpoint" / "handler.py"
REALISM = "XLabs-AI/flux-RealismLora"


def load_handler_module() -> ModuleType:
    """Import deploy/endpoint/handler.py by file path (deploy/ is not a package)."""
    spec = importlib.util.spec_from_file_location("avatar_endpoint_handler", HANDLER_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


H = load_handler_module()


class StandInFluxPipeline:
    """Imitates diffusers' FluxPipeline as far as the handler uses it.

    The LoRA methods follow diffusers' `LoraBaseMixin` (src/diffusers/loaders/lora_base.py) over
    PEFT layers: `load_lora_weights(repo, weight_name=..., adapter_name=...)` adds an adapter and
    makes it the active one; `set_adapters(names, adapter_weights=...)` changes which adapters are
    active and their weights but not whether LoRA layers are enabled; `disable_lora()` /
    `enable_lora()` only flip that switch. `__call__(prompt=..., **kwargs)` mirrors
    `FluxPipeline.__call__`'s keyword names and returns an object with `.images = [PIL image]`.
    Each call records its kwargs and the LoRA weights in effect at its start and end.
    """

    def __init__(self, delay: float = 0.0) -> None:
        self.device = "cpu"
        self.loaded: list[tuple[str, str | None, str]] = []
        self.weights: dict[str, float] = {}
        self.active: list[str] = []
        self.enabled = True
        self.calls: list[dict[str, Any]] = []
        self.delay = delay

    def load_lora_weights(
        self, repo: str, weight_name: str | None = None, adapter_name: str | None = None
    ) -> None:
        """Add an adapter and make it the only active one (as PEFT's inject + set_adapter do)."""
        assert adapter_name and adapter_name not in self.weights
        self.loaded.append((repo, weight_name, adapter_name))
        self.weights[adapter_name] = 1.0
        self.active = [adapter_name]

    def set_adapters(self, adapter_names: list[str] | str, adapter_weights: Any = None) -> None:
        """Activate `adapter_names` with their weights; unknown names raise like diffusers."""
        names = [adapter_names] if isinstance(adapter_names, str) else list(adapter_names)
        missing = set(names) - set(self.weights)
        if missing:
            raise ValueError(f"Adapter name(s) {missing} not in the list of present adapters")
        weights = adapter_weights if isinstance(adapter_weights, list) else [adapter_weights] * len(names)
        for name, weight in zip(names, weights, strict=True):
            self.weights[name] = 1.0 if weight is None else weight
        self.active = names

    def disable_lora(self) -> None:
        """Switch LoRA layers off (active adapters are kept)."""
        self.enabled = False

    def enable_lora(self) -> None:
        """Switch LoRA layers back on."""
        self.enabled = True

    def effective(self) -> dict[str, float]:
        """The adapters that change the output right now, with their weights."""
        return {name: self.weights[name] for name in self.active} if self.enabled else {}

    def __call__(
        self,
        prompt: str | None = None,
        negative_prompt: str | None = None,
        true_cfg_scale: float = 1.0,
        height: int | None = None,
        width: int | None = None,
        num_inference_steps: int = 28,
        guidance_scale: float = 3.5,
        num_images_per_prompt: int | None = 1,
        generator: Any = None,
        output_type: str | None = "pil",
    ) -> SimpleNamespace:
        """Record the call and return a small image of the requested size."""
        record: dict[str, Any] = {"prompt": prompt, "effective_at_start": self.effective()}
        record.update(
            negative_prompt=negative_prompt,
            true_cfg_scale=true_cfg_scale,
            height=height,
            width=width,
            num_inference_steps=num_inference_steps,
            guidance_scale=guidance_scale,
            num_images_per_prompt=num_images_per_prompt,
            generator=generator,
            output_type=output_type,
        )
        time.sleep(self.delay)
        record["effective_at_end"] = self.effective()
        self.calls.append(record)
        return SimpleNamespace(images=[Image.new("RGB", (width or 64, height or 64), "gray")])


class NoNegativePipeline(StandInFluxPipeline):
    """A pipeline whose `__call__` has no negative_prompt / true_cfg_scale (like older FluxPipeline)."""

    def __call__(  # type: ignore[override]
        self,
        prompt: str | None = None,
        height: int | None = None,
        width: int | None = None,
        num_inference_steps: int = 28,
        guidance_scale: float = 3.5,
        num_images_per_prompt: int | None = 1,
        generator: Any = None,
        output_type: str | None = "pil",
    ) -> SimpleNamespace:
        """Delegate to the full stand-in."""
        return super().__call__(
            prompt=prompt,
            height=height,
            width=width,
            num_inference_steps=num_inference_steps,
            guidance_scale=guidance_scale,
            generator=generator,
        )


def make(
    monkeypatch: pytest.MonkeyPatch, loras: str | None = None, pipeline: StandInFluxPipeline | None = None
) -> tuple[Any, StandInFluxPipeline]:
    """A handler over a stand-in pipeline, with `AVATAR_ENDPOINT_LORAS` set (or unset for the default)."""
    if loras is None:
        monkeypatch.delenv(H.LORAS_ENV, raising=False)
    else:
        monkeypatch.setenv(H.LORAS_ENV, loras)
    pipe = pipeline or StandInFluxPipeline()
    return H.EndpointHandler("", pipeline=pipe, generator_factory=lambda seed: ("generator", seed)), pipe


def body(prompt: str = "portrait of a person", **parameters: Any) -> dict[str, Any]:
    """A request body as the toolkit hands it to the handler."""
    return {"inputs": prompt, "parameters": parameters}


def test_module_imports_without_torch_or_diffusers() -> None:
    assert "torch" not in sys.modules and "diffusers" not in sys.modules
    assert callable(H.effective_call) and H.EndpointHandler.__init__.__defaults__ == ("", None, None)


def test_each_allowed_lora_is_loaded_once_at_start_under_its_own_adapter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    handler, pipe = make(monkeypatch, f"{REALISM}, acme/flux-ink=ink_v2.safetensors")
    assert pipe.loaded == [
        (REALISM, None, "lora_xlabs_ai_flux_realismlora"),
        ("acme/flux-ink", "ink_v2.safetensors", "lora_acme_flux_ink"),
    ]
    assert pipe.effective() == {}  # nothing applied until a request asks for it
    handler(body(lora_weights=REALISM, lora_scale=0.9))
    handler(body())
    handler(body(lora_weights="acme/flux-ink"))
    assert len(pipe.loaded) == 2


def test_default_allow_list_is_the_realism_lora(monkeypatch: pytest.MonkeyPatch) -> None:
    _, pipe = make(monkeypatch)
    assert [repo for repo, _, _ in pipe.loaded] == [REALISM]


def test_lora_call_applies_the_adapter_at_the_requested_scale(monkeypatch: pytest.MonkeyPatch) -> None:
    handler, pipe = make(monkeypatch)
    image = handler(body(lora_weights=REALISM, lora_scale=0.9, width=768, height=768))
    assert isinstance(image, Image.Image) and image.size == (768, 768)
    assert pipe.calls[-1]["effective_at_start"] == {"lora_xlabs_ai_flux_realismlora": 0.9}


def test_lora_scale_defaults_to_one(monkeypatch: pytest.MonkeyPatch) -> None:
    handler, pipe = make(monkeypatch)
    handler(body(lora_weights=REALISM))
    assert pipe.calls[-1]["effective_at_start"] == {"lora_xlabs_ai_flux_realismlora": 1.0}


def test_a_lora_never_leaks_into_the_next_call_and_comes_back_when_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    handler, pipe = make(monkeypatch)
    handler(body(lora_weights=REALISM, lora_scale=0.9))
    handler(body())
    handler(body(lora_weights=REALISM, lora_scale=0.5))
    assert [call["effective_at_start"] for call in pipe.calls] == [
        {"lora_xlabs_ai_flux_realismlora": 0.9},
        {},
        {"lora_xlabs_ai_flux_realismlora": 0.5},
    ]


def test_url_form_of_lora_weights_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    handler, pipe = make(monkeypatch)
    handler(body(lora_weights=f"https://huggingface.co/{REALISM}", lora_scale=0.9))
    handler(body(lora_weights=f"https://huggingface.co/{REALISM.lower()}/", lora_scale=0.8))
    assert [call["effective_at_start"] for call in pipe.calls] == [
        {"lora_xlabs_ai_flux_realismlora": 0.9},
        {"lora_xlabs_ai_flux_realismlora": 0.8},
    ]


@pytest.mark.parametrize(
    "lora",
    [
        "someone/other-lora",
        "https://huggingface.co/someone/other-lora",
        f"https://example.com/{REALISM}",
        f"https://huggingface.co/{REALISM}/resolve/main/lora.safetensors",
        "",
        "../etc/passwd",
    ],
)
def test_a_lora_outside_the_allow_list_is_refused_and_nothing_runs(
    monkeypatch: pytest.MonkeyPatch, lora: str
) -> None:
    handler, pipe = make(monkeypatch)
    with pytest.raises(ValueError, match="not served by this endpoint|not a Hugging Face repo id"):
        handler(body(lora_weights=lora, lora_scale=0.9))
    assert pipe.calls == []


def test_an_empty_allow_list_refuses_every_lora(monkeypatch: pytest.MonkeyPatch) -> None:
    handler, pipe = make(monkeypatch, "")
    assert pipe.loaded == []
    with pytest.raises(ValueError, match=r"allowed: none"):
        handler(body(lora_weights=REALISM))
    handler(body())
    assert len(pipe.calls) == 1


@pytest.mark.parametrize(
    "parameters",
    [
        {"scheduler": "euler"},
        {"lora": REALISM},
        {"num_images_per_prompt": 2},
        {"output_type": "latent"},
        {"prompt": "other"},
        {"generator": 1},
    ],
)
def test_an_unknown_parameter_is_refused(monkeypatch: pytest.MonkeyPatch, parameters: dict[str, Any]) -> None:
    handler, pipe = make(monkeypatch)
    with pytest.raises(ValueError, match="Unsupported parameter"):
        handler({"inputs": "portrait of a person", "parameters": parameters})
    assert pipe.calls == []


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"width": 100}, "'width' must be between 256 and 2048"),
        ({"height": 4096}, "'height' must be between 256 and 2048"),
        ({"height": float("inf")}, "'height' must be between 256 and 2048"),
        ({"width": "512"}, "'width' must be a number"),
        ({"num_inference_steps": 0}, "'num_inference_steps' must be between 1 and 100"),
        ({"num_inference_steps": 101}, "'num_inference_steps' must be between 1 and 100"),
        ({"num_inference_steps": 2.5}, "'num_inference_steps' must be an integer"),
        ({"guidance_scale": 21}, "'guidance_scale' must be between 0 and 20"),
        ({"guidance_scale": float("nan")}, "'guidance_scale' must be between"),
        ({"seed": -1}, "'seed' must be between"),
        ({"seed": True}, "'seed' must be an integer"),
        ({"lora_weights": REALISM, "lora_scale": 3.5}, "'lora_scale' must be between -1 and 3"),
        ({"lora_scale": 0.9}, "'lora_scale' was given without 'lora_weights'"),
        ({"lora_weights": 7}, "'lora_weights' must be a string"),
        ({"negative_prompt": ["blurry"]}, "'negative_prompt' must be a string"),
        ({"true_cfg_scale": 0.5}, "'true_cfg_scale' must be between 1 and 10"),
    ],
)
def test_out_of_range_values_are_refused(
    monkeypatch: pytest.MonkeyPatch, parameters: dict[str, Any], message: str
) -> None:
    handler, pipe = make(monkeypatch)
    with pytest.raises(ValueError, match=message):
        handler(body(**parameters))
    assert pipe.calls == []


@pytest.mark.parametrize(
    "data",
    [
        {"inputs": ""},
        {"inputs": ["a", "b"]},
        {"parameters": {}},
        {"inputs": "x", "parameters": "width=512"},
        {"inputs": "x", "options": {"wait_for_model": True}},
    ],
)
def test_a_malformed_body_is_refused(monkeypatch: pytest.MonkeyPatch, data: dict[str, Any]) -> None:
    handler, pipe = make(monkeypatch)
    with pytest.raises(ValueError):
        handler(data)
    assert pipe.calls == []


@pytest.mark.parametrize(
    ("asked", "got"),
    [(512, 512), (500, 496), (503, 496), (504, 512), (1000, 1008), (767.9, 768), (250, 256), (2050, 2048)],
)
def test_sizes_are_rounded_to_the_nearest_multiple_of_16(
    monkeypatch: pytest.MonkeyPatch, asked: float, got: int
) -> None:
    handler, pipe = make(monkeypatch)
    image = handler(body(width=asked, height=asked))
    assert (pipe.calls[-1]["width"], pipe.calls[-1]["height"]) == (got, got)
    assert image.size == (got, got)


def test_seed_becomes_a_generator_with_that_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    handler, pipe = make(monkeypatch)
    handler(body(seed=1234567))
    handler(body())
    assert pipe.calls[0]["generator"] == ("generator", 1234567)
    assert pipe.calls[1]["generator"] is None


def test_parameters_reach_the_pipeline_as_flux_kwargs(monkeypatch: pytest.MonkeyPatch) -> None:
    handler, pipe = make(monkeypatch)
    handler(
        body(
            "a knight",
            negative_prompt="blurry",
            num_inference_steps=30,
            guidance_scale=3.5,
            width=768,
            height=1024,
            lora_weights=REALISM,
            lora_scale=0.9,
        )
    )
    call = pipe.calls[-1]
    assert call["prompt"] == "a knight" and call["negative_prompt"] == "blurry"
    assert (call["num_inference_steps"], call["guidance_scale"]) == (30, 3.5)
    assert (call["width"], call["height"], call["num_images_per_prompt"]) == (768, 1024, 1)
    assert call["output_type"] == "pil" and call["true_cfg_scale"] == 1.0


def test_negative_prompt_is_refused_when_the_pipeline_has_none(monkeypatch: pytest.MonkeyPatch) -> None:
    handler, pipe = make(monkeypatch, pipeline=NoNegativePipeline())
    with pytest.raises(ValueError, match="Unsupported parameter.*negative_prompt"):
        handler(body(negative_prompt="blurry"))
    handler(body(width=512))
    assert len(pipe.calls) == 1


def test_effective_call_is_pure_and_returns_kwargs_and_adapter_choice() -> None:
    allowed = H.parse_allowed(REALISM)
    call = H.effective_call(
        {
            "width": 770,
            "height": 770,
            "seed": 7,
            "lora_weights": REALISM,
            "lora_scale": 0.9,
            "negative_prompt": None,
        },
        allowed,
    )
    assert call == {
        "kwargs": {"width": 768, "height": 768},
        "seed": 7,
        "adapter": "lora_xlabs_ai_flux_realismlora",
        "lora": REALISM,
        "lora_scale": 0.9,
    }
    assert H.effective_call({}, allowed) == {
        "kwargs": {},
        "seed": None,
        "adapter": None,
        "lora": None,
        "lora_scale": None,
    }
    with pytest.raises(ValueError, match="negative_prompt"):
        H.effective_call({"negative_prompt": "blurry"}, allowed, optional=())


@pytest.mark.parametrize(
    "spec", [f"{REALISM},{REALISM}", f"{REALISM},xlabs-ai/flux-realismlora", "not a repo", "a/b/c"]
)
def test_a_bad_allow_list_fails_at_start(monkeypatch: pytest.MonkeyPatch, spec: str) -> None:
    with pytest.raises(ValueError):
        make(monkeypatch, spec)


def test_concurrent_calls_do_not_change_each_others_adapters(monkeypatch: pytest.MonkeyPatch) -> None:
    handler, pipe = make(monkeypatch, pipeline=StandInFluxPipeline(delay=0.02))
    threads = [
        threading.Thread(target=handler, args=(body(lora_weights=REALISM, lora_scale=0.9),)),
        threading.Thread(target=handler, args=(body(),)),
        threading.Thread(target=handler, args=(body(lora_weights=REALISM, lora_scale=0.4),)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(pipe.calls) == 3
    assert all(call["effective_at_start"] == call["effective_at_end"] for call in pipe.calls)
    assert sorted(
        call["effective_at_start"].get("lora_xlabs_ai_flux_realismlora", 0) for call in pipe.calls
    ) == [0, 0.4, 0.9]


@pytest.fixture
def toolkit_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, StandInFluxPipeline]]:
    """A loopback server doing what huggingface-inference-toolkit's `predict` does with a handler.

    Imitates webservice_starlette.predict: JSON body → handler(body); `Accept` (default JSON)
    picks the serialiser (image/* → PIL `save(format=...)`); any exception → 400 `{"error": ...}`.
    """
    handler, pipe = make(monkeypatch)

    class Toolkit(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            """Deserialise, call the handler, serialise by Accept."""
            try:
                data = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                image = handler(data)
                accept = self.headers.get("Accept") or "application/json"
                assert accept.startswith("image/"), accept
                out = BytesIO()
                image.save(out, format=accept.split("/")[-1].upper())
                status, payload, media = 200, out.getvalue(), accept
            except Exception as exc:  # noqa: BLE001 - the toolkit turns every exception into a 400
                status, payload, media = 400, json.dumps({"error": str(exc)}).encode(), "application/json"
            self.send_response(status)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            """Keep test output quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Toolkit)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", pipe
    finally:
        server.shutdown()
        server.server_close()


def test_inference_client_body_is_accepted_and_an_unknown_lora_is_a_400(
    toolkit_server: tuple[str, StandInFluxPipeline],
) -> None:
    from huggingface_hub import InferenceClient
    from huggingface_hub.errors import HfHubHTTPError

    url, pipe = toolkit_server
    client = InferenceClient(model=url, timeout=10)
    image = client.text_to_image(
        "portrait of a person",
        negative_prompt="blurry",
        width=768,
        height=768,
        num_inference_steps=30,
        guidance_scale=3.5,
        seed=42,
        extra_body={"lora_weights": REALISM, "lora_scale": 0.9},
    )
    assert image.size == (768, 768)
    assert pipe.calls[-1]["effective_at_start"] == {"lora_xlabs_ai_flux_realismlora": 0.9}
    assert pipe.calls[-1]["generator"] == ("generator", 42)
    with pytest.raises(HfHubHTTPError) as caught:
        client.text_to_image("x", extra_body={"lora_weights": "someone/other-lora", "lora_scale": 1.0})
    assert caught.value.response.status_code == 400
    assert "not served by this endpoint" in caught.value.response.text
    assert len(pipe.calls) == 1
