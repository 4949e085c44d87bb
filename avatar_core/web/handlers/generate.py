"""Generate tab handlers: page load, the quote, generating, and "From my photo"."""

from __future__ import annotations

from typing import Any

import gradio as gr

from avatar_core.domain.aspects import LABELS, SQUARE
from avatar_core.domain.errors import AvatarError, ValidationError
from avatar_core.domain.selection import Selection, accessible_models
from avatar_core.services.generation import GenerationRequest, GenerationResult
from avatar_core.services.generation_request import MAX_SEED
from avatar_core.web.handlers.base import HandlerBase
from avatar_core.web.handlers.common import (
    AUTO,
    OPERATOR_NOTE,
    PREVIEW_NOTE,
    TOGGLES,
    greeting_line,
    int_id,
    locked_note,
    model_choices,
    parse_seed,
    user_errors,
    why_line,
)
from avatar_core.web.handlers.progress import StageClock
from avatar_core.web.handlers.quote_form import QuoteForm, with_note
from avatar_core.web.handlers.results import batch_data, batch_details, grid_html, prompt_sent
from avatar_core.web.text import md_text, plain


class GenerateHandlers(HandlerBase):
    """The Generate tab's events."""

    @user_errors
    def on_load(self, request: gr.Request) -> tuple[Any, ...]:
        """Per-session set-up: the month's free top-up, greeting, model choices for the tier (then
        the locked ones with the tier that opens each), price, admin tab."""
        user = self.user(request)
        if self.app.topup.apply(user.id):  # this month's top-up, or an ended month's expiry
            user = self.user(request)
        models = [m for m in self.app.generations.sold_models() if m.enabled]
        reach = accessible_models(models, user.tier)
        return (
            greeting_line(user),
            gr.update(choices=model_choices(reach, user.tier, models), value=AUTO),
            locked_note(models, user.tier, self.app.settings.credits.shop_url),
            self.quote(AUTO, None, False, False, False, False, request),
            gr.update(visible=user.is_admin),
        )

    @user_errors
    def aspect_choices(self, request: gr.Request | None = None) -> dict[str, Any]:
        """The aspect ratios this server's routes can make (one a route cannot make is not offered)."""
        self.user(request)
        return gr.update(choices=[(LABELS[a], a) for a in self.app.generations.aspects()])

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
        aspect: str | None = SQUARE,
        count: object = 1,
        prompt: str = "",
    ) -> str:
        """What Generate would run and cost, why, and the balance, before anyone clicks."""
        form = QuoteForm.of(model, preset, prefer_realism, prefer_hd, fast, from_photo, aspect, count, prompt)
        return self._quote(form, request)[0]

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
        aspect: str | None = SQUARE,
        count: object = 1,
        prompt: str = "",
    ) -> tuple[Any, ...]:
        """The quote plus each preference toggle, disabled with the reason where it can't apply."""
        form = QuoteForm.of(model, preset, prefer_realism, prefer_hd, fast, from_photo, aspect, count, prompt)
        line, reasons = self._quote(form, request)
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
        aspect: str | None = SQUARE,
        count: object = 1,
        prompt: str = "",
    ) -> tuple[str, str]:
        """Greeting and quote again (on an interval and when the tab regains focus)."""
        form = QuoteForm.of(model, preset, prefer_realism, prefer_hd, fast, from_photo, aspect, count, prompt)
        line = self._quote(form, request)[0]
        return greeting_line(self.user(request)), line

    def _quote(self, form: QuoteForm, request: gr.Request | None) -> tuple[str, dict[str, str]]:
        """The quote line and the toggle reasons."""
        user = self.user(request)
        reasons = form.reasons(self.app.generations.sold_models(), user.tier)
        try:
            sel: Selection | None = self.app.generations.quote(user, form.request(reasons))
        except AvatarError as err:
            return f"**{md_text(str(err))}** · Balance: **{user.balance}** credits", reasons
        line = self._quote_line(form, sel, user.tier, user.balance, reasons)
        return with_note(line, form.words_note(self.app.catalog.preset)), reasons

    def _quote_line(
        self, form: QuoteForm, sel: Selection | None, tier: str, balance: int, reasons: dict[str, str]
    ) -> str:
        """Model, size, LoRA, price and why, with the balance (no reads: `sel` is given)."""
        if sel is None:
            return f"This choice can no longer be generated · Balance: **{balance}** credits"
        n = form.count
        short = (
            ""
            if balance >= sel.price * n
            else " — not enough credits" + (f" for {n}" if n > 1 else "") + " (see “Get credits” above)"
        )
        plan = self.app.generations.plan(sel.model)
        lora = f" + LoRA @ {plan.lora_scale:g}" if plan.lora else ""
        asked = "catalog" if form.aspect == SQUARE else f"asked for {LABELS[form.aspect]}"
        size = (
            ""
            if (plan.width, plan.height) == (sel.model.width, sel.model.height)
            else f" The route makes {plan.width}×{plan.height} ({asked} "
            f"{sel.model.width}×{sel.model.height})."
        )
        price = f"**{sel.price}** credits" if n == 1 else f"{n} × {sel.price} = **{sel.price * n}** credits"
        return (
            f"Will use **{sel.model.name}** ({plan.width}×{plan.height}{lora}) · "
            f"{price} · Balance: **{balance}** credits{short}  \n"
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
        aspect: str | None = SQUARE,
        random_seed: bool | None = None,
        count: object = 1,
    ) -> tuple[str, str, str, dict[str, Any]]:
        """Generate 1-4 avatars; returns (images html, details, quote line, result json)."""
        user = self.user(request)
        form = QuoteForm.of(model, preset, prefer_realism, prefer_hd, fast, from_photo, aspect, count, prompt)
        req = GenerationRequest(
            prompt=prompt or "",
            preset=preset or None,
            model=None if model in (None, "", AUTO) else model,
            prefer_realism=bool(prefer_realism),
            prefer_hd=bool(prefer_hd),
            fast=bool(fast),
            seed=chosen_seed(seed, random_seed),
            aspect=form.aspect,
            from_photo=bool(from_photo),
            photo_id=int_id(photo_id) if from_photo and str(photo_id or "").strip() else None,
            project_id=int_id(project) if str(project or "").strip() else None,
            name=avatar_name or "",
        )
        with StageClock(progress) as clock:
            results = self.app.generations.batches.generate_many(user, req, form.count, clock.report)
        last = results[-1]
        quote_line = (
            with_note(self._next_quote(form, last), form.words_note(self.app.catalog.preset))
            if last.sold
            else self.quote(*form.args, request=request, aspect=form.aspect, count=form.count, prompt=prompt)
        )
        data = batch_data(results)
        if len(results) == 1 and not last.ok:
            msg = (
                f"### Generation failed\n{last.error}\n\nYour credits were refunded: "
                f"balance **{last.balance}** credits."
            )
            return '<div class="avatar-empty">No image</div>', msg, quote_line, data
        shown = plain(prompt) or plain(preset or "") or "avatar"  # what was stored, never raw input
        sent = prompt_sent(self.app.gallery, user.id, results)  # as the generation recorded it
        return grid_html(results, shown), batch_details(results, from_photo, sent), quote_line, data


