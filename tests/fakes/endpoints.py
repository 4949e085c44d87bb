"""Fake Inference Endpoint handlers: the toolkit's default diffusers handler, and ours.

Default handler (github.com/huggingface/huggingface-inference-toolkit @ 833b5a2):
- webservice_starlette.py:85-139: the body needs "inputs" (else ValueError); Accept None or "*/*"
  -> application/json; ANY exception -> 400 {"error": str(e)}; routes "/" and "/predict"
  (POST) and "/", "/health" (GET -> "Ok") at lines 162-172.
- handler.py:29-51: a diffusers pipeline is called as pipeline(inputs, **parameters).
- diffusers_utils.py:41-83: seed -> torch.Generator (popped); num_images_per_prompt popped (warning);
  target_size -> height/width; `if kwargs.get("height") != kwargs.get("width"): raise ValueError`
  (lines 71-74: as written it refuses every NON-SQUARE size, not only a half-given one); output_type
  other than "pil" popped; then FluxPipeline(prompt, num_images_per_prompt=1, **kwargs): any other
  keyword -> TypeError "FluxPipeline.__call__() got an unexpected keyword argument '<name>'".
- serialization/base.py + image_utils.py: the image is saved in the Accept type (image/png, jpeg,
  webp...); json_utils.py: with application/json the PIL image becomes a base64 PNG JSON string.
- FluxPipeline.__call__ keywords and defaults (diffusers src/diffusers/pipelines/flux/
  pipeline_flux.py): height/width default 1024, num_inference_steps 28, guidance_scale 3.5; sizes
  not divisible by 16 are rounded DOWN with a warning (check_inputs; huggingface/diffusers#9904).
"avatar-creator": OUR deploy/endpoint/handler.py, run for real: its EndpointHandler.__call__ body
checks and `effective_call` (allow-listed LoRA by repo id or https://huggingface.co URL, lora_scale
-1..3 applied as given, sizes rounded half-up to 16 within 256..2048, unknown parameters refused);
its ValueError becomes the toolkit's 400; FluxPipeline's defaults then fill what it left out.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

from tests.fakes.common import EffectiveRun, Rejected, round16

FLUX_CALL_KWARGS = frozenset(
    {
        "prompt_2",
        "negative_prompt",
        "negative_prompt_2",
        "true_cfg_scale",
        "height",
        "width",
        "num_inference_steps",
        "sigmas",
        "guidance_scale",
        "generator",
        "latents",
        "prompt_embeds",
        "pooled_prompt_embeds",
        "ip_adapter_image",
        "ip_adapter_image_embeds",
        "negative_ip_adapter_image",
        "negative_ip_adapter_image_embeds",
        "negative_prompt_embeds",
        "negative_pooled_prompt_embeds",
        "output_type",
        "return_dict",
        "joint_attention_kwargs",
        "callback_on_step_end",
        "callback_on_step_end_tensor_inputs",
        "max_sequence_length",
    }
)
ACCEPT_FORMATS = {"image/png": "png", "image/jpeg": "jpeg", "image/jpg": "jpeg", "image/webp": "webp"}
JSON_TYPES = ("application/json", "application/json; charset=UTF-8")


@dataclass(frozen=True)
class Endpoint:
    """A dedicated endpoint: its base model, handler kind and (ours) LoRA allow-list."""

    name: str
    base_model: str
    handler: str  # "default" | "avatar-creator"
    loras: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    """A call that will run, and whether the image goes back as JSON (base64 PNG)."""

    run: EffectiveRun
    as_json: bool


def _fail(message: str) -> Rejected:
    """The toolkit's answer to any exception."""
    return Rejected(400, {"error": message})


def _int(value: Any, name: str) -> int:
    """An integer parameter the way Python would take it, else the toolkit's 400."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _fail(f"{name} must be an integer, got {type(value).__name__}")
    try:
        return int(value)
    except ValueError as error:
        raise _fail(str(error)) from error


def _envelope(body: Any, content_type: str | None, accept: str | None) -> tuple[Any, dict, str]:
    """Check body/accept like the toolkit's webservice; (inputs, parameters, accept)."""
    if (content_type or "").split(";")[0].strip() != "application/json":
        raise _fail(f'Content type "{content_type}" not supported.')
    if not isinstance(body, dict) or ("inputs" not in body and "instances" not in body):
        raise _fail(f"Body needs to provide a inputs key, received: {json.dumps(body)}")
    accept = "application/json" if accept in (None, "*/*") else accept
    if accept not in ACCEPT_FORMATS and accept not in JSON_TYPES:
        raise _fail(f'Accept type "{accept}" not supported.')
    parameters = body.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise _fail("parameters must be a dict")
    return body.get("inputs"), dict(parameters), accept


