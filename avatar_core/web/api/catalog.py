"""API routes about the caller and what they can use: /v1/me, /v1/models, /v1/presets."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from avatar_core.bootstrap import App
from avatar_core.domain.selection import can_access, price_for
from avatar_core.engines.base import RouteTarget
from avatar_core.web.api.auth import Who
from avatar_core.web.api.errors import example

MODEL_EXAMPLE = {
    "key": "avatar-creator:flux-dev-realism",
    "name": "FLUX.1-dev + Realism LoRA",
    "price": 12,
    "width": 1024,
    "height": 1024,
    "lora": {"repo": "XLabs-AI/flux-RealismLora", "scale": 0.9},
    "locked": False,
    "tier_needed": "basic",
}
PRESET_EXAMPLE = {
    "key": "yoga-instructor",
    "name": "Yoga Instructor",
    "category": "fitness",
    "description": "Calm teacher in a bright studio.",
}


def catalog_router(app: App) -> APIRouter:
    """The caller, the models with the caller's price, the presets."""
    router = APIRouter()

    @router.get(
        "/v1/me",
        summary="The caller: username, tier and balance",
        responses=example({"username": "alice", "tier": "pro", "balance": 50}),
    )
    def me(who: Who) -> dict[str, Any]:
        user = app.accounts.get(who.user.id)
        return {"username": user.username, "tier": user.tier, "balance": user.balance}

    @router.get(
        "/v1/models",
        summary="The models this user can see, with this user's price",
        responses=example([MODEL_EXAMPLE]),
    )
    def models(who: Who) -> list[dict[str, Any]]:
        tier = app.accounts.get(who.user.id).tier
        out = []
        for m in app.generations.sold_models():
            if not m.enabled:
                continue
            plan = app.engine.plan(RouteTarget.of(m))
            out.append(
                {
                    "key": m.model_key,
                    "name": m.name,
                    "price": price_for(m, tier),
                    "width": plan.width,
                    "height": plan.height,
                    "lora": {"repo": plan.lora, "scale": plan.lora_scale} if plan.lora else None,
                    "locked": not can_access(tier, m.tier),
                    "tier_needed": m.tier,
                }
            )
        return out

    @router.get("/v1/presets", summary="The presets", responses=example([PRESET_EXAMPLE]))
    def presets(who: Who) -> list[dict[str, Any]]:
        return [
            {"key": p.key, "name": p.name, "category": p.category, "description": p.description}
            for p in app.catalog.presets()
        ]

    return router
