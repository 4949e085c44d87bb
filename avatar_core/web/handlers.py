"""UI handlers: named parameters in, plain values out; each one resolves the caller server-side."""

from __future__ import annotations

import functools
import html
import logging
import math
from collections.abc import Callable
from typing import Any, TypeVar

import gradio as gr

from ..admin import AdminService
from ..auth import UserInfo
from ..bootstrap import App
from ..errors import AuthError, AvatarError, ValidationError
from ..generation import GenerationRequest
from ..selection import TIERS, ModelSpec, accessible_models, can_access
from .text import md_text, plain

log = logging.getLogger("avatar_core.web")
AUTO = "auto"
F = TypeVar("F", bound=Callable[..., Any])


def user_errors(fn: F) -> F:
    """Turn user-caused errors into gr.Error (one place); anything else is logged, not shown."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except AvatarError as err:
            # gr.Error renders HTML in the modal: escape markup, keep quotes readable.
            raise gr.Error(html.escape(str(err), quote=False), print_exception=False) from None
        except gr.Error:
            raise
        except Exception:
            log.exception("handler %s failed", fn.__name__)
            raise gr.Error("Something went wrong on our side. Please try again.",
                           print_exception=False) from None  # fmt: skip

    return wrapper  # type: ignore[return-value]


def model_label(m: ModelSpec) -> str:
    """How a model reads in the dropdown."""
    return f"{m.name} · {m.credit_cost} credits"


def model_choices(models: list[ModelSpec]) -> list[tuple[str, str]]:
    """'Auto (recommended)' followed by the given models."""
    return [("Auto (recommended)", AUTO)] + [(model_label(m), m.model_key) for m in models]


def locked_note(models: list[ModelSpec], tier: str) -> str:
    """One line naming the models the tier does not reach and the tier each needs."""
    locked = [m for m in models if m.enabled and not can_access(tier, m.tier)]
    if not locked:
        return f"Your **{tier}** tier reaches every model."
    parts = ", ".join(f"{m.name} ({m.tier})" for m in locked)
    return f"Your tier: **{tier}**. Locked: {parts}."


def greeting_line(user: UserInfo) -> str:
    """Who is signed in, their tier and balance (the log-out button sits beside it)."""
    return f"Signed in as **{md_text(user.username)}** · {user.tier} tier · **{user.balance}** credits"


def image_html(avatar_id: int, alt: str) -> str:
    """The full-size avatar, served by the owner-checked route."""
    return (f'<img class="avatar-result" src="/avatars/{avatar_id}/image.png" '
            f'alt="{html.escape(alt)}">')  # fmt: skip


class Handlers:
    """Every UI event's server side; `request.username` is the session cookie's user id."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.admin = AdminService(app)

    def user(self, request: gr.Request | None) -> UserInfo:
        """The logged-in caller, fresh from the database (tier and balance may have changed)."""
        raw = getattr(request, "username", None) if request is not None else None
        try:
            return self.app.accounts.get(int(raw))  # type: ignore[arg-type]
        except (TypeError, ValueError, AvatarError):
            raise AuthError("Your session has expired. Please log in again.") from None

    # ----- page load and the generate tab -----
    @user_errors
    def on_load(self, request: gr.Request) -> tuple[Any, ...]:
        """Per-session set-up: greeting, model choices for the tier, price, admin tab."""
        user = self.user(request)
        models = [m for m in self.app.catalog.models() if m.enabled]
        reach = accessible_models(models, user.tier)
        return (
            greeting_line(user),
            gr.update(choices=model_choices(reach), value=AUTO),
            locked_note(models, user.tier),
            self.quote(AUTO, None, False, False, False, request),
            gr.update(visible=user.is_admin),
        )

    @user_errors
    def greeting(self, request: gr.Request | None = None) -> str:
        """The top-right line: who is signed in, tier and current balance."""
        return greeting_line(self.user(request))

    @user_errors
    def quote(self, model: str | None, preset: str | None, prefer_realism: bool, prefer_hd: bool,
              fast: bool, request: gr.Request | None = None) -> str:  # fmt: skip
        """What Generate would run and cost, and the balance, before anyone clicks."""
        user = self.user(request)
        req = GenerationRequest(prompt="x", preset=preset or None,
                                model=None if model in (None, "", AUTO) else model,
                                prefer_realism=bool(prefer_realism), prefer_hd=bool(prefer_hd),
                                fast=bool(fast))  # fmt: skip
        try:
            sel = self.app.generations.quote(user, req)
        except AvatarError as err:
            return f"**{md_text(str(err))}** · Balance: **{user.balance}** credits"
        short = "" if user.balance >= sel.price else " — not enough credits"
        return (f"Will use **{sel.model.name}** ({sel.model.width}×{sel.model.height}) · "
                f"**{sel.price}** credits · Balance: **{user.balance}** credits{short}")  # fmt: skip

    @user_errors
    def generate(self, prompt: str = "", preset: str | None = None, model: str | None = AUTO,
                 prefer_realism: bool = False, prefer_hd: bool = False, fast: bool = False,
                 seed: float | None = -1, request: gr.Request | None = None,
                 progress: gr.Progress = gr.Progress()  # noqa: B008 - how Gradio injects progress
                 ) -> tuple[str, str, str, dict[str, Any]]:  # fmt: skip
        """Generate one avatar; returns (image html, details, quote line, result json)."""
        user = self.user(request)
        seed_value = _seed(seed)
        req = GenerationRequest(
            prompt=prompt or "", preset=preset or None,
            model=None if model in (None, "", AUTO) else model,
            prefer_realism=bool(prefer_realism), prefer_hd=bool(prefer_hd), fast=bool(fast),
            seed=seed_value,
        )  # fmt: skip
        progress(0.02, desc="Queued")
        result = self.app.generations.generate(
            user, req, progress=lambda stage, fraction: progress(fraction, desc=stage))
        data: dict[str, Any] = {
            "generation_id": result.generation_id, "status": result.status,
            "model_key": result.model_key, "engine": result.engine,
            "credits_charged": result.credits_charged, "balance": result.balance,
            "seed": result.seed, "seconds": result.seconds, "reason": result.reason,
            "image_url": f"/avatars/{result.generation_id}/image.png" if result.ok else None,
        }  # fmt: skip
        quote_line = self.quote(model, preset, prefer_realism, prefer_hd, fast, request)
        if not result.ok:
            data["error"] = result.error
            msg = (f"### Generation failed\n{result.error}\n\nYour credits were refunded: "
                   f"balance **{result.balance}** credits.")  # fmt: skip
            return '<div class="avatar-empty">No image</div>', msg, quote_line, data
        kind = " · offline preview" if result.engine == "local" else ""
        notes = "".join(f"\n- {html.escape(n)}" for n in result.notes if n != "offline preview")
        details = (f"**{html.escape(result.model_name)}**{kind}  \n{html.escape(result.reason)}  \n"
                   f"Charged **{result.credits_charged}** credits · {result.seconds:.1f} s · "
                   f"seed {result.seed} · balance **{result.balance}** credits{notes}")  # fmt: skip
        shown = plain(prompt) or plain(preset or "") or "avatar"  # what was stored, never raw input
        return image_html(result.generation_id, shown), details, quote_line, data

    # ----- gallery -----
    @user_errors
    def gallery_page(self, page: float = 1, favourites_only: bool = False, selected: str = "",
                     request: gr.Request | None = None) -> tuple[str, str, int]:  # fmt: skip
        """One page of the caller's own avatars as a thumbnail grid (`selected` is outlined)."""
        user = self.user(request)
        picked = str(selected or "").strip()
        wanted, fav = max(1, int(page or 1)), bool(favourites_only)
        result = self.app.gallery.page(user.id, wanted, favourites_only=fav)
        if wanted > result.pages:
            result = self.app.gallery.page(user.id, result.pages, favourites_only=fav)
        if not result.items:
            grid = '<div class="avatar-empty">No avatars yet — create one on the Generate tab.</div>'
        else:
            cells = "".join(
                f'<button type="button" class="thumb{" picked" if str(a.id) == picked else ""}" '
                f'data-id="{a.id}" '
                f'title="{html.escape(a.user_prompt or a.preset_key or "")}">'
                f'<img loading="lazy" src="/avatars/{a.id}/thumb.webp" alt="avatar {a.id}">'
                f'{"<span class=fav>★</span>" if a.favourite else ""}</button>'
                for a in result.items
            )  # fmt: skip
            grid = f'<div class="thumb-grid">{cells}</div>'
        label = f"Page {result.page} of {result.pages} · {result.total} avatars"
        return grid, label, result.page

    def gallery_first(self, favourites_only: bool = False,
                      request: gr.Request | None = None) -> tuple[str, str, int]:  # fmt: skip
        """The first page (after a filter change)."""
        return self.gallery_page(1, favourites_only, "", request)

    def gallery_newer(self, page: float = 1, favourites_only: bool = False,
                      request: gr.Request | None = None) -> tuple[str, str, int]:  # fmt: skip
        """The page before the current one."""
        return self.gallery_page(max(1, int(page or 1) - 1), favourites_only, "", request)

    def gallery_older(self, page: float = 1, favourites_only: bool = False,
                      request: gr.Request | None = None) -> tuple[str, str, int]:  # fmt: skip
        """The page after the current one (clamped to the last page)."""
        return self.gallery_page(int(page or 1) + 1, favourites_only, "", request)

    def pick_avatar(self, evt: gr.EventData) -> str:
        """A thumbnail click (its id travels in the event data); ownership is checked on use."""
        raw = getattr(evt, "_data", None)
        value = raw.get("id") if isinstance(raw, dict) else None
        try:
            return str(int(str(value)))
        except (TypeError, ValueError):
            return ""

    @user_errors
    def avatar_detail(self, avatar_id: str = "", request: gr.Request | None = None) -> tuple[str, str]:
        """The full image and recipe of one of the caller's avatars."""
        user = self.user(request)
        if not str(avatar_id or "").strip():
            return "", "Select an avatar to see it full size."
        a = self.app.gallery.get(user.id, _int_id(avatar_id))
        lora = f"{a.lora_model} @ {a.lora_scale}" if a.lora_applied else "none"
        engine = "offline preview" if a.engine == "local" else a.engine
        model = {m.model_key: m.name for m in self.app.catalog.models()}.get(a.model_key)
        preset = {p.key: p.name for p in self.app.catalog.presets()}.get(a.preset_key or "")
        recipe = (
            f"**Prompt:** {md_text(a.user_prompt) or '—'}"
            f"  \n**Preset:** {md_text(preset or a.preset_key or '') or '—'}"
            f"  \n**Model:** {html.escape(model or a.model_key)} ({engine})"
            f"  \n**LoRA:** {lora}  \n**Seed:** {a.seed}"
            f"  \n**Size:** {a.width}×{a.height} · {a.steps} steps · guidance {a.guidance_scale}"
            f"  \n**Cost:** {a.credits_charged} credits · **Date:** {a.created_at}"
            f"{'  ★ favourite' if a.favourite else ''}  \n"
            f"[Download PNG](/avatars/{a.id}/download.png)"
        )  # fmt: skip
        return image_html(a.id, a.user_prompt or "avatar"), recipe

    @user_errors
    def toggle_favourite(self, avatar_id: str = "", request: gr.Request | None = None) -> str:
        """Star or unstar one of the caller's avatars."""
        user = self.user(request)
        item = self.app.gallery.get(user.id, _int_id(avatar_id))
        item = self.app.gallery.set_favourite(user.id, item.id, not item.favourite)
        return "★ Added to favourites" if item.favourite else "Removed from favourites"

    @user_errors
    def delete_avatar(self, avatar_id: str = "", request: gr.Request | None = None
                      ) -> tuple[str, str]:  # fmt: skip
        """Delete one of the caller's avatars (files and row, not credits); clear the pick."""
        user = self.user(request)
        self.app.gallery.delete(user.id, _int_id(avatar_id))
        return "Avatar deleted.", ""

    @user_errors
    def reuse(self, avatar_id: str = "", request: gr.Request | None = None) -> tuple[Any, ...]:
        """'Use these settings again': prompt, preset, model and seed for the Generate tab."""
        user = self.user(request)
        s = self.app.gallery.get(user.id, _int_id(avatar_id)).settings()
        reach = {m.model_key for m in accessible_models(self.app.catalog.models(), user.tier)}
        model = s.model if s.model in reach else AUTO
        return s.prompt, s.preset, model, s.seed, gr.update(selected="generate")

    # ----- admin (every handler re-checks the role in AdminService) -----
    @user_errors
    def admin_users(self, search: str = "", request: gr.Request | None = None) -> list[list[Any]]:
        """Users with tier, balance, spend and generation count."""
        rows = self.admin.users_overview_for(self.user(request), search or "")
        return [[u.username, u.tier, "yes" if u.is_admin else "", u.balance, u.spent,
                 u.generations, u.created_at] for u in rows]  # fmt: skip

    @user_errors
    def admin_adjust_credits(self, username: str = "", amount: float = 0, reason: str = "",
                             direction: str = "grant", request: gr.Request | None = None
                             ) -> str:  # fmt: skip
        """Grant or deduct credits with a reason (an admin_adjust ledger row)."""
        if not _whole(amount) or int(amount) <= 0:  # checked before any rounding (precision=None)
            raise ValidationError("Enter a positive whole number of credits.")
        signed = int(amount) if direction == "grant" else -int(amount)
        balance = self.admin.adjust_credits(self.user(request), username, signed, reason or "")
        verb = "Granted" if signed > 0 else "Deducted"
        return f"{verb} {abs(signed)} credits for {username.strip().lower()}; balance now {balance}."

    def admin_grant_credits(self, username: str = "", amount: float = 0, reason: str = "",
                            request: gr.Request | None = None) -> str:  # fmt: skip
        """Grant credits (admin only)."""
        return self.admin_adjust_credits(username, amount, reason, "grant", request)

    def admin_deduct_credits(self, username: str = "", amount: float = 0, reason: str = "",
                             request: gr.Request | None = None) -> str:  # fmt: skip
        """Deduct credits (admin only)."""
        return self.admin_adjust_credits(username, amount, reason, "deduct", request)

    @user_errors
    def admin_set_tier(self, username: str = "", tier: str = "free",
                       request: gr.Request | None = None) -> str:  # fmt: skip
        """Move a user to another tier."""
        if tier not in TIERS:
            raise ValidationError(f"Unknown tier {tier!r}.")
        user = self.admin.set_tier(self.user(request), username, tier)
        return f"{user.username} is now on the {user.tier} tier."

    @user_errors
    def admin_ledger(self, username: str = "", request: gr.Request | None = None) -> list[list[Any]]:
        """One user's ledger history."""
        moves = self.admin.ledger(self.user(request), username)
        return [[m.created_at, m.type, m.amount, m.balance_after, m.generation_id or "", m.reason]
                for m in moves]  # fmt: skip

    @user_errors
    def admin_models(self, request: gr.Request | None = None) -> list[list[Any]]:
        """The catalog table."""
        self.admin.require(self.user(request))
        return [[m.model_key, m.name, m.tier, m.credit_cost, "yes" if m.enabled else "no",
                 f"{m.width}×{m.height}", m.lora_model or ""] for m in self.app.catalog.models()]  # fmt: skip

    @user_errors
    def admin_model_fields(self, model_key: str = "", request: gr.Request | None = None
                           ) -> tuple[bool, int]:  # fmt: skip
        """The current enabled flag and price of one model (fills the edit form)."""
        self.admin.require(self.user(request))
        for m in self.app.catalog.models():
            if m.model_key == model_key:
                return m.enabled, m.credit_cost
        raise ValidationError(f"Unknown model {model_key!r}.")

    @user_errors
    def admin_update_model(self, model_key: str = "", enabled: bool = True, price: float = 0,
                           request: gr.Request | None = None) -> str:  # fmt: skip
        """Enable/disable a model and set its price."""
        if not _whole(price):
            raise ValidationError("The price is a whole number of credits.")
        self.admin.update_model(self.user(request), model_key, bool(enabled), int(price))
        return f"Saved {model_key}: {'enabled' if enabled else 'disabled'}, {int(price)} credits."

    @user_errors
    def admin_stats(self, request: gr.Request | None = None) -> tuple[list[list[Any]], Any]:
        """Per-model count, success rate and mean seconds, with a chart's data."""
        import pandas as pd

        stats = self.admin.model_stats(self.user(request))
        rows = [[s.model_key.split(":")[-1], s.count, s.completed, s.failed,
                 f"{s.success_rate:.0%}",
                 "" if s.mean_seconds is None else round(s.mean_seconds, 2)]
                for s in stats]  # fmt: skip
        chart = pd.DataFrame({"model": [s.model_key.split(":")[-1] for s in stats],
                              "generations": [s.count for s in stats]})  # fmt: skip
        return rows, chart


def _seed(raw: object) -> int | None:
    """The seed from the number box: None (random) for empty or negative; NaN/inf refused."""
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValidationError("The seed must be a whole number, or -1 for a random one.") from None
    if not math.isfinite(value) or (value >= 0 and value != int(value)):
        raise ValidationError("The seed must be a whole number, or -1 for a random one.")
    return None if value < 0 else int(value)


def _whole(raw: object) -> bool:
    """True for a finite whole number (an int, or a float without a fraction), not a bool."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        return False
    return math.isfinite(raw) and raw == int(raw)


def _int_id(raw: object) -> int:
    try:
        return int(str(raw).strip())
    except ValueError:
        raise ValidationError("Select an avatar first.") from None
