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

Modules: `schemas` (what each provider model accepts, the sizes it makes), `plan` (the `Plan` for
a catalog row from the Hub mappings), `calls` (the library call for a request on that plan).
"""

from __future__ import annotations

from avatar_core.engines.routes.calls import Call, build_call
from avatar_core.engines.routes.plan import HubMapping, Mappings, RouteConfig, plan_route
from avatar_core.engines.routes.schemas import (
    AUTO_ORDER,
    ENDPOINT,
    FAL,
    FAL_SCHEMAS,
    HANDLER_AVATAR,
    HANDLER_DEFAULT,
    REPLICATE,
    REPLICATE_ASPECTS,
    REPLICATE_SCHEMAS,
    SERVERLESS,
    InputSchema,
    ceil16,
    replicate_size,
)

__all__ = [
    "AUTO_ORDER",
    "ENDPOINT",
    "FAL",
    "FAL_SCHEMAS",
    "HANDLER_AVATAR",
    "HANDLER_DEFAULT",
    "REPLICATE",
    "REPLICATE_ASPECTS",
    "REPLICATE_SCHEMAS",
    "SERVERLESS",
    "Call",
    "HubMapping",
    "InputSchema",
    "Mappings",
    "RouteConfig",
    "build_call",
    "ceil16",
    "plan_route",
    "replicate_size",
]
