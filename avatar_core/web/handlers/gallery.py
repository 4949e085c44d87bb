"""Gallery tab handlers: pages of thumbnails, the detail view, favourites, ratings, reuse."""

from __future__ import annotations

import contextlib
import html
from typing import Any

import gradio as gr

from avatar_core.domain.errors import AvatarError, ValidationError
from avatar_core.domain.selection import accessible_models
from avatar_core.services.gallery import AvatarItem
from avatar_core.web.handlers.common import AUTO, image_html, int_id, page_number, user_errors
from avatar_core.web.handlers.gallery_manage import GalleryManageHandlers, filter_choices
from avatar_core.web.handlers.progress import StageClock
from avatar_core.web.handlers.results import sent_block
from avatar_core.web.text import md_text

FAVOURITE_OFF, FAVOURITE_ON = "☆ Favourite", "★ Unfavourite"  # the star is the state


def thumb_cell(a: AvatarItem, picked: bool, model: str) -> str:
    """One thumbnail with its name under it; its data-* feed the full-size viewer (viewer.js)."""
    title = a.name or a.user_prompt or a.preset_key or f"avatar {a.id}"
    meta = f"{model or a.model_key}{' (offline preview)' if a.offline else ''} · {a.width}×{a.height}"
    meta += f" · {a.credits_charged} credits · {a.created_at}"
    data = {
        "id": str(a.id),
        "name": a.name or f"Avatar {a.id}",
        "prompt": a.user_prompt or a.preset_key or "",
        "meta": meta,
    }
    attrs = " ".join(f'data-{k}="{html.escape(v)}"' for k, v in data.items())
    return (
        f'<button type="button" class="thumb{" picked" if picked else ""}" {attrs} '
        f'aria-label="{html.escape(title)}" title="{html.escape(a.user_prompt or title)}">'
        f'<img loading="lazy" src="/avatars/{a.id}/thumb.webp" alt="">'
        f"{'<span class=fav aria-label=favourite>★</span>' if a.favourite else ''}"
        f'<span class="thumb-name">{html.escape(a.name or "")}</span></button>'
    )


