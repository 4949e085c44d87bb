"""The Gallery tab: the caller's avatars in pages, the detail view and its actions, API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from avatar_core.web.handlers import Handlers
from avatar_core.web.handlers.gallery import FAVOURITE_OFF
from avatar_core.web.ui.common import HIDDEN
from avatar_core.web.ui.gallery_manage import Naming, build_manage, build_naming, wire_manage
from avatar_core.web.ui.generate import GenerateView
from avatar_core.web.ui.tokens import build_tokens

# The gallery grid is a gr.HTML whose `js_on_load` turns a thumbnail click into a `click` event
# carrying the avatar id (event delegation on the component root survives re-renders).
PICK_JS = """
element.addEventListener('click', (event) => {
  const go = event.target.closest('.go-generate');
  if (go) { event.preventDefault(); window.avatarShowTab && window.avatarShowTab('Generate'); return; }
  const thumb = event.target.closest('.thumb');
  if (!thumb || !element.contains(thumb)) return;
  if (document.querySelector('#select-mode input:checked')) {  // "Select several": choose, not open
    const on = thumb.classList.toggle('chosen');
    if (on) thumb.setAttribute('aria-pressed', 'true'); else thumb.removeAttribute('aria-pressed');
    trigger('select', { ids: [...element.querySelectorAll('.thumb.chosen')].map(t => t.dataset.id) });
    return;
  }
  element.querySelectorAll('.thumb.picked').forEach(b => b.classList.remove('picked'));
  thumb.classList.add('picked');
  trigger('click', { id: thumb.dataset.id });
  // on a phone the details are a long scroll away: a tap opens the viewer at once
  const phone = window.innerWidth <= 760;
  if (phone && window.avatarViewer && event.isTrusted) window.avatarViewer.open(thumb.dataset.id);
});
element.addEventListener('dblclick', (event) => {  // a double click opens the full-size viewer
  const thumb = event.target.closest('.thumb');
  if (thumb && window.avatarViewer && !document.querySelector('#select-mode input:checked')) {
    window.avatarViewer.open(thumb.dataset.id);
  }
});
"""


@dataclass(frozen=True)
class Pager:
    """The filter bar and the hidden state of the page shown."""

    project: Any
    favs: Any
    label: Any
    prev: Any
    next: Any
    page: Any
    selected: Any
    grid: Any

    @property
    def outputs(self) -> dict[str, Any]:
        """What every page change refreshes (the `outputs` of those events)."""
        return dict(outputs=[self.grid, self.label, self.page, self.prev, self.next])


@dataclass(frozen=True)
class Detail:
    """The selected avatar: image, recipe and the buttons acting on it."""

    image: Any
    info: Any
    fav: Any
    reuse: Any
    variations: Any
    delete: Any
    confirm_box: Any
    confirm: Any
    keep: Any
    reason: Any
    up: Any
    down: Any
    msg: Any
    naming: Naming


def _bar() -> dict[str, Any]:
    """Project filter, favourites filter, page label and the pager buttons."""
    with gr.Row(elem_classes="gallery-bar"):
        project = gr.Dropdown(
            [("All projects", "")],
            value="",
            label="Show project",
            interactive=True,
            scale=0,
            min_width=200,
            elem_id="gallery-project",
        )
        favs = gr.Checkbox(label="Favourites only", value=False, scale=0, min_width=170)
        label = gr.Markdown(elem_classes="page-label", elem_id="page-label")
        prev = gr.Button("← Newer", size="sm", scale=0, min_width=96, visible=False)
        nxt = gr.Button("Older →", size="sm", scale=0, min_width=96, visible=False)
    page = gr.Number(value=1, visible=False, precision=0)
    selected = gr.Textbox(value="", visible=False, elem_id="selected-avatar")
    return dict(project=project, favs=favs, label=label, prev=prev, next=nxt, page=page, selected=selected)


def _detail() -> Detail:
    """The full-size image, its recipe, favourite / reuse / delete (with a confirmation) and rating."""
    image = gr.HTML(elem_id="avatar-detail", min_width=240)
    with gr.Column(min_width=240):
        info = gr.Markdown("Select an avatar to see it full size.", elem_id="avatar-recipe")
        naming = build_naming()
        fav = gr.Button(FAVOURITE_OFF, size="sm", interactive=False, elem_id="fav-btn")
        reuse = gr.Button("Use these settings again", size="sm", interactive=False)
        variations = gr.Button(
            "Variations: same recipe, new seeds (as many as Images on Generate; 2 when 1)",
            size="sm",
            interactive=False,
            elem_id="variations-btn",
        )
        delete = gr.Button("Delete", size="sm", variant="stop", interactive=False, elem_id="delete-btn")
        with gr.Group(visible=False, elem_id="confirm-delete") as confirm_box:
            gr.Markdown("Delete this avatar for good? This can't be undone.", elem_classes="confirm-note")
            with gr.Row():
                confirm = gr.Button("Yes, remove it", size="sm", variant="stop")
                keep = gr.Button("Keep it", size="sm")
        with gr.Row(elem_classes="align-end"):
            reason = gr.Textbox(label="What's good or wrong (optional)", max_length=500, scale=3)
            up = gr.Button("👍 Good", size="sm", scale=1, interactive=False, elem_id="rate-up")
            down = gr.Button("👎 Not right", size="sm", scale=1, interactive=False, elem_id="rate-down")
        msg = gr.Markdown(elem_id="gallery-msg")
    return Detail(
        image, info, fav, reuse, variations, delete, confirm_box, confirm, keep, reason, up, down, msg, naming
    )


def build_gallery(h: Handlers, gallery_tab: Any, tabs: Any, gen: GenerateView) -> None:
    """The tab's components and events (`gallery_tab` is the open tab, `tabs` switches to Generate)."""
    filters = _bar()
    manage = build_manage()
    with gr.Row(equal_height=False):
        with gr.Column(scale=5, min_width=300):
            grid = gr.HTML(js_on_load=PICK_JS, elem_id="avatar-grid")
        with gr.Column(scale=7, min_width=300, elem_classes="detail-col"), gr.Row(equal_height=False):
            detail = _detail()
    bar = Pager(**filters, grid=grid)
    token_table = build_tokens(h)
    state = [bar.page, bar.favs, bar.selected, bar.project]
    gallery_tab.select(h.gallery_page, state, api_name="gallery", **bar.outputs).then(
        h.gallery_projects, None, bar.project, api_name="gallery_projects", **HIDDEN
    )
    bar.project.input(
        h.gallery_first, [bar.favs, bar.project], api_name="gallery_by_project", **HIDDEN, **bar.outputs
    )
    gallery_tab.select(h.api_tokens, None, token_table, api_name="api_tokens", **HIDDEN)
    bar.favs.change(
        h.gallery_first, [bar.favs, bar.project], api_name="gallery_first", **HIDDEN, **bar.outputs
    )
    paging = [bar.page, bar.favs, bar.project]
    bar.prev.click(h.gallery_newer, paging, api_name="gallery_newer", **HIDDEN, **bar.outputs)
    bar.next.click(h.gallery_older, paging, api_name="gallery_older", **HIDDEN, **bar.outputs)
    _wire_detail(h, bar, detail, tabs, gen)
    page = (h.gallery_page, state, bar.outputs["outputs"])
    refresh = [page, (h.gallery_projects, bar.project), bar.project]
    wire_manage(h, manage, detail.naming, grid, bar.selected, refresh, gen.project)
    moves = [manage.move_to, detail.naming.project]
    gallery_tab.select(h.move_choices, None, moves, api_name="move_choices", **HIDDEN)


