"""Where a catalog row runs on Hugging Face and what to send there: pure planning, no I/O.

One request builder per route, each sending only what that provider accepts, and a `Plan` that
says what would really run. Sources (read for this module; see docs/providers.md):

- huggingface_hub 2.4 `inference/_providers/replicate.py`: the payload is
  `{"input": {"prompt", **parameters}}`; `lora_weights = https://huggingface.co/<repo>` is added
  only when the *LoRA repo* is the model and its Hub mapping has `adapterWeightsPath`.
- huggingface_hub 2.4 `inference/_providers/fal_ai.py`: width/height become `image_size`; a LoRA
  repo becomes `loras=[{path, scale: 1}]` (the scale is fixed at 1 by the library).
- replicate/cog-flux `predict.py`: the inputs each predictor declares (Cog drops the rest
  silently), `ASPECT_RATIOS`, `megapixels` "1" | "0.25" (halves both sides), `go_fast` default
  True (fp8; for LoRA predictors it multiplies `lora_scale` by 1.5, and seeds stop being
  deterministic), `output_format` default "webp".
- huggingface-inference-toolkit: a dedicated endpoint is posted to at its own URL with
  `{"inputs", "parameters"}`; the default diffusers handler passes every parameter to the
  pipeline, so `lora_weights` fails there (our `deploy/endpoint/handler.py` applies or refuses).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from avatar_core.domain.selection import ENDPOINT_HANDLERS
from avatar_core.engines.base import Plan, RenderRequest, RouteTarget

HANDLER_DEFAULT, HANDLER_AVATAR = ENDPOINT_HANDLERS
REPLICATE, FAL, ENDPOINT, SERVERLESS = "replicate", "fal-ai", "endpoint", "serverless"
AUTO_ORDER = (REPLICATE, FAL, "hf-inference")  # `auto`: the first of these the Hub maps

# replicate/cog-flux predict.py, ASPECT_RATIOS (megapixels "1"; "0.25" halves both sides).
REPLICATE_ASPECTS: dict[str, tuple[int, int]] = {
    "1:1": (1024, 1024),
    "16:9": (1344, 768),
    "21:9": (1536, 640),
    "3:2": (1216, 832),
    "2:3": (832, 1216),
    "4:5": (896, 1088),
    "5:4": (1088, 896),
    "3:4": (896, 1152),
    "4:3": (1152, 896),
    "9:16": (768, 1344),
    "9:21": (640, 1536),
}
_COG_COMMON = frozenset(
    {
        "prompt",
        "aspect_ratio",
        "num_outputs",
        "num_inference_steps",
        "seed",
        "output_format",
        "output_quality",
        "disable_safety_checker",
        "go_fast",
        "megapixels",
    }
)
_COG_DEV = _COG_COMMON | {"image", "prompt_strength", "guidance"}
_COG_LORA = frozenset(
    {"lora_weights", "lora_scale", "extra_lora", "extra_lora_scale", "hf_api_token", "civitai_api_token"}
)


@dataclass(frozen=True)
class InputSchema:
    """The inputs one provider model declares, its step limit, and whether go_fast scales LoRAs."""

    inputs: frozenset[str]
    max_steps: int = 50
    lora_go_fast_factor: float = 1.0


# cog-flux predictors: SchnellPredictor, DevPredictor, DevLoraPredictor, FluxKreaDevPredictor.
REPLICATE_SCHEMAS: dict[str, InputSchema] = {
    "black-forest-labs/flux-dev": InputSchema(_COG_DEV),
    "black-forest-labs/flux-krea-dev": InputSchema(_COG_DEV),
    "black-forest-labs/flux-schnell": InputSchema(_COG_COMMON, max_steps=4),
    "black-forest-labs/flux-dev-lora": InputSchema(_COG_DEV | _COG_LORA, lora_go_fast_factor=1.5),
    # replicate/cog-flux-kontext predict.py: image-to-image with `input_image` (the library also
    # sends image/images/input_images, which Cog drops), aspect_ratio "match_input_image".
    "black-forest-labs/flux-kontext-dev": InputSchema(
        frozenset(
            {
                "prompt",
                "input_image",
                "aspect_ratio",
                "num_inference_steps",
                "guidance",
                "seed",
                "output_format",
                "output_quality",
                "disable_safety_checker",
                "go_fast",
            }
        )
    ),
    "black-forest-labs/flux-schnell-lora": InputSchema(
        _COG_COMMON | {"lora_weights", "lora_scale"}, max_steps=4, lora_go_fast_factor=1.5
    ),
}
_FAL_COMMON = frozenset(
    {
        "prompt",
        "image_size",
        "num_inference_steps",
        "seed",
        "sync_mode",
        "num_images",
        "enable_safety_checker",
        "output_format",
        "acceleration",
    }
)
# fal model pages (fal.ai/models/<id>/api): flux/dev, flux/schnell, flux-lora input schemas.
FAL_SCHEMAS: dict[str, InputSchema] = {
    "fal-ai/flux/dev": InputSchema(_FAL_COMMON | {"guidance_scale"}),
    "fal-ai/flux/schnell": InputSchema(_FAL_COMMON, max_steps=12),
    "fal-ai/flux-lora": InputSchema(_FAL_COMMON | {"guidance_scale", "loras"}),
    "fal-ai/flux-kontext/dev": InputSchema(_FAL_COMMON | {"image_url", "guidance_scale", "resolution_mode"}),
}


@dataclass(frozen=True)
class HubMapping:
    """One provider's entry of a repo's `inferenceProviderMapping` on the Hub."""

    provider: str
    provider_id: str
    status: str = "live"
    task: str = "text-to-image"
    adapter: str | None = None
    adapter_weights_path: str | None = None


# A repo's mapping by provider; None when the Hub could not be asked.
Mappings = Mapping[str, HubMapping] | None


@dataclass(frozen=True)
class RouteConfig:
    """The deployment's routing settings (from Settings)."""

    provider: str = ""  # "", "auto", "replicate", "fal-ai", "hf-inference", ...
    base_url: str | None = None  # AVATAR_HF_BASE_URL: the serverless protocol, <url>/models/<id>
    base_url_handler: str = HANDLER_DEFAULT  # AVATAR_HF_BASE_URL_HANDLER


