"""The Gradio Blocks: layout and event wiring only; the logic lives in `Handlers`."""

from __future__ import annotations

from typing import Any

import gradio as gr

from avatar_core.bootstrap import App
from avatar_core.config import ASSETS_DIR
from avatar_core.domain.selection import TIERS
from avatar_core.services.photos import CONSENT
from avatar_core.web.handlers import AUTO, PREVIEW_NOTE, Handlers, model_choices
from avatar_core.web.invite_handlers import HEADERS as INVITE_HEADERS
from avatar_core.web.invite_handlers import InviteHandlers
from avatar_core.web.pages import LOGO_SVG

ASSETS = ASSETS_DIR
HEAD = "<script>" + (ASSETS / "app.js").read_text() + "</script>" if (ASSETS / "app.js").is_file() else ""
REFRESH_SECONDS = 30.0  # the balance and quote refresh this often (and when the tab regains focus)
# The gallery grid is a gr.HTML whose `js_on_load` turns a thumbnail click into a `click` event
# carrying the avatar id (event delegation on the component root survives re-renders).
PICK_JS = """
element.addEventListener('click', (event) => {
  const go = event.target.closest('.go-generate');
  if (go) { event.preventDefault(); window.avatarShowTab && window.avatarShowTab('Generate'); return; }
  const thumb = event.target.closest('.thumb');
  if (!thumb || !element.contains(thumb)) return;
  element.querySelectorAll('.thumb.picked').forEach(b => b.classList.remove('picked'));
  thumb.classList.add('picked');
  trigger('click', { id: thumb.dataset.id });
});
"""
# A POST form: logging out is an action (GET /logout only shows a confirmation button), and a
# Markdown link would open in a new tab (Gradio sets target=_blank on them).
LOGOUT_FORM = (
    '<form method="post" action="/logout" class="logout-form">'
    '<button type="submit" class="logout-btn">Log out</button></form>'
)
EMPTY_RESULT = '<div class="avatar-empty">Your avatar appears here</div>'
PHOTO_NOTE = (
    "Upload one clear, front-facing photo: the avatar keeps your face and takes the "
    "preset's clothes, setting and light. The photo is cleaned of all metadata, never "
    "shown to anyone, and deleted after {kept} (or now, with the button)."
)
LOGO = f'<h1 class="brand">{LOGO_SVG.format(size=34)}<span>Avatar Creator</span></h1>'
# Client-side only: one preference at a time (the ticked one wins), a draft kept for re-login,
# the draft restored after logging in again, Generate disabled at once, a phone scrolled to the result.
ONE_PREF_JS = "(me, a, b) => me ? [false, false] : [a, b]"
DRAFT_JS = "(p, s) => { window.avatarDraft = {prompt: p, preset: s}; return []; }"
RESTORE_JS = (
    "(p, s) => { const d = window.avatarTakeDraft ? window.avatarTakeDraft() : null; "
    "return d ? [d.prompt || p, d.preset || s] : [p, s]; }"
)
BUSY_JS = "() => { const b = document.getElementById('generate-btn'); if (b) b.disabled = true; return []; }"
SCROLL_RESULT_JS = "() => { window.avatarResultArrived && window.avatarResultArrived(); return []; }"


def busy() -> Any:
    """Generate while a generation runs: says so and cannot be clicked again."""
    return gr.update(value="Generating…", interactive=False)


def ready() -> Any:
    """Generate again, once the result (or the error) is in."""
    return gr.update(value="Generate", interactive=True)


def preset_choices(app: App) -> list[tuple[str, str]]:
    """'No preset' plus every preset by name (the catalog keeps them grouped by category)."""
    return [("No preset", "")] + [(p.name, p.key) for p in app.catalog.presets()]