class GalleryHandlers(GalleryManageHandlers):
    """The Gallery tab's events (the caller's own avatars only)."""

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
        wanted, fav = page_number(page), bool(favourites_only)
        pid = int_id(project) if str(project or "").strip() else None
        result = self.app.gallery.page(user.id, wanted, favourites_only=fav, project_id=pid)
        if wanted > result.pages:
            result = self.app.gallery.page(user.id, result.pages, favourites_only=fav, project_id=pid)
        if not result.items:
            grid = (
                '<div class="avatar-empty">No avatars yet — <a href="#generate" class="go-generate">'
                "create one on the Generate tab</a>.</div>"
            )
        else:
            models = {m.model_key: m.name for m in self.app.catalog.models()}
            cells = "".join(
                thumb_cell(a, str(a.id) == picked, models.get(a.model_key, "")) for a in result.items
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
        return self.gallery_page(page_number(page) - 1, favourites_only, "", project, request=request)

    def gallery_older(
        self,
        page: float = 1,
        favourites_only: bool = False,
        project: str | None = "",
        request: gr.Request | None = None,
    ) -> tuple[Any, ...]:
        """The page after the current one (clamped to the last page)."""
        return self.gallery_page(page_number(page) + 1, favourites_only, "", project, request=request)

    @user_errors
    def gallery_projects(self, request: gr.Request | None = None) -> dict[str, Any]:
        """The gallery's project filter: all projects, then each of the caller's."""
        return gr.update(choices=filter_choices(self.app.projects.of_user(self.user(request).id)))

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
        a = self.app.gallery.get(user.id, int_id(avatar_id))
        lora = f"{a.lora_model} @ {a.lora_scale:g}" if a.lora_applied and a.lora_scale else "none"
        engine = (
            "offline preview"
            if a.offline
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
            f"{sent_block(a.prompt)}"  # the preset's words with the user's, as sent to the model
        )
        title = f"### {md_text(a.name)}  \n" if a.name else ""
        viewer = (  # the picture opens the full-size viewer (viewer.js): arrow keys, swipe, Esc
            f'<button type="button" class="open-viewer" data-id="{a.id}" aria-label="View full size">'
            f"{image_html(a.id, a.name or a.user_prompt or 'avatar')}</button>"
        )
        return viewer, title + recipe

    @user_errors
    def avatar_actions(self, avatar_id: str = "", request: gr.Request | None = None) -> tuple[Any, ...]:
        """Favourite, reuse, delete, variations and 👍/👎: usable only with an avatar selected (the
        star shows the state: ☆ not a favourite, ★ a favourite)."""
        user = self.user(request)
        item = None
        if str(avatar_id or "").strip():
            with contextlib.suppress(AvatarError):
                item = self.app.gallery.get(user.id, int_id(avatar_id))
        on = item is not None
        label = FAVOURITE_ON if item is not None and item.favourite else FAVOURITE_OFF
        usable = gr.update(interactive=on)
        return (
            gr.update(value=label, interactive=on),
            usable,
            usable,
            gr.update(visible=False),
            usable,
            usable,
            usable,
        )

    @user_errors
    def toggle_favourite(self, avatar_id: str = "", request: gr.Request | None = None) -> str:
        """Star or unstar one of the caller's avatars."""
        user = self.user(request)
        item = self.app.gallery.get(user.id, int_id(avatar_id))
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
        self.app.gallery.rate(user.id, int_id(avatar_id), rating, reason or "")
        return "Thanks — rated 👍." if rating > 0 else "Thanks — rated 👎; that helps us choose models."

    @user_errors
    def delete_avatar(self, avatar_id: str = "", request: gr.Request | None = None) -> tuple[str, str]:
        """Delete one of the caller's avatars (files and row, not credits); clear the pick."""
        user = self.user(request)
        self.app.gallery.delete(user.id, int_id(avatar_id))
        return "Avatar deleted.", ""

    @user_errors
    def reuse(self, avatar_id: str = "", request: gr.Request | None = None) -> tuple[Any, ...]:
        """'Use these settings again': prompt, preset, model, seed (fixed) and shape for Generate."""
        user = self.user(request)
        s = self.app.gallery.settings(user.id, int_id(avatar_id))
        reach = {m.model_key for m in accessible_models(self.app.generations.sold_models(), user.tier)}
        model = s.model if s.model in reach else AUTO
        random_off = gr.update(value=False)  # the stored seed is meant: reuse it, don't draw a new one
        return s.prompt, s.preset, model, s.seed, random_off, s.aspect, gr.update(selected="generate")

    @user_errors
    def variations(
        self,
        avatar_id: str = "",
        count: object = 2,
        request: gr.Request | None = None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - how Gradio injects progress
    ) -> str:
        """New avatars with the selected one's recipe and new seeds (the Images setting, 2 when 1)."""
        if not str(avatar_id or "").strip():
            raise ValidationError("Select an avatar first.")
        user = self.user(request)
        n = 2 if count in (None, "", 1, "1") else int(float(str(count)))
        with StageClock(progress) as clock:
            made = self.app.generations.batches.variations(user, int_id(avatar_id), n, clock.report)
        ok = [r for r in made if r.ok]
        lines = [
            f"#{r.generation_id}: seed {r.seed} · {r.width}×{r.height} · {r.credits_charged} credits"
            if r.ok
            else f"failed, refunded: {r.error}"
            for r in made
        ]
        return (
            f"**{len(ok)} of {len(made)} variations made** · charged "
            f"**{sum(r.credits_charged for r in made)}** credits · balance **{made[-1].balance}** credits  \n"
            + "  \n".join(lines)
        )
