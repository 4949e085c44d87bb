"""Admin tab handlers for the catalog: the models table, editing and adding a model, stats."""

from __future__ import annotations

from typing import Any

import gradio as gr

from avatar_core.domain.errors import ValidationError
from avatar_core.domain.selection import ModelSpec
from avatar_core.services.verify import route_rows
from avatar_core.web.handlers.base import HandlerBase
from avatar_core.web.handlers.common import user_errors, whole


class ModelHandlers(HandlerBase):
    """The catalog's admin events; every one re-checks the role in AdminService."""

    @user_errors
    def admin_models(self, request: gr.Request | None = None) -> list[list[Any]]:
        """The catalog with what really runs for each row (route, LoRA, size, status, licence)."""
        routes = self.admin.model_routes(self.user(request))
        rows = route_rows([m for m, _ in routes], [p for _, p in routes])
        return [
            [m.model_key, m.tier, m.credit_cost, "yes" if m.enabled else "no", f"{r[1]}: {r[2]}", *r[3:]]
            for (m, _), r in zip(routes, rows, strict=True)
        ]

    @user_errors
    def admin_model_fields(
        self, model_key: str = "", request: gr.Request | None = None
    ) -> tuple[bool, int, str, str]:
        """The enabled flag, price and endpoint of one model (fills the edit form)."""
        for m in self.admin.models(self.user(request)):
            if m.model_key == model_key:
                return m.enabled, m.credit_cost, m.endpoint_url or "", m.endpoint_handler or "default"
        raise ValidationError(f"Unknown model {model_key!r}.")

    @user_errors
    def admin_update_model(
        self,
        model_key: str = "",
        enabled: bool = True,
        price: float = 0,
        endpoint_url: str = "",
        endpoint_handler: str = "default",
        request: gr.Request | None = None,
    ) -> str:
        """Enable/disable a model, set its price and its dedicated endpoint (empty: provider)."""
        if not whole(price):
            raise ValidationError("The price is a whole number of credits.")
        actor = self.user(request)
        current = next((m for m in self.admin.models(actor) if m.model_key == model_key), None)
        self.admin.update_model(actor, model_key, bool(enabled), int(price))
        url = (endpoint_url or "").strip() or None
        note = ""
        if current is not None and (url, endpoint_handler if url else None) != (
            current.endpoint_url,
            current.endpoint_handler,
        ):
            _, plan = self.admin.set_endpoint(actor, model_key, url, endpoint_handler)
            note = f" Route: {plan.route}" + ("" if plan.servable else f" — not sold: {plan.why}")
        return f"Saved {model_key}: {'enabled' if enabled else 'disabled'}, {int(price)} credits." + note

    @user_errors
    def admin_add_model(
        self,
        key: str = "",
        model_id: str = "",
        lora: str = "",
        lora_scale: float | None = None,
        tier: str = "basic",
        price: float = 0,
        size: str = "1024x1024",
        steps: float = 28,
        guidance: float = 3.5,
        license_: str = "",
        request: gr.Request | None = None,
    ) -> str:
        """Add a catalog row, checked against the Hub's provider mappings before it is saved."""
        for label, value in (("price", price), ("steps", steps)):
            if value is None or int(value) != value:
                raise ValidationError(f"The {label} is a whole number.")
        width, _, height = (size or "").lower().replace("×", "x").partition("x")
        if not (width.strip().isdigit() and height.strip().isdigit()):
            raise ValidationError("The size is WIDTHxHEIGHT, e.g. 1024x1024.")
        model = ModelSpec(
            model_key=(key or "").strip(),
            name=(key or "").strip().split(":")[-1],
            tier=tier,
            credit_cost=int(price),
            model_id=(model_id or "").strip(),
            lora_model=(lora or "").strip() or None,
            lora_scale=None if not (lora or "").strip() else (1.0 if lora_scale is None else lora_scale),
            width=int(width),
            height=int(height),
            steps=int(steps),
            guidance_scale=float(guidance or 0),
            license=(license_ or "").strip(),
        )
        saved, plan = self.admin.add_model(self.user(request), model)
        lora_note = f", LoRA runs @ {plan.lora_scale:g}" if plan.lora else ""
        return f"Added {saved.model_key}: {plan.route} {plan.provider_model}, {plan.size}{lora_note}."

    @user_errors
    def admin_stats(self, request: gr.Request | None = None) -> tuple[list[list[Any]], Any]:
        """Per-model count, success rate and mean seconds, with a chart's data."""
        import pandas as pd

        stats = self.admin.model_stats(self.user(request))
        rows = [
            [
                s.model_key.split(":")[-1],
                s.count,
                s.completed,
                s.failed,
                f"{s.success_rate:.0%}",
                "" if s.mean_seconds is None else round(s.mean_seconds, 2),
                s.last_failure,
            ]
            for s in stats
        ]
        chart = pd.DataFrame(
            {"model": [s.model_key.split(":")[-1] for s in stats], "generations": [s.count for s in stats]}
        )
        return rows, chart