@dataclass(frozen=True)
class Call:
    """One request as the library should build it: provider helper, model argument, parameters."""

    provider: str  # huggingface_hub provider name ("hf-inference" for URLs)
    model: str  # repo id, or the URL posted to verbatim
    parameters: dict[str, Any]
    image: bytes | None = None  # image-to-image: the input photo (the library makes a data URL)

    @property
    def task(self) -> str:
        """The library's task for this call."""
        return "image-to-image" if self.image is not None else "text-to-image"


def ceil16(value: int) -> int:
    """The smallest multiple of 16 at or above `value` (FLUX latents are 16-pixel aligned)."""
    return int(math.ceil(value / 16) * 16)


def replicate_size(width: int, height: int) -> tuple[str, str, int, int]:
    """(aspect_ratio, megapixels, w, h): the smallest size Replicate makes at or above WxH."""
    aspect = min(REPLICATE_ASPECTS, key=lambda k: abs(math.log(_ratio(k) / (width / height))))
    full_w, full_h = REPLICATE_ASPECTS[aspect]
    if full_w // 2 >= width and full_h // 2 >= height:
        return aspect, "0.25", full_w // 2, full_h // 2
    return aspect, "1", full_w, full_h


def _ratio(aspect: str) -> float:
    w, h = REPLICATE_ASPECTS[aspect]
    return w / h


def plan_route(target: RouteTarget, config: RouteConfig, lookup: Callable[[str], Mappings]) -> Plan:
    """How `target` would be served under `config`; `lookup` gives a repo's Hub mappings."""
    if target.endpoint_url:
        return _plan_endpoint(target, target.endpoint_handler or HANDLER_DEFAULT, ENDPOINT)
    if config.base_url:
        return _plan_endpoint(target, config.base_url_handler, SERVERLESS)
    provider = config.provider or "auto"
    if target.lora_model:
        return _plan_lora(target, provider, lookup(target.lora_model))
    return _plan_base(target, provider, lookup(target.model_id))


