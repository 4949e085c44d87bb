"""Admin tab, Credits section: grant or deduct credits with a reason, and a user's ledger."""

from __future__ import annotations

from typing import Any

import gradio as gr

from avatar_core.web.handlers import Handlers
from avatar_core.web.ui.common import HIDDEN

LEDGER_HEADERS = ["time", "type", "amount", "balance", "generation", "reason"]


def build_credits(h: Handlers, section: Any) -> Any:
    """The section and its events; returns its Username box (a clicked user row fills it)."""
    with gr.Row(elem_classes="align-end"):
        target = gr.Textbox(label="Username", scale=2, min_width=160, elem_id="admin-target")
        amount = gr.Number(
            label="Credits", value=10, precision=None, scale=1, min_width=100, elem_id="admin-amount"
        )
        reason = gr.Textbox(label="Reason", scale=3, min_width=160, elem_id="admin-reason")
    with gr.Row(elem_classes="align-end"):
        grant = gr.Button("Grant credits", variant="primary", min_width=140)
        deduct = gr.Button("Deduct credits", min_width=140)
        ledger_btn = gr.Button("Show ledger", min_width=140)
    msg = gr.Markdown(elem_id="admin-msg")
    title = gr.Markdown(elem_id="ledger-title")
    ledger = gr.Dataframe(
        headers=LEDGER_HEADERS,
        interactive=False,
        label="Ledger",
        show_label=False,
        elem_id="admin-ledger",
        elem_classes="admin-table",
        max_height=420,
    )

    def cleared(button: Any, name: str) -> Any:
        """The click first empties the status line, so no stale message sits beside an error."""
        return button.click(lambda: "", None, msg, api_name=f"clear_{name}", queue=False, **HIDDEN)

    credit_in = [target, amount, reason]
    shown: dict[str, Any] = dict(inputs=[target], outputs=[title, ledger])
    section.select(h.admin_credits_view, api_name="admin_credits", queue=False, **HIDDEN, **shown)
    cleared(grant, "grant").then(
        h.admin_grant_credits, credit_in, msg, api_name="admin_grant_credits"
    ).success(h.admin_ledger_view, api_name="admin_ledger_after_grant", **HIDDEN, **shown)
    cleared(deduct, "deduct").then(
        h.admin_deduct_credits, credit_in, msg, api_name="admin_deduct_credits"
    ).success(h.admin_ledger_view, api_name="admin_ledger_after_deduct", **HIDDEN, **shown)
    cleared(ledger_btn, "ledger").then(h.admin_ledger_view, api_name="admin_ledger", **shown)
    return target