def _duration(hours: float) -> str:
    """'24 hours', '30 minutes', '4 seconds'."""
    for unit, size in (("hours", 1.0), ("minutes", 1 / 60), ("seconds", 1 / 3600)):
        if hours >= size:
            return f"{hours / size:g} {unit}"
    return f"{hours * 3600:.1f} seconds"


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
                banner = gr.Markdown(
                    PREVIEW_NOTE, elem_classes="offline-note", elem_id="offline-note", visible=app.offline
                )
                with gr.Row(equal_height=False):
                    with gr.Column(scale=5, min_width=320):
                        prompt = gr.Textbox(
                            label="Prompt",
                            lines=3,
                            max_length=1000,
                            elem_id="prompt",
                            placeholder="e.g. a smiling woman with curly red hair "
                            "and glasses, green sweater, garden background",
                        )
                        with gr.Accordion("Presets", open=False):
                            preset_gallery = gr.Gallery(
                                value=preset_gallery_items(app),
                                columns=4,
                                height=300,
                                allow_preview=False,
                                show_label=False,
                                elem_id="preset-gallery",
                                object_fit="cover",
                                buttons=[],
                                interactive=False,
                            )
                        with gr.Accordion("From my photo", open=False, elem_id="photo-mode"):
                            gr.Markdown(
                                PHOTO_NOTE.format(kept=_duration(app.settings.photo_retention_hours)),
                                elem_classes="photo-note",
                            )
                            with gr.Row(equal_height=False):
                                photo = gr.Image(
                                    type="filepath",
                                    sources=["upload"],
                                    label="Your photo",
                                    height=200,
                                    elem_id="photo-input",
                                    buttons=[],
                                    min_width=180,
                                )
                                with gr.Column(min_width=200):
                                    consent = gr.Checkbox(label=CONSENT, value=False, elem_id="photo-consent")
                                    from_photo = gr.Checkbox(
                                        label="Make the avatar from my photo",
                                        value=False,
                                        elem_id="from-photo",
                                    )
                                    photo_status = gr.Markdown(elem_id="photo-status")
                                    photo_delete = gr.Button("Delete my photo now", size="sm")
                            photo_id = gr.Textbox(value="", visible=False, elem_id="photo-id")
                        with gr.Row():
                            preset = gr.Dropdown(
                                preset_choices(app), value="", label="Preset", interactive=True, min_width=200
                            )
                            model = gr.Dropdown(
                                model_choices(models),
                                value=AUTO,
                                label="Model",
                                interactive=True,
                                min_width=200,
                            )
                        locked = gr.Markdown(elem_classes="locked-note", elem_id="locked-note")
                        with gr.Row(elem_classes="align-end"):
                            with gr.Group(elem_id="prefs"):
                                realism = gr.Checkbox(
                                    label="Prefer realism", value=False, elem_id="pref-realism"
                                )
                                hd = gr.Checkbox(label="Prefer HD", value=False, elem_id="pref-hd")
                                fast = gr.Checkbox(label="Fast", value=False, elem_id="pref-fast")
                            seed = gr.Number(
                                value=-1, precision=None, label="Seed (-1 = random)", min_width=160
                            )
                        with gr.Row():
                            project_dd = gr.Dropdown(
                                [("My avatars", "")],
                                value="",
                                label="Project",
                                interactive=True,
                                min_width=160,
                                elem_id="project",
                            )
                            avatar_name = gr.Textbox(
                                "",
                                label="Avatar name (optional)",
                                max_length=120,
                                placeholder="from the preset or prompt",
                                min_width=160,
                                elem_id="avatar-name",
                            )
                        quote = gr.Markdown(elem_classes="quote", elem_id="quote")
                        go = gr.Button("Generate", variant="primary", elem_id="generate-btn")
                        cancel_btn = gr.Button(
                            "Cancel: leave the queue (nothing is charged)",
                            elem_id="cancel-btn",
                            elem_classes="cancel-queued",
                            size="sm",
                        )
                        refresh_now = gr.Button(
                            "Refresh balance", elem_id="refresh-balance", elem_classes="offscreen"
                        )
                        timer = gr.Timer(REFRESH_SECONDS)
                    with gr.Column(scale=6, min_width=320):
                        result_image = gr.HTML(EMPTY_RESULT, elem_id="result-image")
                        result_info = gr.Markdown(elem_id="result-info")
                        result_json = gr.JSON(visible=False)
            with gr.Tab("Gallery", id="gallery") as gallery_tab:
                with gr.Row(elem_classes="gallery-bar"):
                    gallery_project = gr.Dropdown(
                        [("All projects", "")],
                        value="",
                        label="Show project",
                        interactive=True,
                        scale=0,
                        min_width=200,
                        elem_id="gallery-project",
                    )
                    favs = gr.Checkbox(label="Favourites only", value=False, scale=0, min_width=170)
                    page_label = gr.Markdown(elem_classes="page-label", elem_id="page-label")
                    prev_btn = gr.Button("← Newer", size="sm", scale=0, min_width=96, visible=False)
                    next_btn = gr.Button("Older →", size="sm", scale=0, min_width=96, visible=False)
                page = gr.Number(value=1, visible=False, precision=0)
                selected = gr.Textbox(value="", visible=False, elem_id="selected-avatar")
                with gr.Row(equal_height=False):
                    with gr.Column(scale=5, min_width=300):
                        grid = gr.HTML(js_on_load=PICK_JS, elem_id="avatar-grid")
                    with (
                        gr.Column(scale=7, min_width=300, elem_classes="detail-col"),
                        gr.Row(equal_height=False),
                    ):
                        detail_image = gr.HTML(elem_id="avatar-detail", min_width=240)
                        with gr.Column(min_width=240):
                            detail_info = gr.Markdown(
                                "Select an avatar to see it full size.", elem_id="avatar-recipe"
                            )
                            fav_btn = gr.Button(
                                "★ Favourite", size="sm", interactive=False, elem_id="fav-btn"
                            )
                            reuse_btn = gr.Button("Use these settings again", size="sm", interactive=False)
                            del_btn = gr.Button(
                                "Delete", size="sm", variant="stop", interactive=False, elem_id="delete-btn"
                            )
                            with gr.Group(visible=False, elem_id="confirm-delete") as confirm_box:
                                gr.Markdown(
                                    "Delete this avatar for good? This can't be undone.",
                                    elem_classes="confirm-note",
                                )
                                with gr.Row():
                                    confirm_btn = gr.Button("Yes, remove it", size="sm", variant="stop")
                                    keep_btn = gr.Button("Keep it", size="sm")
                            with gr.Row(elem_classes="align-end"):
                                rate_reason = gr.Textbox(
                                    label="What's good or wrong (optional)", max_length=500, scale=3
                                )
                                up_btn = gr.Button("👍 Good", size="sm", scale=1, elem_id="rate-up")
                                down_btn = gr.Button("👎 Not right", size="sm", scale=1, elem_id="rate-down")
                            gallery_msg = gr.Markdown(elem_id="gallery-msg")
                with gr.Accordion(
                    "API tokens (for the REST API at /api/docs)", open=False, elem_id="api-tokens"
                ):
                    with gr.Row(elem_classes="align-end"):
                        token_name = gr.Textbox(label="New token's name", scale=3)
                        token_create = gr.Button("Create token", scale=1)
                    token_msg = gr.Markdown(elem_id="token-msg")
                    token_table = gr.Dataframe(
                        headers=["id", "name", "starts with", "created", "last used", "state"],
                        interactive=False,
                        label="Your tokens",
                    )
                    with gr.Row(elem_classes="align-end"):
                        token_id = gr.Number(label="Token id to revoke", precision=0, scale=3)
                        token_revoke = gr.Button("Revoke token", variant="stop", scale=1)
            with gr.Tab("Admin", id="admin", visible=False) as admin_tab:
                gr.Markdown("## Users")
                with gr.Row(elem_classes="align-end"):
                    search = gr.Textbox(label="Search users (name or tier)", scale=4)
                    refresh = gr.Button("Refresh", scale=0, min_width=120)
                users_note = gr.Markdown(elem_id="admin-users-note")
                users = gr.Dataframe(
                    headers=["username", "tier", "admin", "balance", "spent", "generations", "created"],
                    interactive=False,
                    elem_id="admin-users",
                    label="Users",
                    show_label=False,
                )
                gr.Markdown("## Credits and tier")
                with gr.Row(elem_classes="align-end"):
                    target = gr.Textbox(label="Username", scale=2, elem_id="admin-target")
                    amount = gr.Number(
                        label="Credits", value=10, precision=None, scale=1, elem_id="admin-amount"
                    )
                    reason = gr.Textbox(label="Reason", scale=3, elem_id="admin-reason")
                with gr.Row(elem_classes="align-end"):
                    grant_btn = gr.Button("Grant credits", variant="primary")
                    deduct_btn = gr.Button("Deduct credits")
                    ledger_btn = gr.Button("Show ledger")
                    tier = gr.Dropdown(
                        list(TIERS),
                        value="free",
                        label="New tier",
                        interactive=True,
                        min_width=140,
                        elem_id="admin-tier",
                    )
                    tier_btn = gr.Button("Set tier")
                admin_msg = gr.Markdown(elem_id="admin-msg")
                ledger_title = gr.Markdown(elem_id="ledger-title")
                ledger = gr.Dataframe(
                    headers=["time", "type", "amount", "balance", "generation", "reason"],
                    interactive=False,
                    label="Ledger",
                    show_label=False,
                    elem_id="admin-ledger",
                )
                gr.Markdown("## Models")
                model_msg = gr.Markdown(elem_id="model-msg")
                model_table = gr.Dataframe(
                    headers=[
                        "key",
                        "tier",
                        "credits",
                        "enabled",
                        "runs as",
                        "LoRA runs",
                        "size",
                        "status",
                        "licence",
                        "served",
                    ],
                    interactive=False,
                    wrap=True,
                    elem_id="admin-models",
                    column_widths=["19%", "6%", "6%", "6%", "25%", "7%", "11%", "6%", "8%", "6%"],
                )
                with gr.Row(elem_classes="align-end"):
                    first = models[0] if models else None
                    model_key = gr.Dropdown(
                        [m.model_key for m in models],
                        label="Model",
                        value=first.model_key if first else None,
                        interactive=True,
                        scale=3,
                    )
                    model_enabled = gr.Checkbox(
                        label="Enabled", scale=1, value=first.enabled if first else True
                    )
                    model_price = gr.Number(
                        label="Price (credits)",
                        precision=None,
                        scale=1,
                        value=first.credit_cost if first else 0,
                    )
                with gr.Row(elem_classes="align-end"):
                    model_endpoint = gr.Textbox(
                        label="Dedicated endpoint URL (empty: the provider)",
                        value=(first.endpoint_url or "") if first else "",
                        scale=3,
                    )
                    model_handler = gr.Dropdown(
                        ["default", "avatar-creator"],
                        label="Endpoint handler",
                        value=(first.endpoint_handler or "default") if first else "default",
                        interactive=True,
                        scale=1,
                    )
                    model_save = gr.Button("Save model", scale=1)
                with gr.Accordion("Add a model (checked against the Hub before it is saved)", open=False):
                    with gr.Row():
                        new_key = gr.Textbox(label="Key", placeholder="avatar-creator:flux-krea", scale=2)
                        new_repo = gr.Textbox(
                            label="Model repo", scale=3, placeholder="black-forest-labs/FLUX.1-Krea-dev"
                        )
                        new_lora = gr.Textbox(label="LoRA repo (optional)", scale=3)
                        new_scale = gr.Number(label="LoRA scale", value=1.0, scale=1)
                    with gr.Row(elem_classes="align-end"):
                        new_tier = gr.Dropdown(list(TIERS), value="basic", label="Tier", interactive=True)
                        new_price = gr.Number(label="Price (credits)", value=12)
                        new_size = gr.Textbox(label="Size", value="1024x1024")
                        new_steps = gr.Number(label="Steps", value=28)
                        new_guidance = gr.Number(label="Guidance", value=3.5)
                        new_license = gr.Textbox(label="Licence", placeholder="FLUX.1-dev non-commercial")
                        new_add = gr.Button("Add model")
                gr.Markdown("## Invites")
                with gr.Row(elem_classes="align-end"):
                    inv_uses = gr.Number(label="Uses", value=1, precision=None, scale=1)
                    inv_credits = gr.Number(label="Extra credits", value=0, precision=None, scale=1)
                    inv_create = gr.Button("Create invite", scale=1)
                    inv_id = gr.Number(label="Invite id", precision=None, scale=1)
                    inv_revoke = gr.Button("Revoke invite", scale=1)
                inv_msg = gr.Markdown(elem_id="invite-msg")
                inv_table = gr.Dataframe(headers=INVITE_HEADERS, interactive=False)
                gr.Markdown("## Per-model stats")
                with gr.Row(equal_height=False):
                    stats = gr.Dataframe(
                        headers=[
                            "model",
                            "count",
                            "completed",
                            "failed",
                            "success",
                            "mean s",
                            "last failure (operators)",
                        ],
                        interactive=False,
                        wrap=True,
                        scale=3,
                    )
                    chart = gr.BarPlot(
                        x="model",
                        y="generations",
                        title="Generations per model",
                        y_lim=[0, None],
                        scale=2,
                        min_width=300,
                    )
                gr.Markdown("## Usage and cost")
                with gr.Row(elem_classes="align-end"):
                    usage_since = gr.Textbox(label="Since (YYYY-MM-DD, empty: everything)", scale=3)
                    usage_btn = gr.Button("Show usage", scale=1)
                    usage_csv = gr.DownloadButton("Download CSV", scale=1, visible=False)
                usage_table = gr.Dataframe(
                    headers=[
                        "day",
                        "model",
                        "gens",
                        "ok",
                        "failed",
                        "success",
                        "p50 s",
                        "p95 s",
                        "charged",
                        "refunded",
                        "cost $",
                        "rated up",
                        "rated down",
                    ],
                    interactive=False,
                    elem_id="admin-usage",
                    label="Usage per day and model",
                )
                usage_chart = gr.LinePlot(
                    x="day", y="generations", color="model", title="Generations per day", y_lim=[0, None]
                )
                gr.Markdown("## A/B tests of a tier's Auto model")
                with gr.Row(elem_classes="align-end"):
                    exp_tier = gr.Dropdown(list(TIERS), value="basic", label="Tier", interactive=True)
                    keys = [m.model_key for m in models]
                    exp_a = gr.Dropdown(keys, label="Model A", interactive=True)
                    exp_b = gr.Dropdown(keys, label="Model B", interactive=True)
                    exp_split = gr.Number(label="% of users on B", value=50)
                    exp_start = gr.Button("Start test")
                with gr.Row(elem_classes="align-end"):
                    exp_id = gr.Number(label="Experiment id", precision=0)
                    exp_results = gr.Button("Results")
                    exp_stop = gr.Button("Stop test", variant="stop")
                exp_msg = gr.Markdown(elem_id="exp-msg")
                exp_table = gr.Dataframe(
                    headers=["arm", "model", "gens", "success", "mean s", "rating", "$ / image"],
                    interactive=False,
                    label="Results per arm",
                )

        quote_inputs: list[Any] = [model, preset, realism, hd, fast, from_photo]
        hidden: dict[str, Any] = dict(api_visibility="private")
        demo.load(h.on_load, None, [greeting, model, locked, quote, admin_tab], api_name="session")
        if app.offline:
            demo.load(h.banner, None, banner, api_name="banner", queue=False, **hidden)
        demo.load(None, [prompt, preset], [prompt, preset], js=RESTORE_JS, api_name="restore_draft", **hidden)
        gr.on(
            [demo.load] + [c.change for c in quote_inputs],
            h.quote_view,
            quote_inputs,
            [quote, realism, hd, fast],
            api_name="quote",
            queue=False,
            **hidden,
        )
        gr.on(
            [timer.tick, refresh_now.click],
            h.refresh,
            quote_inputs,
            [greeting, quote],
            api_name="refresh",
            queue=False,
            show_progress="hidden",
            **hidden,
        )
        gr.on(
            [prompt.change, preset.change],
            None,
            [prompt, preset],
            None,
            js=DRAFT_JS,
            api_name="keep_draft",
            **hidden,
        )
        for i, box in enumerate((realism, hd, fast)):
            others = [b for b in (realism, hd, fast) if b is not box]
            box.input(
                None, [box, *others], others, js=ONE_PREF_JS, api_name=f"one_preference_{'rhf'[i]}", **hidden
            )
        photo.upload(
            h.upload_photo,
            [photo, consent],
            [photo_id, photo_status, from_photo, photo],
            api_name="upload_photo",
        )
        photo_delete.click(
            h.delete_photo, [photo_id], [photo_id, photo_status, from_photo], api_name="delete_photo"
        )
        demo.load(h.project_choices, None, project_dd, api_name="projects", queue=False, **hidden)
        generating = go.click(busy, None, go, api_name="busy", queue=False, js=BUSY_JS, **hidden).then(
            h.generate,
            [prompt, preset, model, realism, hd, fast, seed, from_photo, photo_id, project_dd, avatar_name],
            [result_image, result_info, quote, result_json],
            api_name="generate",
            concurrency_limit=limit,
            concurrency_id="generate",
            show_progress_on=[result_image],
        )
        generating.then(
            h.greeting, None, greeting, api_name="greeting", queue=False, js=SCROLL_RESULT_JS, **hidden
        ).then(ready, None, go, api_name="ready", queue=False, **hidden)
        # Shown (by app.js) only while the generation waits in the queue: nothing is charged yet.
        cancel_btn.click(
            ready, None, go, cancels=[generating], api_name="cancel_generate", queue=False, **hidden
        )

        def pick_preset(evt: gr.SelectData) -> str:
            """A preset thumbnail click fills the preset dropdown."""
            return presets[evt.index].key if 0 <= evt.index < len(presets) else ""

        preset_gallery.select(pick_preset, None, preset, api_name="pick_preset", queue=False, **hidden)

        page_io: dict[str, Any] = dict(outputs=[grid, page_label, page, prev_btn, next_btn])
        actions: dict[str, Any] = dict(inputs=[selected], outputs=[fav_btn, reuse_btn, del_btn, confirm_box])
        gallery_tab.select(
            h.gallery_page, [page, favs, selected, gallery_project], api_name="gallery", **page_io
        ).then(h.gallery_projects, None, gallery_project, api_name="gallery_projects", **hidden)
        gallery_project.input(
            h.gallery_first, [favs, gallery_project], api_name="gallery_by_project", **hidden, **page_io
        )
        usage_btn.click(
            h.admin_usage, [usage_since], [usage_table, usage_chart, usage_csv], api_name="admin_usage"
        )
        exp_start.click(
            h.admin_start_experiment,
            [exp_tier, exp_a, exp_b, exp_split],
            exp_msg,
            api_name="admin_start_experiment",
        )
        exp_results.click(
            h.admin_experiment_results, [exp_id], [exp_msg, exp_table], api_name="admin_experiment_results"
        )
        exp_stop.click(h.admin_stop_experiment, [exp_id], exp_msg, api_name="admin_stop_experiment")
        gallery_tab.select(h.api_tokens, None, token_table, api_name="api_tokens", **hidden)
        token_create.click(
            h.create_token, [token_name], [token_msg, token_table], api_name="create_token", **hidden
        )
        token_revoke.click(
            h.revoke_token, [token_id], [token_msg, token_table], api_name="revoke_token", **hidden
        )
        favs.change(h.gallery_first, [favs, gallery_project], api_name="gallery_first", **hidden, **page_io)
        prev_btn.click(
            h.gallery_newer, [page, favs, gallery_project], api_name="gallery_newer", **hidden, **page_io
        )
        next_btn.click(
            h.gallery_older, [page, favs, gallery_project], api_name="gallery_older", **hidden, **page_io
        )
        grid.click(h.pick_avatar, None, selected, api_name="pick_avatar", queue=False, **hidden)
        selected.change(h.avatar_detail, [selected], [detail_image, detail_info], api_name="avatar_detail")
        selected.change(h.avatar_actions, api_name="avatar_actions", queue=False, **hidden, **actions)
        up_btn.click(h.rate_up, [selected, rate_reason], gallery_msg, api_name="rate_up", **hidden)
        down_btn.click(h.rate_down, [selected, rate_reason], gallery_msg, api_name="rate_down", **hidden)
        fav_btn.click(h.toggle_favourite, [selected], gallery_msg, api_name="favourite").then(
            h.gallery_page,
            [page, favs, selected, gallery_project],
            api_name="gallery_refresh",
            **hidden,
            **page_io,
        ).then(
            h.avatar_detail,
            [selected],
            [detail_image, detail_info],
            api_name="avatar_detail_refresh",
            **hidden,
        ).then(h.avatar_actions, api_name="avatar_actions_refresh", **hidden, **actions)
        del_btn.click(
            lambda: gr.update(visible=True), None, confirm_box, api_name="ask_delete", queue=False, **hidden
        )
        keep_btn.click(
            lambda: gr.update(visible=False), None, confirm_box, api_name="keep_avatar", queue=False, **hidden
        )
        confirm_btn.click(
            h.delete_avatar, [selected], [gallery_msg, selected], api_name="delete_avatar"
        ).then(
            h.gallery_page,
            [page, favs, selected, gallery_project],
            api_name="gallery_after_delete",
            **hidden,
            **page_io,
        )
        reuse_btn.click(h.reuse, [selected], [prompt, preset, model, seed, tabs], api_name="reuse_settings")

        users_io: dict[str, Any] = dict(inputs=[search], outputs=[users, users_note])
        admin_tab.select(h.admin_users_view, api_name="admin_users", **users_io).then(
            h.admin_models, None, model_table, api_name="admin_models"
        ).then(h.admin_stats, None, [stats, chart], api_name="admin_stats").then(
            ih.listing, None, inv_table, api_name="admin_invites"
        )
        inv_create.click(
            ih.create, [inv_uses, inv_credits], [inv_msg, inv_table], api_name="admin_create_invite"
        )
        inv_revoke.click(ih.revoke, [inv_id], [inv_msg, inv_table], api_name="admin_revoke_invite")
        search.submit(h.admin_users_view, api_name="admin_search", **hidden, **users_io)
        refresh.click(h.admin_users_view, api_name="admin_refresh", **hidden, **users_io).then(
            h.admin_stats, None, [stats, chart], api_name="admin_stats_refresh", **hidden
        )
        credit_in = [target, amount, reason]

        def cleared(button: gr.Button, name: str) -> Any:
            """The click first empties the status line, so no stale message sits beside an error."""
            return button.click(lambda: "", None, admin_msg, api_name=f"clear_{name}", queue=False, **hidden)

        cleared(grant_btn, "grant").then(
            h.admin_grant_credits, credit_in, admin_msg, api_name="admin_grant_credits"
        ).then(h.admin_users_view, api_name="admin_users_after_grant", **hidden, **users_io)
        cleared(deduct_btn, "deduct").then(
            h.admin_deduct_credits, credit_in, admin_msg, api_name="admin_deduct_credits"
        ).then(h.admin_users_view, api_name="admin_users_after_deduct", **hidden, **users_io)
        cleared(tier_btn, "tier").then(
            h.admin_set_tier, [target, tier], admin_msg, api_name="admin_set_tier"
        ).then(h.admin_users_view, api_name="admin_users_after_tier", **hidden, **users_io)
        cleared(ledger_btn, "ledger").then(
            h.admin_ledger_view, [target], [ledger_title, ledger], api_name="admin_ledger"
        )
        model_key.change(
            h.admin_model_fields,
            [model_key],
            [model_enabled, model_price, model_endpoint, model_handler],
            api_name="admin_model_fields",
            **hidden,
        )
        model_save.click(
            h.admin_update_model,
            [model_key, model_enabled, model_price, model_endpoint, model_handler],
            model_msg,
            api_name="admin_update_model",
        ).then(h.admin_models, None, model_table, api_name="admin_models_after_save", **hidden)
        new_add.click(
            h.admin_add_model,
            [
                new_key,
                new_repo,
                new_lora,
                new_scale,
                new_tier,
                new_price,
                new_size,
                new_steps,
                new_guidance,
                new_license,
            ],
            model_msg,
            api_name="admin_add_model",
        ).then(h.admin_models, None, model_table, api_name="admin_models_after_add", **hidden)
    return demo