def _finish(
    route: str, model: str, prompt: Any, params: dict, accept: str, dropped: list[str], **extra: Any
) -> Plan:
    """Sizes rounded down to 16 as FluxPipeline does; defaults of FluxPipeline.__call__."""
    width = round16(_int(params.get("width") or 1024, "width"))
    height = round16(_int(params.get("height") or 1024, "height"))
    steps = _int(params.get("num_inference_steps", 28), "num_inference_steps")
    guidance = params.get("guidance_scale", 3.5)
    if isinstance(guidance, bool) or not isinstance(guidance, int | float):
        raise _fail(f"guidance_scale must be a number, got {type(guidance).__name__}")
    as_json = accept not in ACCEPT_FORMATS
    run = EffectiveRun(
        route=route,
        model=model,
        lora=extra.get("lora"),
        lora_scale=extra.get("lora_scale"),
        width=width,
        height=height,
        format="png" if as_json else ACCEPT_FORMATS[accept],
        steps=steps,
        guidance=float(guidance),
        seed=extra.get("seed"),
        prompt=str(prompt),
        dropped=tuple(sorted(dropped)),
    )
    return Plan(run, as_json)


def toolkit_plan(route: str, model: str, body: Any, content_type: str | None, accept: str | None) -> Plan:
    """The default toolkit handler in front of FluxPipeline."""
    prompt, params, accept = _envelope(body, content_type, accept)
    dropped = [name for name in ("prompt", "num_images_per_prompt") if params.pop(name, None) is not None]
    seed = _int(params.pop("seed"), "seed") if "seed" in params else None
    if isinstance(params.get("target_size"), dict):
        target = params.pop("target_size")
        params["height"], params["width"] = target.get("height"), target.get("width")
    if params.get("height") != params.get("width"):
        raise _fail(
            f"Provided `height={params.get('height')}` and `width={params.get('width')}`, but either "
            "both must have a value or both must be None (or not provided)."
        )
    if params.get("output_type", "pil") != "pil":
        params.pop("output_type")
        dropped.append("output_type")
    for name in params:
        if name not in FLUX_CALL_KWARGS:
            raise _fail(f"FluxPipeline.__call__() got an unexpected keyword argument '{name}'")
    return _finish(route, model, prompt, params, accept, dropped, seed=seed)


HANDLER_PATH = Path(__file__).resolve().parents[2] / "deploy" / "endpoint" / "handler.py"


@lru_cache(maxsize=1)
def our_handler() -> ModuleType:
    """deploy/endpoint/handler.py, loaded by path (it is not a package; torch is imported lazily)."""
    spec = importlib.util.spec_from_file_location("avatar_endpoint_handler", HANDLER_PATH)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {HANDLER_PATH}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def ours_plan(
    route: str, model: str, body: Any, content_type: str | None, accept: str | None, loras: tuple[str, ...]
) -> Plan:
    """Our handler.py's own checks (EndpointHandler.__call__ + effective_call) under the toolkit."""
    prompt, _, accept = _envelope(body, content_type, accept)
    handler = our_handler()
    try:
        extra = sorted(str(key) for key in body if key not in ("inputs", "parameters"))
        if extra:
            raise ValueError(f"Unsupported field(s) {', '.join(extra)}; send 'inputs' and 'parameters'.")
        if not isinstance(prompt, str) or not prompt.strip():
            raise ValueError("'inputs' must be a non-empty prompt string.")
        allowed = handler.parse_allowed(",".join(loras))
        call = handler.effective_call(body.get("parameters") or {}, allowed)
    except ValueError as error:
        raise _fail(str(error)) from error
    return _finish(
        route,
        model,
        prompt,
        call["kwargs"],
        accept,
        [],
        lora=call["lora"],
        lora_scale=call["lora_scale"],
        seed=call["seed"],
    )