def _plan_endpoint(target: RouteTarget, handler: str, route: str) -> Plan:
    size = ceil16(target.width), ceil16(target.height)
    plan = Plan(route, target.model_id, *size, status="n/a")
    if not target.lora_model:
        return plan
    if handler != HANDLER_AVATAR:
        where = "the endpoint" if route == ENDPOINT else "AVATAR_HF_BASE_URL"
        why = (
            f"{where} runs the default handler, which cannot apply a LoRA "
            f"(deploy/endpoint/handler.py can: mark it '{HANDLER_AVATAR}')"
        )
        return replace(plan, servable=False, why=why)
    return replace(plan, lora=target.lora_model, lora_scale=target.lora_scale or 1.0)


def _pick(provider: str, mappings: Mappings) -> str:
    if provider != "auto" or not mappings:
        return REPLICATE if provider == "auto" else provider
    return next((p for p in AUTO_ORDER if p in mappings), REPLICATE)


def _plan_base(target: RouteTarget, provider: str, mappings: Mappings) -> Plan:
    provider = _pick(provider, mappings)
    entry = (mappings or {}).get(provider)
    plan = _sized(Plan(provider, entry.provider_id if entry else "", target.width, target.height))
    if mappings is None:
        return replace(plan, status="unknown", notes=("the Hub mapping could not be checked",))
    if entry is None:
        return replace(
            plan,
            servable=False,
            status="unmapped",
            why=f"{target.model_id} is not mapped to '{provider}' on the Hub",
        )
    return replace(plan, status=entry.status)


def _plan_lora(target: RouteTarget, provider: str, mappings: Mappings) -> Plan:
    provider = _pick(provider, mappings)
    entry = (mappings or {}).get(provider)
    plan = _sized(Plan(provider, entry.provider_id if entry else "", target.width, target.height))
    lora = target.lora_model
    if provider not in (REPLICATE, FAL):
        why = f"'{provider}' cannot run a LoRA; use replicate, fal-ai or an endpoint"
        return replace(plan, servable=False, status="n/a", why=why)
    if mappings is None:
        return replace(
            plan, servable=False, status="unknown", why=f"the Hub mapping of {lora} could not be checked"
        )
    if entry is None or entry.adapter != "lora":
        return replace(
            plan,
            servable=False,
            status="unmapped",
            why=f"{lora} is not mapped as a LoRA adapter on '{provider}'",
        )
    schema = REPLICATE_SCHEMAS.get(entry.provider_id)
    if provider == REPLICATE and (schema is None or "lora_scale" not in schema.inputs):
        return replace(
            plan,
            servable=False,
            status=entry.status,
            why=f"{entry.provider_id} on Replicate has no known LoRA inputs",
        )
    if provider == FAL:
        notes = (
            ()
            if target.lora_scale in (None, 1.0)
            else (f"fal-ai runs LoRAs at scale 1.0 (catalog scale {target.lora_scale:g})",)
        )
        return replace(plan, lora=lora, lora_scale=1.0, status=entry.status, notes=notes)
    scale = 1.0 if target.lora_scale is None else target.lora_scale
    return replace(plan, lora=lora, lora_scale=scale, status=entry.status)


def _sized(plan: Plan) -> Plan:
    """`plan` with the size its route can produce for the requested one."""
    if plan.route == REPLICATE:
        _, _, width, height = replicate_size(plan.width, plan.height)
        return replace(plan, width=width, height=height, negative_prompt=False)
    if plan.route == FAL:
        return replace(plan, width=ceil16(plan.width), height=ceil16(plan.height), negative_prompt=False)
    return plan


