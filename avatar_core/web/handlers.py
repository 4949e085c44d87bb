"""UI handlers: named parameters in, plain values out; each one resolves the caller server-side."""

from __future__ import annotations

import contextlib
import contextvars
import functools
import html
import logging
import math
import re
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import gradio as gr

from avatar_core.bootstrap import App
from avatar_core.domain.errors import AuthError, AvatarError, ValidationError
from avatar_core.domain.selection import TIERS, ModelSpec, Selection, accessible_models, can_access, price_for
from avatar_core.services.auth import UserInfo
from avatar_core.services.generation import GenerationRequest
from avatar_core.services.usage import as_csv
from avatar_core.services.verify import route_rows
from avatar_core.web.text import md_text, plain

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
            raise gr.Error(
                "Something went wrong on our side. Please try again.", print_exception=False
            ) from None

    return wrapper  # type: ignore[return-value]


PREVIEW_NOTE = (
    "**Preview mode:** this server isn't connected to an image model, so your "
    "avatars are illustrated previews drawn on the server."
)
OPERATOR_NOTE = (
    "**Offline preview mode (admins only see this):** images are illustrated previews "
    "drawn locally, not FLUX renders. To use Hugging Face, set `HF_TOKEN` in `.env` "
    "(see `.env.example`) and restart."
)
TOGGLES = ("realism", "hd", "fast")
TOGGLE_NAMES = {"realism": "Prefer realism", "hd": "Prefer HD", "fast": "Fast"}


def model_label(m: ModelSpec, tier: str | None = None) -> str:
    """How a model reads in the dropdown: with what `tier` pays (list price without a tier)."""
    price = m.credit_cost if tier is None else price_for(m, tier)
    return f"{m.name} · {price} credit{'' if price == 1 else 's'}"


def model_choices(models: list[ModelSpec], tier: str | None = None) -> list[tuple[str, str]]:
    """'Auto (recommended)' followed by the given models, priced for `tier`."""
    return [("Auto (recommended)", AUTO)] + [(model_label(m, tier), m.model_key) for m in models]


def toggle_reasons(models: list[ModelSpec], tier: str, explicit: bool, from_photo: bool) -> dict[str, str]:
    """Why each preference toggle cannot apply for this user and form ('' when it can)."""
    if from_photo:
        return dict.fromkeys(TOGGLES, "Not used for “From my photo”.")
    if explicit:
        return dict.fromkeys(TOGGLES, "Not used with a chosen model (pick Auto to use it).")
    enabled = [m for m in models if m.enabled and not m.likeness]
    wants = {"realism": lambda m: m.is_realism, "hd": lambda m: m.is_realism, "fast": lambda m: m.is_fast}
    out = {}
    for key, fits in wants.items():
        if any(fits(m) and can_access(tier, m.tier) for m in enabled):
            out[key] = ""
            continue
        needed = sorted({m.tier for m in enabled if fits(m)}, key=TIERS.index)
        out[key] = (
            f"Needs the {needed[0]} tier (yours is {tier})."
            if needed
            else "Not offered on this server right now."
        )
    return out


def why_line(sel: Selection, req: GenerationRequest, tier: str, reasons: dict[str, str]) -> str:
    """Why this model and price, naming any preference that falls back to the default."""
    if req.from_photo:
        why = "“From my photo” uses the likeness model"
    elif req.model:
        why = "you chose this model"
    else:
        asked = [
            k for k, on in (("fast", req.fast), ("hd", req.prefer_hd), ("realism", req.prefer_realism)) if on
        ]
        blocked = [k for k in asked if reasons.get(k)]
        if blocked:
            k = blocked[0]
            why = (
                f"{TOGGLE_NAMES[k]} can't apply ({reasons[k][0].lower()}{reasons[k][1:-1]}), "
                f"so your tier's default runs"
            )
        elif asked:
            why = f"you asked for {TOGGLE_NAMES[asked[0]].replace('Prefer ', '').lower()}"
        else:
            why = f"the {tier} tier's default"
    if sel.price == 0 and sel.model.credit_cost:
        why += f"; {tier} renders are free (list price {sel.model.credit_cost})"
    return f"Why: {why}."


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
    return f'<img class="avatar-result" src="/avatars/{avatar_id}/image.png" alt="{html.escape(alt)}">'


