"""Custom Hugging Face Inference Endpoints handler: FLUX.1 with an allow-list of LoRAs.

Deployed as `handler.py` in a model repository; huggingface-inference-toolkit imports it and calls
`EndpointHandler(model_dir)` once, then `handler({"inputs": prompt, "parameters": {...}})` per
request, and serialises the returned PIL image according to the request's `Accept` header.
torch and diffusers are imported lazily so this file can be tested without them (see
tests/unit/test_endpoint_handler.py and docs/self-hosting.md).
"""

from __future__ import annotations

import inspect
import math
import os
import re
import threading
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LORAS_ENV = "AVATAR_ENDPOINT_LORAS"
BASE_MODEL_ENV = "AVATAR_ENDPOINT_BASE_MODEL"
DEFAULT_LORAS = "XLabs-AI/flux-RealismLora"
HUB_URL_PREFIX = "https://huggingface.co/"

SIZE_MULTIPLE, MIN_SIZE, MAX_SIZE = 16, 256, 2048
STEPS_RANGE = (1, 100)
GUIDANCE_RANGE = (0.0, 20.0)
LORA_SCALE_RANGE, DEFAULT_LORA_SCALE = (-1.0, 3.0), 1.0
TRUE_CFG_RANGE = (1.0, 10.0)
SEED_RANGE = (0, 2**64 - 1)  # what torch.Generator.manual_seed accepts on the non-negative side

# Parameters that only some pipelines take; FluxPipeline has both (diffusers >= 0.32).
OPTIONAL_PARAMETERS = frozenset({"negative_prompt", "true_cfg_scale"})
ALWAYS_PARAMETERS = frozenset(
    {"width", "height", "num_inference_steps", "guidance_scale", "seed", "lora_weights", "lora_scale"}
)

_REPO_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class LoraSpec:
    """One allowed LoRA: its Hub repo, optional weight file and the adapter name it is loaded under."""

    repo: str
    weight_name: str | None
    adapter: str


def normalise_repo(value: str) -> str:
    """`owner/name` from a repo id or `https://huggingface.co/owner/name`; ValueError otherwise."""
    text = value.strip()
    if text.startswith(HUB_URL_PREFIX):
        text = text[len(HUB_URL_PREFIX) :]
    text = text.rstrip("/")
    if not _REPO_ID.fullmatch(text):
        raise ValueError(
            f"'{value}' is not a Hugging Face repo id (owner/name) or https://huggingface.co/owner/name."
        )
    return text


def adapter_name(repo: str) -> str:
    """A PEFT-safe adapter name for `repo` (letters, digits and underscores only)."""
    return "lora_" + re.sub(r"[^0-9a-z]+", "_", repo.lower()).strip("_")


def parse_allowed(spec: str) -> dict[str, LoraSpec]:
    """The LoRA allow-list from `repo[=weight_name],...`, keyed by lower-cased repo id."""
    allowed: dict[str, LoraSpec] = {}
    adapters: set[str] = set()
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        repo_text, _, weight = item.partition("=")
        repo = normalise_repo(repo_text)
        key, name = repo.lower(), adapter_name(repo)
        if key in allowed or name in adapters:
            raise ValueError(f"{LORAS_ENV} lists '{repo}' twice (or two repos with the same name).")
        allowed[key] = LoraSpec(repo, weight.strip() or None, name)
        adapters.add(name)
    return allowed


def _number(name: str, value: Any, low: float, high: float, *, integer: bool = False) -> float:
    """`value` as a number within [low, high]; ValueError naming the parameter otherwise."""
    kind = "an integer" if integer else "a number"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"'{name}' must be {kind}, got {value!r}.")
    if integer and not (isinstance(value, int) or value.is_integer()):
        raise ValueError(f"'{name}' must be {kind}, got {value!r}.")
    if not low <= value <= high:  # also false for NaN
        raise ValueError(f"'{name}' must be between {low:g} and {high:g}, got {value!r}.")
    return value


def round_size(name: str, value: Any) -> int:
    """`value` rounded half-up to a multiple of 16 and checked against 256..2048."""
    number = _number(name, value, -math.inf, math.inf)
    rounded = int(math.floor(number / SIZE_MULTIPLE + 0.5)) * SIZE_MULTIPLE if math.isfinite(number) else 0
    if not MIN_SIZE <= rounded <= MAX_SIZE:
        raise ValueError(f"'{name}' must be between {MIN_SIZE} and {MAX_SIZE}, got {value!r}.")
    return rounded


