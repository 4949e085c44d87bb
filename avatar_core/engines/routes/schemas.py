"""What each provider model accepts and what sizes it makes: the tables the route planner reads.

Sources: replicate/cog-flux `predict.py` (the inputs each predictor declares, `ASPECT_RATIOS`,
`megapixels`, `go_fast`) and the fal model pages' input schemas; see the package docstring.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from avatar_core.domain.selection import ENDPOINT_HANDLERS

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
QUARTER_LEEWAY = 0.9  # a 0.25 MP size at least this share of the area asked is used
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


def ceil16(value: int) -> int:
    """The smallest multiple of 16 at or above `value` (FLUX latents are 16-pixel aligned)."""
    return int(math.ceil(value / 16) * 16)


def replicate_size(width: int, height: int) -> tuple[str, str, int, int]:
    """(aspect_ratio, megapixels, w, h): the smallest size Replicate makes at or above WxH.

    The aspect ratio is the one named closest to W/H (a cog-flux size asked exactly is itself).
    cog-flux's 0.25 MP sizes are a little under a quarter megapixel when not square (4:5 is
    448x544), so one within 10% of the area asked counts as enough: a 464x576 ask is made at
    448x544, not at four times the pixels.
    """
    exact = [k for k, (w, h) in REPLICATE_ASPECTS.items() if (width, height) in ((w, h), (w // 2, h // 2))]
    aspect = (
        exact[0] if exact else min(REPLICATE_ASPECTS, key=lambda k: abs(math.log(_ratio(k) * height / width)))
    )
    full_w, full_h = REPLICATE_ASPECTS[aspect]
    half_w, half_h = full_w // 2, full_h // 2
    if (half_w >= width and half_h >= height) or half_w * half_h >= QUARTER_LEEWAY * width * height:
        return aspect, "0.25", half_w, half_h
    return aspect, "1", full_w, full_h


def _ratio(aspect: str) -> float:
    """Width over height of a Replicate aspect ratio, as named ("4:5" is 0.8; its pixels are 896x1088)."""
    w, h = aspect.split(":")
    return int(w) / int(h)


def replicate_schema(provider_model: str) -> InputSchema:
    """The inputs a Replicate model declares (the common cog-flux ones when it is unknown)."""
    return REPLICATE_SCHEMAS.get(provider_model, InputSchema(_COG_COMMON))


def fal_schema(provider_model: str) -> InputSchema:
    """The inputs a fal model declares (the common flux ones when it is unknown)."""
    return FAL_SCHEMAS.get(provider_model, InputSchema(_FAL_COMMON))
