"""Admin tab, reports and tools: invites, per-model stats, usage and cost, A/B tests."""

from __future__ import annotations

from typing import Any

import gradio as gr

from avatar_core.bootstrap import App
from avatar_core.domain.selection import TIERS
from avatar_core.services.usage import USAGE_HEADERS
from avatar_core.web.handlers import Handlers
from avatar_core.web.invite_handlers import HEADERS as INVITE_HEADERS
from avatar_core.web.invite_handlers import InviteHandlers

STATS_HEADERS = ["model", "count", "completed", "failed", "success", "mean s", "last failure (operators)"]
ARM_HEADERS = ["arm", "model", "gens", "success", "mean s", "rating", "$ / image"]


def build_invites(ih: InviteHandlers) -> Any:
    """The Invites section and its events; returns the table (listed when the tab opens)."""
    gr.Markdown("## Invites")
    with gr.Row(elem_classes="align-end"):
        uses = gr.Number(label="Uses", value=1, precision=None, scale=1)
        credits = gr.Number(label="Extra credits", value=0, precision=None, scale=1)
        create = gr.Button("Create invite", scale=1)
        invite_id = gr.Number(label="Invite id", precision=None, scale=1)
        revoke = gr.Button("Revoke invite", scale=1)
    msg = gr.Markdown(elem_id="invite-msg")
    table = gr.Dataframe(headers=INVITE_HEADERS, interactive=False)
    create.click(ih.create, [uses, credits], [msg, table], api_name="admin_create_invite")
    revoke.click(ih.revoke, [invite_id], [msg, table], api_name="admin_revoke_invite")
    return table


def build_stats() -> tuple[Any, Any]:
    """The per-model stats table and chart (filled when the tab opens or on Refresh)."""
    gr.Markdown("## Per-model stats")
    with gr.Row(equal_height=False):
        stats = gr.Dataframe(headers=STATS_HEADERS, interactive=False, wrap=True, scale=3)
        chart = gr.BarPlot(
            x="model", y="generations", title="Generations per model", y_lim=[0, None], scale=2, min_width=300
        )
    return stats, chart


def build_usage(h: Handlers) -> None:
    """Usage and cost per day and model, a chart and a CSV download."""
    gr.Markdown("## Usage and cost")
    with gr.Row(elem_classes="align-end"):
        since = gr.Textbox(label="Since (YYYY-MM-DD, empty: everything)", scale=3)
        show = gr.Button("Show usage", scale=1)
        csv = gr.HTML(visible=False, elem_id="usage-csv", min_height=0)  # a link to /admin/usage.csv
    table = gr.Dataframe(
        headers=list(USAGE_HEADERS), interactive=False, elem_id="admin-usage", label="Usage per day and model"
    )
    chart = gr.LinePlot(x="day", y="generations", color="model", title="Generations per day", y_lim=[0, None])
    show.click(h.admin_usage, [since], [table, chart, csv], api_name="admin_usage")


def build_experiments(app: App, h: Handlers) -> None:
    """Start, inspect and stop A/B tests of a tier's Auto model."""
    gr.Markdown("## A/B tests of a tier's Auto model")
    with gr.Row(elem_classes="align-end"):
        tier = gr.Dropdown(list(TIERS), value="basic", label="Tier", interactive=True)
        keys = [m.model_key for m in app.catalog.models()]
        model_a = gr.Dropdown(keys, label="Model A", interactive=True)
        model_b = gr.Dropdown(keys, label="Model B", interactive=True)
        split = gr.Number(label="% of users on B", value=50)
        start = gr.Button("Start test")
    with gr.Row(elem_classes="align-end"):
        exp_id = gr.Number(label="Experiment id", precision=0)
        results = gr.Button("Results")
        stop = gr.Button("Stop test", variant="stop")
    msg = gr.Markdown(elem_id="exp-msg")
    table = gr.Dataframe(headers=ARM_HEADERS, interactive=False, label="Results per arm")
    start.click(
        h.admin_start_experiment, [tier, model_a, model_b, split], msg, api_name="admin_start_experiment"
    )
    results.click(h.admin_experiment_results, [exp_id], [msg, table], api_name="admin_experiment_results")
    stop.click(h.admin_stop_experiment, [exp_id], msg, api_name="admin_stop_experiment")