class StageClock:
    """Turns the service's stages into a readable, time-based progress line.

    While the model runs, a ticker reports "Generating with X · 12 s of about 30 s" every second
    with a bar that follows the elapsed time (capped below the end until the image is saved).
    """

    EXPECTED = re.compile(r"^Generating with (?P<name>.+) \(about (?P<seconds>\d+) s\)$")

    def __init__(self, progress: Callable[..., Any], tick: float = 1.0) -> None:
        self.progress, self.tick = progress, tick
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def __enter__(self) -> StageClock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout=2)

    def report(self, stage: str, fraction: float) -> None:
        """The service's progress callback."""
        match = self.EXPECTED.match(stage)
        if match is None:
            self.stop.set()
            self.progress(fraction, desc=stage)
            return
        name, expected = match["name"], max(1, int(match["seconds"]))
        started = time.monotonic()

        def run() -> None:
            while True:
                elapsed = time.monotonic() - started
                share = min(elapsed / expected, 0.95)
                with contextlib.suppress(Exception):  # a closed event must not break the render
                    self.progress(
                        fraction + (0.9 - fraction) * share,
                        desc=f"Generating with {name} · {elapsed:.0f} s of about {expected} s",
                    )
                if self.stop.wait(self.tick):
                    return

        self.progress(fraction, desc=f"Generating with {name} · about {expected} s")
        context = contextvars.copy_context()  # Gradio finds the event's progress in a contextvar
        self.thread = threading.Thread(target=context.run, args=(run,), name="stage-clock", daemon=True)
        self.thread.start()


