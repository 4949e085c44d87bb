"""The Gradio Blocks: layout and event wiring only; the logic lives in `Handlers`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from ..bootstrap import App
from ..selection import TIERS
from .handlers import AUTO, Handlers, model_choices
from .invite_handlers import HEADERS as INVITE_HEADERS
from .invite_handlers import InviteHandlers
from .pages import LOGO_SVG

ASSETS = Path(__file__).resolve().parents[2] / "assets"
HEAD = ""
# The gallery grid is a gr.HTML whose `js_on_load` turns a thumbnail click into a `click` event
# carrying the avatar id (event delegation on the component root survives re-renders).
PICK_JS = """
element.addEventListener('click', (event) => {
  const thumb = event.target.closest('.thumb');
  if (!thumb || !element.contains(thumb)) return;
  element.querySelectorAll('.thumb.picked').forEach(b => b.classList.remove('picked'));
  thumb.classList.add('picked');
  trigger('click', { id: thumb.dataset.id });
});
"""
# A POST form: logging out is an action (GET /logout only shows a confirmation button), and a
# Markdown link would open in a new tab (Gradio sets target=_blank on them).
LOGOUT_FORM = ('<form method="post" action="/logout" class="logout-form">'
               '<button type="submit" class="logout-btn">Log out</button></form>')
EMPTY_RESULT = '<div class="avatar-empty">Your avatar appears here</div>'
LOGO = f'<div class="brand">{LOGO_SVG.format(size=34)}<span>Avatar Creator</span></div>'
OFFLINE_NOTE = (
    "**Offline preview mode:** images are illustrated previews drawn locally, not FLUX renders. "
    "To use Hugging Face, set `HF_TOKEN` in `.env` (see `.env.example`) and restart."
)


def preset_choices(app: App) -> list[tuple[str, str]]:
    """'No preset' plus every preset by name (the catalog keeps them grouped by category)."""
    return [("No preset", "")] + [
        (p.name, p.key) for p in app.catalog.presets()
    ]


def preset_gallery_items(app: App) -> list[tuple[str, str]]:
    """(thumbnail path, caption) for every preset, in catalog order."""
    return [(str(ASSETS / "presets" / f"{p.key}.webp"), p.name) for p in app.catalog.presets()]


def build_blocks(app: App, *, gradio_defaults: bool = False) -> gr.Blocks:
    """The whole UI: Generate, Gallery and (for admins) Admin tabs.

    `gradio_defaults=True` leaves the generate event at Gradio's default concurrency (benchmarks).
    """
    h = Handlers(app)
    ih = InviteHandlers(h)
    models = app.catalog.models()
    presets = app.catalog.presets()
    limit: int | str = "default" if gradio_defaults else app.settings.concurrency
    # Nothing here takes an upload; whatever lands in Gradio's cache is deleted after an hour.
    with gr.Blocks(title="Avatar Creator", delete_cache=(3600, 3600)) as demo:
        with gr.Row(elem_classes="topbar"):
            gr.HTML(LOGO, elem_classes="brand-box", padding=False, scale=0, min_width=230)
            greeting = gr.Markdown(elem_classes="greeting", elem_id="greeting")
            gr.HTML(LOGOUT_FORM, elem_id="logout", padding=False, scale=0, min_width=90)
        with gr.Tabs() as tabs:
            with gr.Tab("Generate", id="generate"):
                if app.offline:
                    gr.Markdown(OFFLINE_NOTE, elem_classes="offline-note", elem_id="offline-note")
                with gr.Row(equal_height=False):
                    with gr.Column(scale=5, min_width=320):
                        prompt = gr.Textbox(label="Prompt", lines=3, max_length=1000,
                                            placeholder="e.g. a smiling woman with curly red hair "
                                            "and glasses, green sweater, garden background")  # fmt: skip
                        with gr.Accordion("Presets", open=False):
                            preset_gallery = gr.Gallery(
                                value=preset_gallery_items(app), columns=4, height=300,
                                allow_preview=False, show_label=False, elem_id="preset-gallery",
                                object_fit="cover", buttons=[], interactive=False,
                            )  # fmt: skip
                        with gr.Row():
                            preset = gr.Dropdown(preset_choices(app), value="", label="Preset",
                                                 interactive=True, min_width=200)  # fmt: skip
                            model = gr.Dropdown(model_choices(models), value=AUTO, label="Model",
                                                interactive=True, min_width=200)  # fmt: skip
                        locked = gr.Markdown(elem_classes="locked-note", elem_id="locked-note")
                        with gr.Row(elem_classes="align-end"):
                            with gr.Group():
                                realism = gr.Checkbox(label="Prefer realism", value=False)
                                hd = gr.Checkbox(label="Prefer HD", value=False)
                                fast = gr.Checkbox(label="Fast", value=False)
                            seed = gr.Number(value=-1, precision=None, label="Seed (-1 = random)",
                                             min_width=160)  # fmt: skip
                        quote = gr.Markdown(elem_classes="quote", elem_id="quote")
                        go = gr.Button("Generate", variant="primary", elem_id="generate-btn")
                    with gr.Column(scale=6, min_width=320):
                        result_image = gr.HTML(EMPTY_RESULT, elem_id="result-image")
                        result_info = gr.Markdown()
                        result_json = gr.JSON(visible=False)
            with gr.Tab("Gallery", id="gallery") as gallery_tab:
                with gr.Row(elem_classes="gallery-bar"):
                    favs = gr.Checkbox(label="Favourites only", value=False, scale=0,
                                       min_width=170)  # fmt: skip
                    page_label = gr.Markdown(elem_classes="page-label", elem_id="page-label")
                    prev_btn = gr.Button("← Newer", size="sm", scale=0, min_width=96)
                    next_btn = gr.Button("Older →", size="sm", scale=0, min_width=96)
                page = gr.Number(value=1, visible=False, precision=0)
                selected = gr.Textbox(visible=False, elem_id="selected-avatar")
                with gr.Row(equal_height=False):
                    with gr.Column(scale=5, min_width=300):
                        grid = gr.HTML(js_on_load=PICK_JS, elem_id="avatar-grid")
                    with gr.Column(scale=7, min_width=300, elem_classes="detail-col"), gr.Row(
                        equal_height=False
                    ):
                        detail_image = gr.HTML(elem_id="avatar-detail", min_width=240)
                        with gr.Column(min_width=240):
                            detail_info = gr.Markdown("Select an avatar to see it full size.",
                                                      elem_id="avatar-recipe")  # fmt: skip
                            fav_btn = gr.Button("★ Favourite", size="sm")
                            reuse_btn = gr.Button("Use these settings again", size="sm")
                            del_btn = gr.Button("Delete", size="sm", variant="stop")
                            gallery_msg = gr.Markdown(elem_id="gallery-msg")
            with gr.Tab("Admin", id="admin", visible=False) as admin_tab:
                gr.Markdown("### Users")
                with gr.Row(elem_classes="align-end"):
                    search = gr.Textbox(label="Search users (name or tier)", scale=4)
                    refresh = gr.Button("Refresh", scale=0, min_width=120)
                users = gr.Dataframe(headers=["username", "tier", "admin", "balance", "spent",
                                              "generations", "created"], interactive=False,
                                     elem_id="admin-users")  # fmt: skip
                gr.Markdown("### Credits and tier")
                with gr.Row(elem_classes="align-end"):
                    target = gr.Textbox(label="Username", scale=2, elem_id="admin-target")
                    amount = gr.Number(label="Credits", value=10, precision=None, scale=1,
                                       elem_id="admin-amount")  # fmt: skip
                    reason = gr.Textbox(label="Reason", scale=3, elem_id="admin-reason")
                with gr.Row(elem_classes="align-end"):
                    grant_btn = gr.Button("Grant credits", variant="primary")
                    deduct_btn = gr.Button("Deduct credits")
                    ledger_btn = gr.Button("Show ledger")
                    tier = gr.Dropdown(list(TIERS), value="free", label="Tier", show_label=False,
                                       interactive=True, container=False,
                                       min_width=140)  # fmt: skip
                    tier_btn = gr.Button("Set tier")
                admin_msg = gr.Markdown(elem_id="admin-msg")
                ledger = gr.Dataframe(headers=["time", "type", "amount", "balance", "generation",
                                               "reason"], interactive=False)  # fmt: skip
                gr.Markdown("### Models")
                model_table = gr.Dataframe(headers=["key", "name", "tier", "credits", "enabled",
                                                    "size", "lora"], interactive=False)  # fmt: skip
                with gr.Row(elem_classes="align-end"):
                    first = models[0] if models else None
                    model_key = gr.Dropdown([m.model_key for m in models], label="Model",
                                            value=first.model_key if first else None,
                                            interactive=True, scale=3)  # fmt: skip
                    model_enabled = gr.Checkbox(label="Enabled", scale=1,
                                                value=first.enabled if first else True)  # fmt: skip
                    model_price = gr.Number(label="Price (credits)", precision=None, scale=1,
                                            value=first.credit_cost if first else 0)  # fmt: skip
                    model_save = gr.Button("Save model", scale=1)
                gr.Markdown("### Invites")
                with gr.Row(elem_classes="align-end"):
                    inv_uses = gr.Number(label="Uses", value=1, precision=None, scale=1)
                    inv_credits = gr.Number(label="Extra credits", value=0, precision=None, scale=1)
                    inv_create = gr.Button("Create invite", scale=1)
                    inv_id = gr.Number(label="Invite id", precision=None, scale=1)
                    inv_revoke = gr.Button("Revoke invite", scale=1)
                inv_msg = gr.Markdown(elem_id="invite-msg")
                inv_table = gr.Dataframe(headers=INVITE_HEADERS, interactive=False)
                gr.Markdown("### Per-model stats")
                with gr.Row(equal_height=False):
                    stats = gr.Dataframe(headers=["model", "count", "completed", "failed",
                                                  "success", "mean s"], interactive=False,
                                         scale=3)  # fmt: skip
                    chart = gr.BarPlot(x="model", y="generations", title="Generations per model",
                                       y_lim=[0, None], scale=2, min_width=300)  # fmt: skip

        quote_inputs: list[Any] = [model, preset, realism, hd, fast]
        hidden: dict[str, Any] = dict(api_visibility="private")
        demo.load(h.on_load, None, [greeting, model, locked, quote, admin_tab], api_name="session")
        gr.on([c.change for c in quote_inputs], h.quote, quote_inputs, quote, api_name="quote",
              queue=False, **hidden)  # fmt: skip
        go.click(h.generate, [prompt, preset, model, realism, hd, fast, seed],
                 [result_image, result_info, quote, result_json], api_name="generate",
                 concurrency_limit=limit, concurrency_id="generate",
                 show_progress_on=[result_image]).then(
            h.greeting, None, greeting, api_name="greeting", queue=False, **hidden)  # fmt: skip

        def pick_preset(evt: gr.SelectData) -> str:
            """A preset thumbnail click fills the preset dropdown."""
            return presets[evt.index].key if 0 <= evt.index < len(presets) else ""

        preset_gallery.select(pick_preset, None, preset, api_name="pick_preset", queue=False,
                              **hidden)  # fmt: skip

        page_io: dict[str, Any] = dict(outputs=[grid, page_label, page])
        gallery_tab.select(h.gallery_page, [page, favs, selected], api_name="gallery", **page_io)
        favs.change(h.gallery_first, [favs], api_name="gallery_first", **hidden, **page_io)
        prev_btn.click(h.gallery_newer, [page, favs], api_name="gallery_newer", **hidden, **page_io)
        next_btn.click(h.gallery_older, [page, favs], api_name="gallery_older", **hidden, **page_io)
        grid.click(h.pick_avatar, None, selected, api_name="pick_avatar", queue=False, **hidden)
        selected.change(h.avatar_detail, [selected], [detail_image, detail_info],
                        api_name="avatar_detail")  # fmt: skip
        fav_btn.click(h.toggle_favourite, [selected], gallery_msg, api_name="favourite").then(
            h.gallery_page, [page, favs, selected], api_name="gallery_refresh", **hidden, **page_io
        ).then(h.avatar_detail, [selected], [detail_image, detail_info],
               api_name="avatar_detail_refresh", **hidden)  # fmt: skip
        del_btn.click(h.delete_avatar, [selected], [gallery_msg, selected],
                      api_name="delete_avatar").then(
            h.gallery_page, [page, favs], api_name="gallery_after_delete", **hidden, **page_io)  # fmt: skip
        reuse_btn.click(h.reuse, [selected], [prompt, preset, model, seed, tabs],
                        api_name="reuse_settings")  # fmt: skip

        users_io: dict[str, Any] = dict(inputs=[search], outputs=users)
        admin_tab.select(h.admin_users, api_name="admin_users", **users_io).then(
            h.admin_models, None, model_table, api_name="admin_models").then(
            h.admin_stats, None, [stats, chart], api_name="admin_stats").then(
            ih.listing, None, inv_table, api_name="admin_invites")  # fmt: skip
        inv_create.click(ih.create, [inv_uses, inv_credits], [inv_msg, inv_table],
                         api_name="admin_create_invite")  # fmt: skip
        inv_revoke.click(ih.revoke, [inv_id], [inv_msg, inv_table], api_name="admin_revoke_invite")
        search.submit(h.admin_users, api_name="admin_search", **hidden, **users_io)
        refresh.click(h.admin_users, api_name="admin_refresh", **hidden, **users_io).then(
            h.admin_stats, None, [stats, chart], api_name="admin_stats_refresh", **hidden)  # fmt: skip
        credit_in = [target, amount, reason]
        grant_btn.click(h.admin_grant_credits, credit_in, admin_msg,
                        api_name="admin_grant_credits").then(
            h.admin_users, api_name="admin_users_after_grant", **hidden, **users_io)  # fmt: skip
        deduct_btn.click(h.admin_deduct_credits, credit_in, admin_msg,
                         api_name="admin_deduct_credits").then(
            h.admin_users, api_name="admin_users_after_deduct", **hidden, **users_io)  # fmt: skip
        tier_btn.click(h.admin_set_tier, [target, tier], admin_msg, api_name="admin_set_tier").then(
            h.admin_users, api_name="admin_users_after_tier", **hidden, **users_io)  # fmt: skip
        ledger_btn.click(h.admin_ledger, [target], ledger, api_name="admin_ledger")
        model_key.change(h.admin_model_fields, [model_key], [model_enabled, model_price],
                         api_name="admin_model_fields", **hidden)  # fmt: skip
        model_save.click(h.admin_update_model, [model_key, model_enabled, model_price], admin_msg,
                         api_name="admin_update_model").then(
            h.admin_models, None, model_table, api_name="admin_models_after_save", **hidden)  # fmt: skip
    return demo