class FollowHandlers(GenerateHandlers):
    """Following the avatars in progress: after a reload, and cancelling them."""

    @user_errors
    def resume(
        self,
        request: gr.Request | None = None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - how Gradio injects progress
    ) -> tuple[Any, ...]:
        """On page load: the avatars still queued or running (the tab was closed or reloaded),
        followed to the end and shown as a click's result, else the newest made in the last 15
        minutes; nothing changes when there are none."""
        user, s = self.user(request), self.app.generations
        ids = s.in_progress(user.id)
        if ids:
            with StageClock(progress) as clock:
                results = s.wait_for(user.id, ids, clock.report)
        else:  # finished, perhaps after the tab was closed: shown at once
            results = [s.result(user.id, gen_id) for gen_id in s.recent(user.id)]
        if not results:
            return gr.update(), gr.update(), gr.update()
        if len(results) == 1 and not results[0].ok:
            last = results[0]
            msg = f"### Generation failed\n{last.error}\n\nBalance **{last.balance}** credits."
            return '<div class="avatar-empty">No image</div>', msg, batch_data(results)
        return grid_html(results, "avatar"), batch_details(results, False), batch_data(results)

    @user_errors
    def cancel_running(self, request: gr.Request | None = None) -> None:
        """Cancel the caller's avatars in progress: refunded at once (a provider still working on
        one is told to stop where its API allows)."""
        user = self.user(request)
        count = self.app.generations.cancel_all(user)
        if count:
            gr.Info(
                f"Cancelled {count} avatar{'s' if count > 1 else ''} in progress; your credits were refunded."
            )
        else:
            gr.Info("Nothing to cancel: your avatars have finished.")


def chosen_seed(seed: object, random_seed: bool | None) -> int | None:
    """The seed to use: None (random) when "Random seed" is ticked, else the number (required)."""
    if random_seed is None:  # callers without the checkbox: -1 or empty means random
        return parse_seed(seed)
    if random_seed:
        return None
    fixed = parse_seed(seed)
    if fixed is None:
        raise ValidationError(f"Give a seed from 0 to {MAX_SEED}, or tick “Random seed”.")
    return fixed
