"""Generate tab handlers: page load, the quote, generating, and "From my photo"."""

from __future__ import annotations

import html
from typing import Any

import gradio as gr

from avatar_core.domain.errors import AvatarError
from avatar_core.domain.selection import Selection, accessible_models
from avatar_core.services.generation import GenerationRequest, GenerationResult
from avatar_core.web.handlers.base import HandlerBase
from avatar_core.web.handlers.common import (
    AUTO,
    OPERATOR_NOTE,
    PREVIEW_NOTE,
    TOGGLES,
    greeting_line,
    image_html,
    int_id,
    locked_note,
    model_choices,
    parse_seed,
    user_errors,
    why_line,
)
from avatar_core.web.handlers.progress import StageClock
from avatar_core.web.handlers.quote_form import QuoteForm
from avatar_core.web.text import md_text, plain


class GenerateHandlers(HandlerBase):
    """The Generate tab's events."""

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
        form = QuoteForm.of(model, preset, prefer_realism, prefer_hd, fast, from_photo)
        reasons = form.reasons(self.app.generations.sold_models(), user.tier)
        try:
            sel: Selection | None = self.app.generations.quote(user, form.request(reasons))
        except AvatarError as err:
            return f"**{md_text(str(err))}** · Balance: **{user.balance}** credits", reasons
        return self._quote_line(form, sel, user.tier, user.balance, reasons), reasons

    def _quote_line(
        self, form: QuoteForm, sel: Selection | None, tier: str, balance: int, reasons: dict[str, str]
    ) -> str:
        """Model, size, LoRA, price and why, with the balance (no reads: `sel` is given)."""
        if sel is None:
            return f"This choice can no longer be generated · Balance: **{balance}** credits"
        short = "" if balance >= sel.price else " — not enough credits"
        plan = self.app.generations.plan(sel.model)
        lora = f" + LoRA @ {plan.lora_scale:g}" if plan.lora else ""
        size = (
            ""
            if (plan.width, plan.height) == (sel.model.width, sel.model.height)
            else f" The route makes {plan.width}×{plan.height} (catalog "
            f"{sel.model.width}×{sel.model.height})."
        )
        return (
            f"Will use **{sel.model.name}** ({plan.width}×{plan.height}{lora}) · "
            f"**{sel.price}** credits · Balance: **{balance}** credits{short}  \n"
            f"{why_line(sel, form.asked(), tier, reasons)}{size}"
        )

    def _next_quote(self, form: QuoteForm, result: GenerationResult) -> str:
        """The quote after a generation, from the generation's own result (no second selection)."""
        reasons = form.reasons(list(result.sold), result.tier)
        return self._quote_line(form, result.quote, result.tier, result.balance, reasons)

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
        req = GenerationRequest(
            prompt=prompt or "",
            preset=preset or None,
            model=None if model in (None, "", AUTO) else model,
            prefer_realism=bool(prefer_realism),
            prefer_hd=bool(prefer_hd),
            fast=bool(fast),
            seed=parse_seed(seed),
            from_photo=bool(from_photo),
            photo_id=int_id(photo_id) if from_photo and str(photo_id or "").strip() else None,
            project_id=int_id(project) if str(project or "").strip() else None,
            name=avatar_name or "",
        )
        progress(0.02, desc="Starting")
        with StageClock(progress) as clock:
            result = self.app.generations.generate(user, req, progress=clock.report)
        form = QuoteForm.of(model, preset, prefer_realism, prefer_hd, fast, from_photo)
        quote_line = (
            self._next_quote(form, result) if result.sold else self.quote(*form.args, request=request)
        )
        data = result_data(result)
        if not result.ok:
            msg = (
                f"### Generation failed\n{result.error}\n\nYour credits were refunded: "
                f"balance **{result.balance}** credits."
            )
            return '<div class="avatar-empty">No image</div>', msg, quote_line, data
        shown = plain(prompt) or plain(preset or "") or "avatar"  # what was stored, never raw input
        return image_html(result.generation_id, shown), result_details(result, from_photo), quote_line, data

    def after_generate(self, request: gr.Request | None = None) -> tuple[Any, Any]:
        """Once the result (or the error) is in: the greeting's new balance and Generate usable again."""
        try:
            line: Any = greeting_line(self.user(request))
        except AvatarError:  # the session ended meanwhile: the page handles that; re-enable anyway
            line = gr.skip()
        return line, gr.update(value="Generate", interactive=True)


def result_data(result: GenerationResult) -> dict[str, Any]:
    """The generation as the hidden JSON output (what a Gradio client reads)."""
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
    if not result.ok:
        data["error"] = result.error
    return data


def result_details(result: GenerationResult, from_photo: bool) -> str:
    """The line under a fresh image: model, route, size, why, charge, time, seed, balance."""
    kind = (
        " · offline preview"
        if result.offline
        else (
            f" · {html.escape(result.provider)}: {html.escape(result.provider_model)}"
            + (f" + {html.escape(result.lora)} @ {result.lora_scale:g}" if result.lora else "")
        )
    )
    notes = "".join(f"\n- {html.escape(n)}" for n in result.notes)
    kind += " · from your photo" if from_photo else ""
    return (
        f"**{html.escape(result.model_name)}**{kind} · {result.width}×{result.height}  \n"
        f"{html.escape(result.reason)}  \n"
        f"Charged **{result.credits_charged}** credits · {result.seconds:.1f} s · "
        f"seed {result.seed} · balance **{result.balance}** credits{notes}"
    )
