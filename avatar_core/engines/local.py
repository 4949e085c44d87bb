"""The offline engine: an illustrated portrait drawn with Pillow, no network and no model."""

from __future__ import annotations

import time

from avatar_core.engines.base import EngineError, RenderRequest, RenderResult
from avatar_core.engines.portrait import portrait_features
from avatar_core.engines.portrait_draw import draw_portrait


class LocalEngine:
    """Renders a deterministic flat-illustration avatar from the prompt and attributes."""

    name = "local"

    def render(self, request: RenderRequest, *, deadline: float) -> RenderResult:
        """Draw the portrait, or raise EngineError(kind="timeout") if `deadline` has passed."""
        if time.monotonic() >= deadline:
            raise EngineError("The image took too long to render.", kind="timeout")
        features = portrait_features(request.prompt, request.attributes, request.seed)
        image = draw_portrait(features, request.width, request.height)
        return RenderResult(
            image=image,
            engine=self.name,
            model_used=request.model_id,
            lora_applied=False,
            notes=("offline preview",),
        )
