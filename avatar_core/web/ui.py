"""The Gradio Blocks: layout and event wiring only; the logic lives in `Handlers`."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from ..bootstrap import App
from ..selection import TIERS
from .handlers import AUTO, Handlers, model_choices

ASSETS = Path(__file__).resolve().parents[2] / "assets"
HEAD = """<script>
window.pickAvatar = function (id) {
  const box = document.querySelector('#selected-avatar textarea, #selected-avatar input');
  if (!box) return;
  box.value = String(id);
  box.dispatchEvent(new Event('input', { bubbles: true }));
  document.querySelectorAll('.thumb').forEach(b => b.classList.toggle('picked', b.dataset.id == id));
};
</script>"""
OFFLINE_NOTE = (
    "🖌️ **Offline preview mode.** Images are illustrated previews drawn locally, not FLUX renders. "
    "To use FLUX on Hugging Face, set `HF_TOKEN` (and optionally `AVATAR_HF_PROVIDER` or "
    "`AVATAR_HF_BASE_URL`) in `.env` and restart."
)


def preset_choices(app: App) -> list[tuple[str, str]]:
    """'No preset' plus every preset, labelled with its category."""
    return [("No preset", "")] + [
        (f"{p.category.title()} · {p.name}", p.key) for p in app.catalog.presets()
    ]


def preset_gallery_items(app: App) -> list[tuple[str, str]]:
    """(thumbnail path, caption) for every preset, in catalog order."""
    return [(str(ASSETS / "presets" / f"{p.key}.webp"), p.name) for p in app.catalog.presets()]


def build_blocks(app: App) -> gr.Blocks:
    """The whole UI: Generate, Gallery and (for admins) Admin tabs."""
    h = Handlers(app)
    models = app.catalog.models()
    presets = app.catalog.presets()
    limit = app.settings.concurrency
    with gr.Blocks(title="Avatar Creator") as demo:
        with gr.Row(elem_classes="topbar"):
            gr.Markdown("## 🧑‍🎨 Avatar Creator")
            greeting = gr.Markdown(elem_classes="greeting")
        if app.offline:
            gr.Markdown(OFFLINE_NOTE, elem_classes="offline-note")
        with gr.Tabs() as tabs:
            with gr.Tab("Generate", id="generate"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=5, min_width=320):
                        prompt = gr.Textbox(label="Prompt", lines=3, max_length=1000,
                                            placeholder="e.g. a smiling woman with curly red hair "
                                            "and glasses, green sweater, garden background")  # fmt: skip
                        with gr.Accordion("Presets", open=False):
                            preset_gallery = gr.Gallery(
                                value=preset_gallery_items(app), columns=5, height=260,
                                allow_preview=False, show_label=False, elem_id="preset-gallery",
                            )  # fmt: skip
                        preset = gr.Dropdown(preset_choices(app), value="", label="Preset",
                                             interactive=True)  # fmt: skip
                        model = gr.Dropdown(model_choices(models), value=AUTO, label="Model",
                                            interactive=True)  # fmt: skip
                        locked = gr.Markdown(elem_classes="locked-note")
                        with gr.Row():
                            realism = gr.Checkbox(label="Prefer realism", value=False)
                            hd = gr.Checkbox(label="Prefer HD", value=False)
                            fast = gr.Checkbox(label="Fast", value=False)
                        seed = gr.Number(value=-1, precision=0, label="Seed (-1 = random)")
                        quote = gr.Markdown(elem_classes="quote")
                        go = gr.Button("Generate", variant="primary", elem_id="generate-btn")
                    with gr.Column(scale=6, min_width=320):
                        result_image = gr.HTML('<div class="avatar-empty">Your avatar appears here</div>')
                        result_info = gr.Markdown()
                        result_json = gr.JSON(visible=False)
            with gr.Tab("Gallery", id="gallery") as gallery_tab:
                with gr.Row():
                    favs = gr.Checkbox(label="Favourites only", value=False)
                    prev_btn = gr.Button("← Newer", size="sm")
                    page_label = gr.Markdown()
                    next_btn = gr.Button("Older →", size="sm")
                page = gr.Number(value=1, visible=False, precision=0)
                grid = gr.HTML()
                selected = gr.Textbox(elem_id="selected-avatar", elem_classes="hidden-input",
                                      show_label=False, container=False)  # fmt: skip
                with gr.Row(equal_height=False):
                    detail_image = gr.HTML()
                    with gr.Column():
                        detail_info = gr.Markdown("Select an avatar to see it full size.")
                        with gr.Row():
                            fav_btn = gr.Button("★ Favourite", size="sm")
                            reuse_btn = gr.Button("Use these settings again", size="sm")
                            del_btn = gr.Button("Delete", size="sm", variant="stop")
                        gallery_msg = gr.Markdown()
            with gr.Tab("Admin", id="admin", visible=False) as admin_tab:
                with gr.Row():
                    search = gr.Textbox(label="Search users (name or tier)", scale=3)
                    refresh = gr.Button("Refresh", size="sm", scale=1)
                users = gr.Dataframe(headers=["username", "tier", "admin", "balance", "spent",
                                              "generations", "created"], interactive=False)  # fmt: skip
                with gr.Row():
                    target = gr.Textbox(label="Username", scale=2)
                    amount = gr.Number(label="Credits", value=10, precision=0, scale=1)
                    reason = gr.Textbox(label="Reason", scale=3)
                with gr.Row():
                    grant_btn = gr.Button("Grant credits", variant="primary")
                    deduct_btn = gr.Button("Deduct credits")
                    tier = gr.Dropdown(list(TIERS), value="free", label="Tier", interactive=True)
                    tier_btn = gr.Button("Set tier")
                    ledger_btn = gr.Button("Show ledger")
                admin_msg = gr.Markdown()
                ledger = gr.Dataframe(headers=["time", "type", "amount", "balance", "generation",
                                               "reason"], interactive=False)  # fmt: skip
                gr.Markdown("### Models")
                model_table = gr.Dataframe(headers=["key", "name", "tier", "credits", "enabled",
                                                    "size", "lora"], interactive=False)  # fmt: skip
                with gr.Row():
                    model_key = gr.Dropdown([m.model_key for m in models], label="Model",
                                            interactive=True)  # fmt: skip
                    model_enabled = gr.Checkbox(label="Enabled", value=True)
                    model_price = gr.Number(label="Price (credits)", precision=0, value=0)
                    model_save = gr.Button("Save model")
                gr.Markdown("### Per-model stats")
                stats = gr.Dataframe(headers=["model", "count", "completed", "failed",
                                              "success", "mean s"], interactive=False)  # fmt: skip
                chart = gr.BarPlot(x="model", y="generations", title="Generations per model")

        quote_inputs = [model, preset, realism, hd, fast]
        hidden = dict(api_visibility="private")
        demo.load(h.on_load, None, [greeting, model, locked, quote, admin_tab], api_name="session")
        for comp in quote_inputs:
            comp.change(h.quote, quote_inputs, quote, api_name="quote", queue=False, **hidden)
        go.click(h.generate, [prompt, preset, model, realism, hd, fast, seed],
                 [result_image, result_info, quote, result_json], api_name="generate",
                 concurrency_limit=limit, concurrency_id="generate")  # fmt: skip

        def pick_preset(evt: gr.SelectData) -> str:
            """A preset thumbnail click fills the preset dropdown."""
            return presets[evt.index].key if 0 <= evt.index < len(presets) else ""

        preset_gallery.select(pick_preset, None, preset, api_name="pick_preset", queue=False,
                              **hidden)  # fmt: skip

        page_io = dict(outputs=[grid, page_label, page])
        gallery_tab.select(h.gallery_page, [page, favs], api_name="gallery", **page_io)
        favs.change(h.gallery_first, [favs], api_name="gallery_first", **hidden, **page_io)
        prev_btn.click(h.gallery_newer, [page, favs], api_name="gallery_newer", **hidden, **page_io)
        next_btn.click(h.gallery_older, [page, favs], api_name="gallery_older", **hidden, **page_io)
        selected.input(h.avatar_detail, [selected], [detail_image, detail_info],
                       api_name="avatar_detail")  # fmt: skip
        fav_btn.click(h.toggle_favourite, [selected], gallery_msg, api_name="favourite").then(
            h.gallery_page, [page, favs], api_name="gallery_refresh", **hidden, **page_io)  # fmt: skip
        del_btn.click(h.delete_avatar, [selected], gallery_msg, api_name="delete_avatar").then(
            h.gallery_page, [page, favs], api_name="gallery_after_delete", **hidden, **page_io)  # fmt: skip
        reuse_btn.click(h.reuse, [selected], [prompt, preset, model, seed, tabs],
                        api_name="reuse_settings")  # fmt: skip

        users_io = dict(inputs=[search], outputs=users)
        admin_tab.select(h.admin_users, api_name="admin_users", **users_io).then(
            h.admin_models, None, model_table, api_name="admin_models").then(
            h.admin_stats, None, [stats, chart], api_name="admin_stats")  # fmt: skip
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
        model_save.click(h.admin_update_model, [model_key, model_enabled, model_price], admin_msg,
                         api_name="admin_update_model").then(
            h.admin_models, None, model_table, api_name="admin_models_after_save", **hidden)  # fmt: skip
    return demo