def _wire_detail(h: Handlers, bar: Pager, detail: Detail, tabs: Any, gen: GenerateView) -> None:
    """Picking a thumbnail, and what the detail's buttons do."""
    actions: dict[str, Any] = dict(
        inputs=[bar.selected],
        outputs=[detail.fav, detail.reuse, detail.delete, detail.confirm_box, detail.variations]
        + [detail.up, detail.down],
    )
    state = [bar.page, bar.favs, bar.selected, bar.project]
    shown = [detail.image, detail.info]
    bar.grid.click(h.pick_avatar, None, bar.selected, api_name="pick_avatar", queue=False, **HIDDEN)
    bar.selected.change(h.avatar_detail, [bar.selected], shown, api_name="avatar_detail")
    bar.selected.change(h.avatar_actions, api_name="avatar_actions", queue=False, **HIDDEN, **actions)
    rated = [bar.selected, detail.reason]
    detail.up.click(h.rate_up, rated, detail.msg, api_name="rate_up", **HIDDEN)
    detail.down.click(h.rate_down, rated, detail.msg, api_name="rate_down", **HIDDEN)
    detail.fav.click(h.toggle_favourite, [bar.selected], detail.msg, api_name="favourite").then(
        h.gallery_page, state, api_name="gallery_refresh", **HIDDEN, **bar.outputs
    ).then(h.avatar_detail, [bar.selected], shown, api_name="avatar_detail_refresh", **HIDDEN).then(
        h.avatar_actions, api_name="avatar_actions_refresh", **HIDDEN, **actions
    )
    detail.delete.click(
        lambda: gr.update(visible=True),
        None,
        detail.confirm_box,
        api_name="ask_delete",
        queue=False,
        **HIDDEN,
    )
    detail.keep.click(
        lambda: gr.update(visible=False),
        None,
        detail.confirm_box,
        api_name="keep_avatar",
        queue=False,
        **HIDDEN,
    )
    detail.confirm.click(
        h.delete_avatar, [bar.selected], [detail.msg, bar.selected], api_name="delete_avatar"
    ).then(h.gallery_page, state, api_name="gallery_after_delete", **HIDDEN, **bar.outputs)
    detail.variations.click(
        h.variations, [bar.selected, gen.count], detail.msg, api_name="variations", concurrency_id="generate"
    ).then(h.gallery_page, state, api_name="gallery_after_variations", **HIDDEN, **bar.outputs)
    detail.reuse.click(
        h.reuse,
        [bar.selected],
        [gen.prompt, gen.preset, gen.model, gen.seed, gen.random_seed, gen.aspect, tabs],
        api_name="reuse_settings",
    )
