"""Admin tab handlers for the Usage and Experiments sections: usage and cost, A/B tests."""

from __future__ import annotations

import html
from typing import Any

import gradio as gr

from avatar_core.domain.errors import ValidationError
from avatar_core.services.usage import UsageRow
from avatar_core.web.handlers.base import HandlerBase
from avatar_core.web.handlers.common import parse_day, parse_experiment_id, user_errors

FEW_DAYS = 2  # up to this many days of data, a line per day says nothing: bars per model instead


def short(model_key: str) -> str:
    """A model key without its namespace (`avatar-creator:flux-dev-base` → `flux-dev-base`)."""
    return model_key.split(":")[-1]


def usage_charts(rows: list[UsageRow]) -> tuple[Any, Any, str]:
    """The bar chart (generations per model, a colour per day) when the data spans ≤ 2 days, else
    the line chart (generations per day, a line per model); and a line saying what is shown."""
    import pandas as pd

    frame = pd.DataFrame(
        {
            "day": [r.day for r in rows],
            "generations": [r.generations for r in rows],
            "model": [short(r.model_key) for r in rows],
        }
    )
    days = sorted({r.day for r in rows})
    few = len(days) <= FEW_DAYS
    if not rows:
        note = "No finished generations in this period yet."
    elif few:
        n = sum(r.generations for r in rows)
        note = f"{n} generation{'' if n == 1 else 's'} on {' and '.join(days)}, per model."
    else:
        note = f"{len(days)} days, {days[0]} to {days[-1]}: generations per day and model."
    bars = gr.update(value=frame if few else None, visible=few and bool(rows))
    lines = gr.update(value=None if few else frame, visible=not few)
    return bars, lines, note


class ReportHandlers(HandlerBase):
    """Usage and A/B test events; every one re-checks the role in AdminService."""

    @user_errors
    def admin_usage(self, since: str = "", request: gr.Request | None = None) -> tuple[Any, ...]:
        """Usage per day and model: the table, a chart that fits the span, a note, a CSV link."""
        day = parse_day(since)
        rows = self.admin.usage(self.user(request), day)
        table = [r.cells(short_model=True, missing="") for r in rows]
        bars, lines, note = usage_charts(rows)
        # Our own admin-checked route, not a file in Gradio's cache (which any signed-in user can fetch).
        link = "/admin/usage.csv" + (f"?since={day.isoformat()}" if day else "")
        csv = gr.update(value=f'<a href="{link}" download>Download CSV</a>', visible=True)
        return table, bars, lines, note, csv

    @user_errors
    def admin_experiments(self, request: gr.Request | None = None) -> list[list[Any]]:
        """Every A/B test, newest first: id, tier, the two models, the split and its state."""
        rows = []
        for e in self.admin.experiments_list(self.user(request)):
            state = "running" if e.ends_at is None else f"ended {e.ends_at:%Y-%m-%d %H:%M}"
            started = f"{e.starts_at:%Y-%m-%d %H:%M}"
            rows.append([e.id, e.tier, short(e.model_a), short(e.model_b), e.split_pct, started, state])
        return rows

    @user_errors
    def admin_pick_experiment(
        self, evt: gr.SelectData, request: gr.Request | None = None
    ) -> tuple[int, str, list[list[Any]]]:
        """A clicked row of the A/B tests table: its id in the form and its results per arm."""
        self.admin.require(self.user(request))
        row = evt.row_value or []
        exp_id = parse_experiment_id(float(row[0]) if row and str(row[0]).isdigit() else None)
        msg, arms = self.admin_experiment_results(exp_id, request)
        return exp_id, msg, arms

    @user_errors
    def admin_start_experiment(
        self,
        tier: str = "basic",
        model_a: str = "",
        model_b: str = "",
        split: float | None = 50,
        request: gr.Request | None = None,
    ) -> str:
        """Start an A/B test of a tier's Auto choice."""
        if split is None or int(split) != split:
            raise ValidationError("The split is a whole percentage, 0 to 100.")
        exp = self.admin.start_experiment(self.user(request), tier, model_a or "", model_b or "", int(split))
        gr.Info(html.escape(f"Started experiment #{exp.id} on the {exp.tier} tier."))
        return f"Experiment #{exp.id} running: {exp.tier} Auto → A {exp.model_a} / B {exp.model_b}."

    @user_errors
    def admin_experiment_results(
        self, experiment_id: float | None = None, request: gr.Request | None = None
    ) -> tuple[str, list[list[Any]]]:
        """Per-arm results of one experiment."""
        exp_id = parse_experiment_id(experiment_id)
        rows = self.admin.experiment_results(self.user(request), exp_id)
        table = [
            [
                r.arm,
                short(r.model_key),
                r.generations,
                f"{r.success_rate:.0%}",
                "" if r.mean_seconds is None else round(r.mean_seconds, 2),
                "" if r.rating is None else round(r.rating, 2),
                "" if r.cost_per_image is None else round(r.cost_per_image, 3),
            ]
            for r in rows
        ]
        return f"Experiment #{exp_id}: {len(table)} arm(s) with data.", table

    @user_errors
    def admin_stop_experiment(
        self, experiment_id: float | None = None, request: gr.Request | None = None
    ) -> str:
        """End an experiment now."""
        exp = self.admin.stop_experiment(self.user(request), parse_experiment_id(experiment_id))
        gr.Info(f"Stopped experiment #{exp.id}.")
        return f"Experiment #{exp.id} stopped."
