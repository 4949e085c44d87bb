"""The library call for a planned request: one builder per route, each sending only what it accepts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from avatar_core.engines.base import Plan, RenderRequest
from avatar_core.engines.routes.plan import RouteConfig
from avatar_core.engines.routes.schemas import (
    ENDPOINT,
    FAL,
    REPLICATE,
    SERVERLESS,
    fal_schema,
    replicate_schema,
    replicate_size,
)


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
    schema = replicate_schema(plan.provider_model)
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
    schema = fal_schema(plan.provider_model)
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
        schema = replicate_schema(plan.provider_model)
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
        schema = fal_schema(plan.provider_model)
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
    """`params` without the ones that are None (not sent)."""
    return {k: v for k, v in params.items() if v is not None}
