"""Admin tab, the Usage, Experiments and Invites sections (each read when it is opened)."""

from __future__ import annotations

from typing import Any

import gradio as gr

from avatar_core.bootstrap import App
from avatar_core.domain.selection import TIERS
from avatar_core.services.usage import USAGE_HEADERS
from avatar_core.web.handlers import Handlers
from avatar_core.web.invite_handlers import HEADERS as INVITE_HEADERS
from avatar_core.web.invite_handlers import InviteHandlers
from avatar_core.web.ui.common import HIDDEN

STATS_HEADERS = ["model", "count", "completed", "failed", "success", "mean s", "last failure (operators)"]
STATS_WIDTHS: list[str | int] = [190, 70, 100, 76, 84, 76, 530]  # pixels: see admin_models
ARM_HEADERS = ["arm", "model", "gens", "success", "mean s", "rating", "$ / image"]
EXPERIMENT_HEADERS = ["id", "tier", "model A", "model B", "% on B", "started", "state"]


def table(headers: list[str], elem_id: str, label: str, **kwargs: Any) -> Any:
    """A read-only admin table (wraps at spaces only, scrolls inside its box on a phone)."""
    return gr.Dataframe(
        headers=headers, interactive=False, elem_id=elem_id, elem_classes="admin-table", label=label, **kwargs
    )


def build_invites(ih: InviteHandlers, section: Any) -> None:
    """The Invites section and its events; opening it lists the invites."""
    with gr.Row(elem_classes="align-end"):
        uses = gr.Number(label="Uses", value=1, precision=None, scale=1, min_width=100)
        credits = gr.Number(label="Extra credits", value=0, precision=None, scale=1, min_width=100)
        create = gr.Button("Create invite", scale=1, min_width=140)
    with gr.Row(elem_classes="align-end"):
        invite_id = gr.Number(label="Invite id", precision=None, scale=1, min_width=100)
        revoke = gr.Button("Revoke invite", scale=1, min_width=140)
    msg = gr.Markdown(elem_id="invite-msg")
    invites = table(INVITE_HEADERS, "admin-invites", "Invites, newest first")
    section.select(ih.listing, None, invites, api_name="admin_invites", queue=False, **HIDDEN)
    create.click(ih.create, [uses, credits], [msg, invites], api_name="admin_create_invite")
    revoke.click(ih.revoke, [invite_id], [msg, invites], api_name="admin_revoke_invite")


def build_usage(h: Handlers, section: Any) -> None:
    """Usage and cost per day and model (a chart that fits the span, the table, a CSV download)
    and the all-time stats per model; opening the section shows everything since the start."""
    with gr.Row(elem_classes="align-end"):
        since = gr.Textbox(label="Since (YYYY-MM-DD, empty: everything)", scale=3, min_width=200)
        show = gr.Button("Show usage", scale=1, min_width=120)
        csv = gr.HTML(visible=False, elem_id="usage-csv", min_height=0)  # a link to /admin/usage.csv
    note = gr.Markdown(elem_id="usage-note")
    bars = gr.BarPlot(
        x="model",
        y="generations",
        color="day",
        title="Generations per model",
        y_lim=[0, None],
        x_label_angle=-30,
        visible=False,
        elem_id="usage-bars",
    )
    lines = gr.LinePlot(
        x="day",
        y="generations",
        color="model",
        title="Generations per day",
        y_lim=[0, None],
        visible=False,
        elem_id="usage-lines",
    )
    usage = table(list(USAGE_HEADERS), "admin-usage", "Usage per day and model")
    stats = table(STATS_HEADERS, "admin-stats", "Per model, all time", wrap=True, column_widths=STATS_WIDTHS)
    outputs = [usage, bars, lines, note, csv]
    section.select(h.admin_usage, [since], outputs, api_name="admin_usage_section", **HIDDEN).then(
        h.admin_stats, None, stats, api_name="admin_stats", queue=False, **HIDDEN
    )
    show.click(h.admin_usage, [since], outputs, api_name="admin_usage")
    since.submit(h.admin_usage, [since], outputs, api_name="admin_usage_submit", **HIDDEN)


def build_experiments(app: App, h: Handlers, section: Any) -> None:
    """Start, inspect and stop A/B tests of a tier's Auto model; opening the section lists them."""
    gr.Markdown("A/B tests of a tier's **Auto** model: users are split between model A and model B.")
    with gr.Row(elem_classes="align-end"):
        tier = gr.Dropdown(list(TIERS), value="basic", label="Tier", interactive=True, min_width=120)
        keys = [(m.model_key.split(":")[-1], m.model_key) for m in app.catalog.models()]
        model_a = gr.Dropdown(keys, label="Model A", interactive=True, scale=2, min_width=220)
        model_b = gr.Dropdown(keys, label="Model B", interactive=True, scale=2, min_width=220)
        split = gr.Number(label="% of users on B", value=50, min_width=120)
        start = gr.Button("Start test", min_width=120)
    with gr.Row(elem_classes="align-end"):
        exp_id = gr.Number(label="Experiment id", value=None, precision=0, min_width=120)
        results = gr.Button("Results", min_width=120)
        stop = gr.Button("Stop test", variant="stop", min_width=120)
    msg = gr.Markdown(elem_id="exp-msg")
    arms = table(ARM_HEADERS, "admin-arms", "Results per arm")
    tests = table(
        EXPERIMENT_HEADERS, "admin-experiments", "A/B tests, newest first (click one for its results)"
    )
    listed: dict[str, Any] = dict(fn=h.admin_experiments, inputs=None, outputs=tests, **HIDDEN)
    section.select(api_name="admin_experiments", queue=False, **listed)
    start.click(
        h.admin_start_experiment, [tier, model_a, model_b, split], msg, api_name="admin_start_experiment"
    ).success(api_name="admin_experiments_after_start", **listed)
    results.click(h.admin_experiment_results, [exp_id], [msg, arms], api_name="admin_experiment_results")
    tests.select(h.admin_pick_experiment, None, [exp_id, msg, arms], api_name="admin_pick_experiment")
    stop.click(h.admin_stop_experiment, [exp_id], msg, api_name="admin_stop_experiment").success(
        api_name="admin_experiments_after_stop", **listed
    )
