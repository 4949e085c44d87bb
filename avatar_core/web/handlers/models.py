"""Admin tab handlers for the catalog: the models table, editing and adding a model, stats."""

from __future__ import annotations

import html
import shlex
from typing import Any

import gradio as gr

from avatar_core.domain.errors import ValidationError
from avatar_core.domain.selection import ModelSpec
from avatar_core.services.verify import route_rows
from avatar_core.web.handlers.base import HandlerBase
from avatar_core.web.handlers.common import user_errors, whole


def add_command(m: ModelSpec) -> str:
    """The `avatar-creator models add … --no-check` command that adds `m` from a shell."""
    args = ["avatar-creator", "models", "add", m.model_key, "--model", m.model_id]
    if m.lora_model:
        args += ["--lora", m.lora_model, "--lora-scale", f"{m.lora_scale:g}"]
    args += ["--tier", m.tier, "--credits", str(m.credit_cost), "--size", f"{m.width}x{m.height}"]
    args += ["--steps", str(m.steps), "--guidance", f"{m.guidance_scale:g}"]
    if m.license:
        args += ["--license", m.license]
    return " ".join(shlex.quote(a) for a in [*args, "--no-check"])


def offline_add_note(m: ModelSpec) -> str:
    """Why a model cannot be added from the page on an offline server, and the command that can."""
    if not m.model_key or not m.model_id:
        raise ValidationError("Give the model's key and its model repo.")
    return (
        "**Not added: the Hub check cannot run here.** This server has no Hugging Face token "
        "(offline mode), so the page cannot check that the Hub serves this model as described. "
        "To add it without the check, run on the server:\n\n"
        f"```\n{add_command(m)}\n```\n\nor set `HF_TOKEN` in `.env` and restart."
    )


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
        done = f"Saved {model_key}: {'enabled' if enabled else 'disabled'}, {int(price)} credits."
        gr.Info(html.escape(done))
        return done + note

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
        actor = self.admin.require(self.user(request))
        if self.app.engine.offline and not self.app.settings.hf_token:
            return offline_add_note(model)  # the Hub check cannot run here: say how to add it anyway
        saved, plan = self.admin.add_model(actor, model)
        lora_note = f", LoRA runs @ {plan.lora_scale:g}" if plan.lora else ""
        done = f"Added {saved.model_key}: {plan.route} {plan.provider_model}, {plan.size}{lora_note}."
        gr.Info(html.escape(done))
        return done

    @user_errors
    def admin_stats(self, request: gr.Request | None = None) -> list[list[Any]]:
        """Per-model count, success rate, mean seconds and the newest failure, all time."""
        return [
            [
                s.model_key.split(":")[-1],
                s.count,
                s.completed,
                s.failed,
                f"{s.success_rate:.0%}",
                "" if s.mean_seconds is None else round(s.mean_seconds, 2),
                s.last_failure,
            ]
            for s in self.admin.model_stats(self.user(request))
        ]