def effective_call(
    parameters: Mapping[str, Any],
    allowed: Mapping[str, LoraSpec],
    *,
    optional: Collection[str] = OPTIONAL_PARAMETERS,
) -> dict[str, Any]:
    """Validate request `parameters`: pipeline kwargs, seed and adapter choice, or ValueError."""
    if not isinstance(parameters, Mapping):
        raise ValueError(f"'parameters' must be a JSON object, got {type(parameters).__name__}.")
    accepted = ALWAYS_PARAMETERS | (OPTIONAL_PARAMETERS & frozenset(optional))
    unknown = sorted(str(key) for key in parameters if key not in accepted)
    if unknown:
        raise ValueError(
            f"Unsupported parameter(s) {', '.join(unknown)}; this endpoint accepts "
            f"{', '.join(sorted(accepted))}."
        )
    params = {key: value for key, value in parameters.items() if value is not None}
    kwargs: dict[str, Any] = {}
    for name in ("width", "height"):
        if name in params:
            kwargs[name] = round_size(name, params[name])
    if "num_inference_steps" in params:
        kwargs["num_inference_steps"] = int(
            _number("num_inference_steps", params["num_inference_steps"], *STEPS_RANGE, integer=True)
        )
    if "guidance_scale" in params:
        kwargs["guidance_scale"] = float(_number("guidance_scale", params["guidance_scale"], *GUIDANCE_RANGE))
    if "true_cfg_scale" in params:
        kwargs["true_cfg_scale"] = float(_number("true_cfg_scale", params["true_cfg_scale"], *TRUE_CFG_RANGE))
    if "negative_prompt" in params:
        if not isinstance(params["negative_prompt"], str):
            raise ValueError("'negative_prompt' must be a string.")
        if params["negative_prompt"].strip():
            kwargs["negative_prompt"] = params["negative_prompt"]
    seed = None
    if "seed" in params:
        seed = int(_number("seed", params["seed"], *SEED_RANGE, integer=True))

    lora, scale = None, None
    if "lora_weights" in params:
        requested = params["lora_weights"]
        if not isinstance(requested, str):
            raise ValueError(
                "'lora_weights' must be a string (a Hub repo id or its https://huggingface.co URL)."
            )
        lora = allowed.get(normalise_repo(requested).lower())
        if lora is None:
            names = ", ".join(spec.repo for spec in allowed.values()) or "none"
            raise ValueError(f"LoRA '{requested}' is not served by this endpoint (allowed: {names}).")
        scale = float(_number("lora_scale", params.get("lora_scale", DEFAULT_LORA_SCALE), *LORA_SCALE_RANGE))
    elif "lora_scale" in params:
        raise ValueError("'lora_scale' was given without 'lora_weights'.")
    return {
        "kwargs": kwargs,
        "seed": seed,
        "adapter": lora.adapter if lora else None,
        "lora": lora.repo if lora else None,
        "lora_scale": scale,
    }


def supported_optional(pipeline: Any) -> frozenset[str]:
    """Which optional parameters the pipeline's `__call__` declares by name."""
    try:
        declared = inspect.signature(pipeline.__call__).parameters
    except (TypeError, ValueError):
        return frozenset()
    return frozenset(name for name in OPTIONAL_PARAMETERS if name in declared)


def _base_model(path: str) -> str:
    """The diffusers model to load: `AVATAR_ENDPOINT_BASE_MODEL`, else the repository at `path`."""
    override = os.environ.get(BASE_MODEL_ENV, "").strip()
    if override:
        return override
    if path and (Path(path) / "model_index.json").is_file():
        return path
    raise ValueError(
        f"No FLUX weights at '{path}' (no model_index.json): set {BASE_MODEL_ENV}, "
        "e.g. black-forest-labs/FLUX.1-dev, or put the weights in the endpoint's repository."
    )


def _load_pipeline(path: str) -> Any:
    """Load FluxPipeline in bf16 on the GPU (float32 on CPU); imports torch and diffusers here."""
    import torch
    from diffusers import FluxPipeline

    device = "cuda" if torch.cuda.is_available() else "cpu"
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    return FluxPipeline.from_pretrained(_base_model(path), torch_dtype=dtype).to(device)


def _torch_generators(device: str) -> Callable[[int], Any]:
    """A factory of seeded `torch.Generator`s on `device`."""

    def make(seed: int) -> Any:
        """`torch.Generator(device).manual_seed(seed)`."""
        import torch

        return torch.Generator(device).manual_seed(seed)

    return make


class EndpointHandler:
    """The toolkit's custom handler: FluxPipeline plus allow-listed LoRAs loaded once at start."""

    def __init__(
        self, path: str = "", pipeline: Any = None, generator_factory: Callable[[int], Any] | None = None
    ) -> None:
        self.allowed = parse_allowed(os.environ.get(LORAS_ENV, DEFAULT_LORAS))
        self.pipeline = pipeline if pipeline is not None else _load_pipeline(path)
        device = str(getattr(self.pipeline, "device", "cpu"))
        self.generator_factory = generator_factory or _torch_generators(device)
        self.optional = supported_optional(self.pipeline)
        self._lock = threading.Lock()
        for spec in self.allowed.values():
            self.pipeline.load_lora_weights(
                spec.repo, weight_name=spec.weight_name, adapter_name=spec.adapter
            )
        if self.allowed:
            self.pipeline.disable_lora()  # loading activates the last adapter; start from the base model

    def __call__(self, data: dict[str, Any]) -> Any:
        """Generate one image for `{"inputs": prompt, "parameters": {...}}`; ValueError on bad input."""
        if not isinstance(data, dict):
            raise ValueError("The request body must be a JSON object with 'inputs' and 'parameters'.")
        extra = sorted(str(key) for key in data if key not in ("inputs", "parameters"))
        if extra:
            raise ValueError(f"Unsupported field(s) {', '.join(extra)}; send 'inputs' and 'parameters'.")
        prompt = data.get("inputs")
        if not isinstance(prompt, str) or not prompt.strip():
            raise ValueError("'inputs' must be a non-empty prompt string.")
        call = effective_call(data.get("parameters") or {}, self.allowed, optional=self.optional)
        kwargs = dict(call["kwargs"])
        if call["seed"] is not None:
            kwargs["generator"] = self.generator_factory(call["seed"])
        with self._lock:  # adapter state is pipeline-wide: hold it for the whole denoising loop
            if call["adapter"] is not None:
                self.pipeline.set_adapters([call["adapter"]], adapter_weights=[call["lora_scale"]])
                self.pipeline.enable_lora()  # set_adapters does not undo an earlier disable_lora
            elif self.allowed:
                self.pipeline.disable_lora()
            output = self.pipeline(prompt=prompt, num_images_per_prompt=1, output_type="pil", **kwargs)
        return output.images[0]