class Handlers:
    """Every UI event's server side; `request.username` is the session cookie's user id."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.admin = app.admin

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
        models = [m for m in self.app.generations.sold_models() if m.enabled]
        reach = accessible_models(models, user.tier)
        return (
            greeting_line(user),
            gr.update(choices=model_choices(reach, user.tier), value=AUTO),
            locked_note(models, user.tier),
            self.quote(AUTO, None, False, False, False, False, request),
            gr.update(visible=user.is_admin),
        )

    @user_errors
    def project_choices(self, request: gr.Request | None = None) -> dict[str, Any]:
        """The caller's projects for the Generate tab ("My avatars" first and selected)."""
        projects = self.app.projects.of_user(self.user(request).id)
        return gr.update(
            choices=[(p.name, str(p.id)) for p in projects], value=str(projects[0].id) if projects else None
        )

    @user_errors
    def greeting(self, request: gr.Request | None = None) -> str:
        """The top-right line: who is signed in, tier and current balance."""
        return greeting_line(self.user(request))

    @user_errors
    def banner(self, request: gr.Request | None = None) -> str:
        """The preview-mode note: plain words for users, the HF_TOKEN how-to for admins."""
        return OPERATOR_NOTE if self.user(request).is_admin else PREVIEW_NOTE

    @user_errors
    def quote(
        self,
        model: str | None,
        preset: str | None,
        prefer_realism: bool,
        prefer_hd: bool,
        fast: bool,
        from_photo: bool = False,
        request: gr.Request | None = None,
    ) -> str:
        """What Generate would run and cost, why, and the balance, before anyone clicks."""
        return self._quote(model, preset, prefer_realism, prefer_hd, fast, from_photo, request)[0]

    @user_errors
    def quote_view(
        self,
        model: str | None,
        preset: str | None,
        prefer_realism: bool,
        prefer_hd: bool,
        fast: bool,
        from_photo: bool = False,
        request: gr.Request | None = None,
    ) -> tuple[Any, ...]:
        """The quote plus each preference toggle, disabled with the reason where it can't apply."""
        line, reasons = self._quote(model, preset, prefer_realism, prefer_hd, fast, from_photo, request)
        toggles = tuple(
            gr.update(interactive=False, value=False, info=reasons[k])
            if reasons[k]
            else gr.update(interactive=True, info=None)
            for k in TOGGLES
        )
        return (line, *toggles)

    @user_errors
    def refresh(
        self,
        model: str | None,
        preset: str | None,
        prefer_realism: bool,
        prefer_hd: bool,
        fast: bool,
        from_photo: bool = False,
        request: gr.Request | None = None,
    ) -> tuple[str, str]:
        """Greeting and quote again (on an interval and when the tab regains focus)."""
        line = self._quote(model, preset, prefer_realism, prefer_hd, fast, from_photo, request)[0]
        return greeting_line(self.user(request)), line

    def _quote(
        self,
        model: str | None,
        preset: str | None,
        prefer_realism: bool,
        prefer_hd: bool,
        fast: bool,
        from_photo: bool,
        request: gr.Request | None,
    ) -> tuple[str, dict[str, str]]:
        """The quote line and the toggle reasons."""
        user = self.user(request)
        photo = bool(from_photo)
        explicit = None if model in (None, "", AUTO) or photo else model
        reasons = toggle_reasons(self.app.generations.sold_models(), user.tier, bool(explicit), photo)
        req = GenerationRequest(
            prompt="x",
            preset=preset or None,
            model=explicit,
            prefer_realism=bool(prefer_realism) and not reasons["realism"],
            prefer_hd=bool(prefer_hd) and not reasons["hd"],
            fast=bool(fast) and not reasons["fast"],
            from_photo=photo,
        )
        try:
            sel = self.app.generations.quote(user, req)
        except AvatarError as err:
            return f"**{md_text(str(err))}** · Balance: **{user.balance}** credits", reasons
        short = "" if user.balance >= sel.price else " — not enough credits"
        plan = self.app.generations.plan(sel.model)
        lora = f" + LoRA @ {plan.lora_scale:g}" if plan.lora else ""
        asked = GenerationRequest(
            prompt="x",
            model=explicit,
            prefer_realism=bool(prefer_realism),
            prefer_hd=bool(prefer_hd),
            fast=bool(fast),
            from_photo=photo,
        )
        size = (
            ""
            if (plan.width, plan.height) == (sel.model.width, sel.model.height)
            else f" The route makes {plan.width}×{plan.height} (catalog "
            f"{sel.model.width}×{sel.model.height})."
        )
        return (
            f"Will use **{sel.model.name}** ({plan.width}×{plan.height}{lora}) · "
            f"**{sel.price}** credits · Balance: **{user.balance}** credits{short}  \n"
            f"{why_line(sel, asked, user.tier, reasons)}{size}"
        ), reasons

    @user_errors
    def generate(
        self,
        prompt: str = "",
        preset: str | None = None,
        model: str | None = AUTO,
        prefer_realism: bool = False,
        prefer_hd: bool = False,
        fast: bool = False,
        seed: float | None = -1,
        from_photo: bool = False,
        photo_id: str = "",
        project: str | None = "",
        avatar_name: str = "",
        request: gr.Request | None = None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - how Gradio injects progress
    ) -> tuple[str, str, str, dict[str, Any]]:
        """Generate one avatar; returns (image html, details, quote line, result json)."""
        user = self.user(request)
        seed_value = _seed(seed)
        req = GenerationRequest(
            prompt=prompt or "",
            preset=preset or None,
            model=None if model in (None, "", AUTO) else model,
            prefer_realism=bool(prefer_realism),
            prefer_hd=bool(prefer_hd),
            fast=bool(fast),
            seed=seed_value,
            from_photo=bool(from_photo),
            photo_id=_int_id(photo_id) if from_photo and str(photo_id or "").strip() else None,
            project_id=_int_id(project) if str(project or "").strip() else None,
            name=avatar_name or "",
        )
        progress(0.02, desc="Starting")
        with StageClock(progress) as clock:
            result = self.app.generations.generate(user, req, progress=clock.report)
        data: dict[str, Any] = {
            "generation_id": result.generation_id,
            "status": result.status,
            "model_key": result.model_key,
            "engine": result.engine,
            "credits_charged": result.credits_charged,
            "balance": result.balance,
            "seed": result.seed,
            "seconds": result.seconds,
            "reason": result.reason,
            "image_url": f"/avatars/{result.generation_id}/image.png" if result.ok else None,
        }
        quote_line = self.quote(model, preset, prefer_realism, prefer_hd, fast, from_photo, request)
        if not result.ok:
            data["error"] = result.error
            msg = (
                f"### Generation failed\n{result.error}\n\nYour credits were refunded: "
                f"balance **{result.balance}** credits."
            )
            return '<div class="avatar-empty">No image</div>', msg, quote_line, data
        kind = (
            " · offline preview"
            if result.provider == "offline"
            else (
                f" · {html.escape(result.provider)}: {html.escape(result.provider_model)}"
                + (f" + {html.escape(result.lora)} @ {result.lora_scale:g}" if result.lora else "")
            )
        )
        notes = "".join(f"\n- {html.escape(n)}" for n in result.notes if n != "offline preview")
        kind += " · from your photo" if from_photo else ""
        details = (
            f"**{html.escape(result.model_name)}**{kind} · {result.width}×{result.height}  \n"
            f"{html.escape(result.reason)}  \n"
            f"Charged **{result.credits_charged}** credits · {result.seconds:.1f} s · "
            f"seed {result.seed} · balance **{result.balance}** credits{notes}"
        )
        shown = plain(prompt) or plain(preset or "") or "avatar"  # what was stored, never raw input
        return image_html(result.generation_id, shown), details, quote_line, data

    # ----- "From my photo" -----
    @user_errors
    def upload_photo(
        self, path: str | None = None, consent: bool = False, request: gr.Request | None = None
    ) -> tuple[str, str, bool, None]:
        """Keep a cleaned copy of the uploaded photo privately; Gradio's temporary copy is deleted."""
        user = self.user(request)
        if not path:
            return "", "", False, None
        try:
            data = Path(path).read_bytes()
        except OSError:
            raise ValidationError("The upload did not arrive; try again.") from None
        finally:
            _remove_upload(path)
        kept = self.app.photos.upload(user, data, consent=bool(consent))
        until = kept.expires_at.strftime("%H:%M UTC")
        return (str(kept.id), f"Photo ready ({kept.width}×{kept.height}), kept until {until}.", True, None)

    @user_errors
    def delete_photo(self, photo_id: str = "", request: gr.Request | None = None) -> tuple[str, str, bool]:
        """Delete the caller's photo now."""
        user = self.user(request)
        if str(photo_id or "").strip():
            self.app.photos.delete(user.id, _int_id(photo_id))
        return "", "Your photo was deleted.", False

    # ----- gallery -----
    @user_errors
    def gallery_page(
        self,
        page: float = 1,
        favourites_only: bool = False,
        selected: str = "",
        project: str | None = "",
        request: gr.Request | None = None,
    ) -> tuple[Any, ...]:
        """One page of the caller's own avatars as a thumbnail grid (`selected` is outlined).

        Returns (grid, label, page, newer button, older button): the pager shows only when needed.
        """
        user = self.user(request)
        picked = str(selected or "").strip()
        wanted, fav = max(1, int(page or 1)), bool(favourites_only)
        pid = _int_id(project) if str(project or "").strip() else None
        result = self.app.gallery.page(user.id, wanted, favourites_only=fav, project_id=pid)
        if wanted > result.pages:
            result = self.app.gallery.page(user.id, result.pages, favourites_only=fav, project_id=pid)
        if not result.items:
            grid = (
                '<div class="avatar-empty">No avatars yet — <a href="#generate" class="go-generate">'
                "create one on the Generate tab</a>.</div>"
            )
        else:
            cells = "".join(
                f'<button type="button" class="thumb{" picked" if str(a.id) == picked else ""}" '
                f'data-id="{a.id}" aria-label="avatar {a.id}" '
                f'title="{html.escape(a.user_prompt or a.preset_key or "")}">'
                f'<img loading="lazy" src="/avatars/{a.id}/thumb.webp" alt="avatar {a.id}">'
                f"{'<span class=fav>★</span>' if a.favourite else ''}</button>"
                for a in result.items
            )
            grid = f'<div class="thumb-grid">{cells}</div>'
        count = f"{result.total} avatar{'' if result.total == 1 else 's'}"
        label = f"Page {result.page} of {result.pages} · {count}" if result.pages > 1 else count
        return (
            grid,
            label,
            result.page,
            gr.update(visible=result.pages > 1, interactive=result.page > 1),
            gr.update(visible=result.pages > 1, interactive=result.page < result.pages),
        )

    def gallery_first(
        self, favourites_only: bool = False, project: str | None = "", request: gr.Request | None = None
    ) -> tuple[Any, ...]:
        """The first page (after a filter change)."""
        return self.gallery_page(1, favourites_only, "", project, request=request)

    def gallery_newer(
        self,
        page: float = 1,
        favourites_only: bool = False,
        project: str | None = "",
        request: gr.Request | None = None,
    ) -> tuple[Any, ...]:
        """The page before the current one."""
        return self.gallery_page(max(1, int(page or 1) - 1), favourites_only, "", project, request=request)

    def gallery_older(
        self,
        page: float = 1,
        favourites_only: bool = False,
        project: str | None = "",
        request: gr.Request | None = None,
    ) -> tuple[Any, ...]:
        """The page after the current one (clamped to the last page)."""
        return self.gallery_page(int(page or 1) + 1, favourites_only, "", project, request=request)

    @user_errors
    def gallery_projects(self, request: gr.Request | None = None) -> dict[str, Any]:
        """The gallery's project filter: all projects, then each of the caller's."""
        projects = self.app.projects.of_user(self.user(request).id)
        return gr.update(
            choices=[("All projects", "")] + [(f"{p.name} ({p.avatars})", str(p.id)) for p in projects]
        )

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
        lora = f"{a.lora_model} @ {a.lora_scale:g}" if a.lora_applied and a.lora_scale else "none"
        engine = (
            "offline preview"
            if a.provider == "offline" or a.engine == "local"
            else (f"{a.provider or a.engine}: {a.provider_model}" if a.provider_model else a.engine)
        )
        model = {m.model_key: m.name for m in self.app.catalog.models()}.get(a.model_key)
        preset = {p.key: p.name for p in self.app.catalog.presets()}.get(a.preset_key or "")
        recipe = (
            f"**Prompt:** {md_text(a.user_prompt) or '—'}"
            f"{'  ' + chr(10) + '**Source:** from your photo (not kept)' if a.from_photo else ''}"
            f"  \n**Preset:** {md_text(preset or a.preset_key or '') or '—'}"
            f"  \n**Model:** {html.escape(model or a.model_key)} ({engine})"
            f"  \n**LoRA:** {lora}  \n**Seed:** {a.seed}"
            f"  \n**Size:** {a.width}×{a.height} · {a.steps} steps · guidance {a.guidance_scale}"
            f"  \n**Cost:** {a.credits_charged} credits · **Date:** {a.created_at}"
            f"{'  ★ favourite' if a.favourite else ''}  \n"
            f"[Download PNG](/avatars/{a.id}/download.png)"
        )
        return image_html(a.id, a.user_prompt or "avatar"), recipe

    @user_errors
    def avatar_actions(self, avatar_id: str = "", request: gr.Request | None = None) -> tuple[Any, ...]:
        """Favourite (or Unfavourite), reuse and delete: usable only with an avatar selected."""
        user = self.user(request)
        item = None
        if str(avatar_id or "").strip():
            with contextlib.suppress(AvatarError):
                item = self.app.gallery.get(user.id, _int_id(avatar_id))
        on = item is not None
        label = "☆ Unfavourite" if item is not None and item.favourite else "★ Favourite"
        return (
            gr.update(value=label, interactive=on),
            gr.update(interactive=on),
            gr.update(interactive=on),
            gr.update(visible=False),
        )

    @user_errors
    def toggle_favourite(self, avatar_id: str = "", request: gr.Request | None = None) -> str:
        """Star or unstar one of the caller's avatars."""
        user = self.user(request)
        item = self.app.gallery.get(user.id, _int_id(avatar_id))
        item = self.app.gallery.set_favourite(user.id, item.id, not item.favourite)
        return "★ Added to favourites" if item.favourite else "Removed from favourites"

    @user_errors
    def rate_up(self, avatar_id: str = "", reason: str = "", request: gr.Request | None = None) -> str:
        """👍 for one of the caller's avatars (feedback on quality, seen per model by admins)."""
        return self._rate(avatar_id, 1, reason, request)

    @user_errors
    def rate_down(self, avatar_id: str = "", reason: str = "", request: gr.Request | None = None) -> str:
        """👎 for one of the caller's avatars, with an optional reason."""
        return self._rate(avatar_id, -1, reason, request)

    def _rate(self, avatar_id: str, rating: int, reason: str, request: gr.Request | None) -> str:
        if not str(avatar_id or "").strip():
            raise ValidationError("Select an avatar first.")
        user = self.user(request)
        self.app.gallery.rate(user.id, _int_id(avatar_id), rating, reason or "")
        return "Thanks — rated 👍." if rating > 0 else "Thanks — rated 👎; that helps us choose models."

    @user_errors
    def delete_avatar(self, avatar_id: str = "", request: gr.Request | None = None) -> tuple[str, str]:
        """Delete one of the caller's avatars (files and row, not credits); clear the pick."""
        user = self.user(request)
        self.app.gallery.delete(user.id, _int_id(avatar_id))
        return "Avatar deleted.", ""

    @user_errors
    def reuse(self, avatar_id: str = "", request: gr.Request | None = None) -> tuple[Any, ...]:
        """'Use these settings again': prompt, preset, model and seed for the Generate tab."""
        user = self.user(request)
        s = self.app.gallery.get(user.id, _int_id(avatar_id)).settings()
        reach = {m.model_key for m in accessible_models(self.app.generations.sold_models(), user.tier)}
        model = s.model if s.model in reach else AUTO
        return s.prompt, s.preset, model, s.seed, gr.update(selected="generate")

    # ----- admin: usage and A/B tests -----
    @user_errors
    def admin_usage(self, since: str = "", request: gr.Request | None = None) -> tuple[Any, Any, Any]:
        """Usage per day and model, a chart of it, and a CSV download."""
        import pandas as pd

        rows = self.admin.usage(self.user(request), _day(since))
        table = [
            [
                r.day,
                r.model_key.split(":")[-1],
                r.generations,
                r.completed,
                r.failed,
                f"{r.success_rate:.0%}",
                r.p50_seconds if r.p50_seconds is not None else "",
                r.p95_seconds if r.p95_seconds is not None else "",
                r.credits_charged,
                r.credits_refunded,
                f"{r.cost_usd:.2f}",
                r.thumbs_up,
                r.thumbs_down,
            ]
            for r in rows
        ]
        chart = pd.DataFrame(
            {
                "day": [r.day for r in rows],
                "generations": [r.generations for r in rows],
                "model": [r.model_key.split(":")[-1] for r in rows],
            }
        )
        path = Path(tempfile.mkdtemp(prefix="avatar-usage-")) / "usage.csv"
        path.write_text(as_csv(rows))
        return table, chart, gr.update(value=str(path), visible=True)

    @user_errors
    def admin_start_experiment(
        self,
        tier: str = "basic",
        model_a: str = "",
        model_b: str = "",
        split: float | None = 50,
        request: gr.Request | None = None,
    ) -> str:
        """Start an A/B test of a tier's Auto choice."""
        if split is None or int(split) != split:
            raise ValidationError("The split is a whole percentage, 0 to 100.")
        exp = self.admin.start_experiment(self.user(request), tier, model_a or "", model_b or "", int(split))
        return f"Experiment #{exp.id} running: {exp.tier} Auto → A {exp.model_a} / B {exp.model_b}."

    @user_errors
    def admin_experiment_results(
        self, experiment_id: float | None = None, request: gr.Request | None = None
    ) -> tuple[str, list[list[Any]]]:
        """Per-arm results of one experiment."""
        exp_id = _experiment_id(experiment_id)
        rows = self.admin.experiment_results(self.user(request), exp_id)
        table = [
            [
                r.arm,
                r.model_key.split(":")[-1],
                r.generations,
                f"{r.success_rate:.0%}",
                "" if r.mean_seconds is None else round(r.mean_seconds, 2),
                "" if r.rating is None else round(r.rating, 2),
                "" if r.cost_per_image is None else round(r.cost_per_image, 3),
            ]
            for r in rows
        ]
        return f"Experiment #{exp_id}: {len(table)} arm(s) with data.", table

    @user_errors
    def admin_stop_experiment(
        self, experiment_id: float | None = None, request: gr.Request | None = None
    ) -> str:
        """End an experiment now."""
        exp = self.admin.stop_experiment(self.user(request), _experiment_id(experiment_id))
        return f"Experiment #{exp.id} stopped."

    # ----- API tokens (the caller's own) -----
    @user_errors
    def api_tokens(self, request: gr.Request | None = None) -> list[list[Any]]:
        """The caller's personal access tokens (never their secrets)."""
        user = self.user(request)
        return [
            [
                t.id,
                t.name or "-",
                t.prefix + "…",
                t.created_at.strftime("%Y-%m-%d %H:%M"),
                t.last_used_at.strftime("%Y-%m-%d %H:%M") if t.last_used_at else "never",
                "revoked" if t.revoked else "active",
            ]
            for t in self.app.tokens.of_user(user.id)
        ]

    @user_errors
    def create_token(self, name: str = "", request: gr.Request | None = None) -> tuple[str, list[list[Any]]]:
        """A new token for the caller, shown once."""
        user = self.user(request)
        view, secret = self.app.tokens.create(user.id, name or "")
        message = f"Token #{view.id} created. Copy it now, it is not shown again:\n\n`{secret}`"
        return message, self.api_tokens(request)

    @user_errors
    def revoke_token(
        self, token_id: float | None = None, request: gr.Request | None = None
    ) -> tuple[str, list[list[Any]]]:
        """Revoke one of the caller's tokens."""
        user = self.user(request)
        if token_id is None or int(token_id) != token_id:
            raise ValidationError("Give the id of the token to revoke.")
        self.app.tokens.revoke(int(token_id), owner_id=user.id)
        return f"Token #{int(token_id)} revoked.", self.api_tokens(request)

    # ----- admin (every handler re-checks the role in AdminService) -----
    @user_errors
    def admin_users(self, search: str = "", request: gr.Request | None = None) -> list[list[Any]]:
        """Users with tier, balance, spend and generation count."""
        rows = self.admin.users_overview(self.user(request), search or "")
        return [
            [u.username, u.tier, "yes" if u.is_admin else "", u.balance, u.spent, u.generations, u.created_at]
            for u in rows
        ]

    @user_errors
    def admin_users_view(
        self, search: str = "", request: gr.Request | None = None
    ) -> tuple[list[list[Any]], str]:
        """The users table and a line saying when the search matches nobody."""
        rows = self.admin_users(search, request)
        term = (search or "").strip()
        note = "" if rows else (f"No users match “{html.escape(term)}”." if term else "No users yet.")
        return rows, note

    @user_errors
    def admin_adjust_credits(
        self,
        username: str = "",
        amount: float = 0,
        reason: str = "",
        direction: str = "grant",
        request: gr.Request | None = None,
    ) -> str:
        """Grant or deduct credits with a reason (an admin_adjust ledger row)."""
        if not _whole(amount) or int(amount) <= 0:  # checked before any rounding (precision=None)
            raise ValidationError("Enter a positive whole number of credits.")
        signed = int(amount) if direction == "grant" else -int(amount)
        balance = self.admin.adjust_credits(self.user(request), username, signed, reason or "")
        verb = "Granted" if signed > 0 else "Deducted"
        return f"{verb} {abs(signed)} credits for {username.strip().lower()}; balance now {balance}."

    def admin_grant_credits(
        self, username: str = "", amount: float = 0, reason: str = "", request: gr.Request | None = None
    ) -> str:
        """Grant credits (admin only)."""
        return self.admin_adjust_credits(username, amount, reason, "grant", request)

    def admin_deduct_credits(
        self, username: str = "", amount: float = 0, reason: str = "", request: gr.Request | None = None
    ) -> str:
        """Deduct credits (admin only)."""
        return self.admin_adjust_credits(username, amount, reason, "deduct", request)

    @user_errors
    def admin_set_tier(
        self, username: str = "", tier: str = "free", request: gr.Request | None = None
    ) -> str:
        """Move a user to another tier."""
        if tier not in TIERS:
            raise ValidationError(f"Unknown tier {tier!r}.")
        user = self.admin.set_tier(self.user(request), username, tier)
        return f"{user.username} is now on the {user.tier} tier."

    @user_errors
    def admin_ledger(self, username: str = "", request: gr.Request | None = None) -> list[list[Any]]:
        """One user's ledger history."""
        moves = self.admin.ledger(self.user(request), username)
        return [
            [m.created_at, m.type, m.amount, m.balance_after, m.generation_id or "", m.reason]
            for m in moves
            if m.amount != 0
        ]

    @user_errors
    def admin_ledger_view(
        self, username: str = "", request: gr.Request | None = None
    ) -> tuple[str, list[list[Any]]]:
        """The ledger's title (whose it is) and its rows without zero-amount moves."""
        rows = self.admin_ledger(username, request)
        name = html.escape((username or "").strip().lower())
        title = f"### Ledger of {name}" + ("" if rows else "\n\nNo credit movements yet.")
        return title, rows

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
        if not _whole(price):
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


def _day(text: str) -> date | None:
    """A YYYY-MM-DD date, or None for empty; ValidationError otherwise."""
    if not (text or "").strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError("Give the first day as YYYY-MM-DD.") from None


def _experiment_id(value: float | None) -> int:
    """A whole positive id from a number box."""
    if value is None or value != value or int(value) != value or value < 1:
        raise ValidationError("Give the experiment's id (a whole number).")
    return int(value)


def _remove_upload(path: str) -> None:
    """Delete Gradio's temporary copy of an upload (photos are personal data)."""
    with contextlib.suppress(OSError):
        Path(path).unlink()


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