def build_call(plan: Plan, request: RenderRequest, config: RouteConfig) -> Call:
    """The library call for `request` on `plan`'s route: only inputs that route declares."""
    if request.image is not None:
        return _image_call(plan, request)
    if plan.route == REPLICATE:
        return _replicate_call(plan, request)
    if plan.route == FAL:
        return _fal_call(plan, request)
    params: dict[str, Any] = {
        "width": plan.width,
        "height": plan.height,
        "num_inference_steps": request.steps,
        "guidance_scale": request.guidance_scale,
        "seed": request.seed,
        "negative_prompt": request.negative_prompt or None,
    }
    if plan.route in (ENDPOINT, SERVERLESS):
        if plan.lora:
            params |= {"lora_weights": plan.lora, "lora_scale": plan.lora_scale}
        url = (
            request.endpoint_url
            if plan.route == ENDPOINT
            else (f"{(config.base_url or '').rstrip('/')}/models/{request.model_id}")
        )
        return Call("hf-inference", url or "", _no_none(params))
    return Call(plan.route, request.model_id, _no_none(params))


def _replicate_call(plan: Plan, request: RenderRequest) -> Call:
    schema = REPLICATE_SCHEMAS.get(plan.provider_model, InputSchema(_COG_COMMON))
    aspect, megapixels, _, _ = replicate_size(plan.width, plan.height)
    params: dict[str, Any] = {
        "aspect_ratio": aspect,
        "megapixels": megapixels,
        "num_outputs": 1,
        "num_inference_steps": min(request.steps, schema.max_steps),
        "guidance": request.guidance_scale,
        "seed": request.seed,
        "output_format": "png",
        "go_fast": False,  # bf16: the LoRA scale is the one we send, and seeds are reproducible
        "lora_scale": plan.lora_scale if plan.lora else None,
    }
    model = plan.lora if plan.lora else request.model_id
    return Call(REPLICATE, model, {k: v for k, v in _no_none(params).items() if k in schema.inputs})


def _fal_call(plan: Plan, request: RenderRequest) -> Call:
    schema = FAL_SCHEMAS.get(plan.provider_model, InputSchema(_FAL_COMMON))
    params: dict[str, Any] = {
        "num_inference_steps": min(request.steps, schema.max_steps),
        "guidance_scale": request.guidance_scale,
        "seed": request.seed,
        "num_images": 1,
        "output_format": "png",
        "enable_safety_checker": True,
    }
    params = {k: v for k, v in params.items() if k in schema.inputs}
    params |= {"width": plan.width, "height": plan.height}  # the library turns them into image_size
    return Call(FAL, plan.lora if plan.lora else request.model_id, params)


def _image_call(plan: Plan, request: RenderRequest) -> Call:
    """An image-to-image edit (FLUX.1 Kontext): the photo, the instruction, the safety checker on."""
    if plan.route == REPLICATE:
        schema = REPLICATE_SCHEMAS.get(plan.provider_model, InputSchema(_COG_COMMON))
        params: dict[str, Any] = {
            "prompt": request.prompt,
            "aspect_ratio": "match_input_image",
            "num_inference_steps": min(request.steps, schema.max_steps),
            "guidance": request.guidance_scale,
            "seed": request.seed,
            "output_format": "png",
            "go_fast": False,
            "disable_safety_checker": False,
        }
        params = {k: v for k, v in params.items() if k in schema.inputs}
    elif plan.route == FAL:
        schema = FAL_SCHEMAS.get(plan.provider_model, InputSchema(_FAL_COMMON))
        params = {
            "prompt": request.prompt,
            "num_inference_steps": request.steps,
            "guidance_scale": request.guidance_scale,
            "seed": request.seed,
            "output_format": "png",
            "enable_safety_checker": True,
            "num_images": 1,
            "resolution_mode": "match_input",
        }
        params = {k: v for k, v in params.items() if k in schema.inputs}
    else:
        params = {
            "prompt": request.prompt,
            "num_inference_steps": request.steps,
            "guidance_scale": request.guidance_scale,
            "seed": request.seed,
        }
    model = request.endpoint_url if plan.route == ENDPOINT and request.endpoint_url else request.model_id
    provider = plan.route if plan.route in (REPLICATE, FAL) else "hf-inference"
    return Call(provider, model, params, request.image)


def _no_none(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}
