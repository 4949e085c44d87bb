"""The offline engine: an illustrated portrait drawn with Pillow, no network and no model."""

from __future__ import annotations

import time

from avatar_core.engines.base import (
    OFFLINE_ROUTE,
    EngineError,
    ErrorKind,
    Plan,
    RenderRequest,
    RenderResult,
    RouteTarget,
)

OFFLINE_NOTE = "offline preview"


class LocalEngine:
    """Renders a deterministic flat-illustration avatar from the prompt and attributes."""

    name = "local"
    offline = True

    def plan(self, target: RouteTarget) -> Plan:
        """Every row runs here, at its own size, as a labelled preview that claims no LoRA."""
        return Plan(
            OFFLINE_ROUTE, "offline-preview", target.width, target.height, status="n/a", notes=(OFFLINE_NOTE,)
        )

    def render(self, request: RenderRequest, *, deadline: float) -> RenderResult:
        """Draw the portrait, or raise EngineError(kind=timeout) if `deadline` has passed."""
        if time.monotonic() >= deadline:
            raise EngineError("The image took too long to render.", kind=ErrorKind.TIMEOUT)
        # The painter is imported on the first render: commands that never draw start faster.
        from avatar_core.engines.offline.draw import draw_portrait
        from avatar_core.engines.offline.likeness import photo_preview
        from avatar_core.engines.offline.portrait import portrait_features

        features = portrait_features(request.prompt, request.attributes, request.seed)
        if request.image is not None:
            image = photo_preview(request.image, features, request.width, request.height)
        else:
            image = draw_portrait(features, request.width, request.height)
        return RenderResult(
            image=image,
            engine=self.name,
            model_used=request.model_id,
            lora_applied=False,
            provider=OFFLINE_ROUTE,
            provider_model="offline-preview",
            offline=True,
        )
