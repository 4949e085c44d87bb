"""Admin tab, Models section: the catalog with what really runs, editing a model and adding one."""

from __future__ import annotations

from typing import Any

import gradio as gr

from avatar_core.bootstrap import App
from avatar_core.domain.selection import TIERS
from avatar_core.web.handlers import Handlers
from avatar_core.web.ui.common import HIDDEN

MODEL_HEADERS = [
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
]
# Pixels, not shares of the box: a column is never narrower than its header's longest word, and on a
# narrow screen the table scrolls inside its box instead of squashing (the CSS wraps at spaces only).
MODEL_WIDTHS: list[str | int] = [200, 80, 76, 80, 240, 84, 100, 76, 134, 66]


def _edit_form(app: App) -> list[Any]:
    """Model, enabled, price, endpoint and handler of one model (filled with the first one)."""
    models = app.catalog.models()
    first = models[0] if models else None
    with gr.Row(elem_classes="align-end"):
        key = gr.Dropdown(
            [m.model_key for m in models],
            label="Model",
            value=first.model_key if first else None,
            interactive=True,
            scale=3,
            min_width=330,  # the longest key in full, also on a phone
        )
        enabled = gr.Checkbox(label="Enabled", scale=1, min_width=120, value=first.enabled if first else True)
        price = gr.Number(
            label="Price (credits)",
            precision=None,
            scale=1,
            min_width=120,
            value=first.credit_cost if first else 0,
        )
    with gr.Row(elem_classes="align-end"):
        endpoint = gr.Textbox(
            label="Dedicated endpoint URL (empty: the provider)",
            value=(first.endpoint_url or "") if first else "",
            scale=3,
            min_width=300,
        )
        handler = gr.Dropdown(
            ["default", "avatar-creator"],
            label="Endpoint handler",
            value=(first.endpoint_handler or "default") if first else "default",
            interactive=True,
            scale=1,
            min_width=160,
        )
        save = gr.Button("Save model", scale=1, min_width=140)
    return [key, enabled, price, endpoint, handler, save]


def _add_form(offline: bool) -> tuple[list[Any], Any]:
    """The fields of a new catalog row and the button adding it."""
    title = (
        "Add a model (offline: the Hub check cannot run, the page gives the command to add it)"
        if offline
        else "Add a model (checked against the Hub before it is saved)"
    )
    with gr.Accordion(title, open=False):
        with gr.Row():
            key = gr.Textbox(label="Key", placeholder="avatar-creator:flux-krea", scale=2)
            repo = gr.Textbox(label="Model repo", scale=3, placeholder="black-forest-labs/FLUX.1-Krea-dev")
            lora = gr.Textbox(label="LoRA repo (optional)", scale=3)
            scale = gr.Number(label="LoRA scale", value=1.0, scale=1)
        with gr.Row(elem_classes="align-end"):
            tier = gr.Dropdown(list(TIERS), value="basic", label="Tier", interactive=True)
            price = gr.Number(label="Price (credits)", value=12)
            size = gr.Textbox(label="Size", value="1024x1024")
            steps = gr.Number(label="Steps", value=28)
            guidance = gr.Number(label="Guidance", value=3.5)
            licence = gr.Textbox(label="Licence", placeholder="FLUX.1-dev non-commercial")
            add = gr.Button("Add model")
    return [key, repo, lora, scale, tier, price, size, steps, guidance, licence], add


def build_admin_models(app: App, h: Handlers, section: Any) -> None:
    """The Models section and its events; opening it lists the catalog with its routes."""
    table = gr.Dataframe(
        headers=MODEL_HEADERS,
        interactive=False,
        wrap=True,
        elem_id="admin-models",
        elem_classes="admin-table",
        column_widths=MODEL_WIDTHS,
        max_height=720,
        label="Models and what really runs",
    )
    *fields, save = _edit_form(app)
    msg = gr.Markdown(elem_id="model-msg")
    new_fields, add = _add_form(app.engine.offline and not app.settings.hf_token)
    section.select(h.admin_models, None, table, api_name="admin_models", queue=False, **HIDDEN)
    fields[0].change(h.admin_model_fields, [fields[0]], fields[1:], api_name="admin_model_fields", **HIDDEN)
    save.click(h.admin_update_model, fields, msg, api_name="admin_update_model").success(
        h.admin_models, None, table, api_name="admin_models_after_save", **HIDDEN
    )
    add.click(h.admin_add_model, new_fields, msg, api_name="admin_add_model").success(
        h.admin_models, None, table, api_name="admin_models_after_add", **HIDDEN
    )
