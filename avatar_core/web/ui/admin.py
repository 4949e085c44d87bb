"""The Admin tab (admins only, re-checked by every handler): users, credits, tiers, the ledger."""

from __future__ import annotations

from typing import Any

import gradio as gr

from avatar_core.bootstrap import App
from avatar_core.domain.selection import TIERS
from avatar_core.web.handlers import Handlers
from avatar_core.web.invite_handlers import InviteHandlers
from avatar_core.web.ui.admin_models import build_admin_models
from avatar_core.web.ui.admin_reports import build_experiments, build_invites, build_stats, build_usage
from avatar_core.web.ui.common import HIDDEN

USER_HEADERS = ["username", "tier", "admin", "balance", "spent", "generations", "created"]
LEDGER_HEADERS = ["time", "type", "amount", "balance", "generation", "reason"]


def _users() -> tuple[Any, Any, Any, Any]:
    """The search box, Refresh, the no-match note and the users table."""
    gr.Markdown("## Users")
    with gr.Row(elem_classes="align-end"):
        search = gr.Textbox(label="Search users (name or tier)", scale=4)
        refresh = gr.Button("Refresh", scale=0, min_width=120)
    note = gr.Markdown(elem_id="admin-users-note")
    users = gr.Dataframe(
        headers=USER_HEADERS, interactive=False, elem_id="admin-users", label="Users", show_label=False
    )
    return search, refresh, note, users


def _credits() -> dict[str, Any]:
    """Username, amount and reason; grant, deduct, ledger and tier; the status line and the ledger."""
    gr.Markdown("## Credits and tier")
    with gr.Row(elem_classes="align-end"):
        target = gr.Textbox(label="Username", scale=2, elem_id="admin-target")
        amount = gr.Number(label="Credits", value=10, precision=None, scale=1, elem_id="admin-amount")
        reason = gr.Textbox(label="Reason", scale=3, elem_id="admin-reason")
    with gr.Row(elem_classes="align-end"):
        grant = gr.Button("Grant credits", variant="primary")
        deduct = gr.Button("Deduct credits")
        ledger_btn = gr.Button("Show ledger")
        tier = gr.Dropdown(
            list(TIERS), value="free", label="New tier", interactive=True, min_width=140, elem_id="admin-tier"
        )
        tier_btn = gr.Button("Set tier")
    msg = gr.Markdown(elem_id="admin-msg")
    title = gr.Markdown(elem_id="ledger-title")
    ledger = gr.Dataframe(
        headers=LEDGER_HEADERS, interactive=False, label="Ledger", show_label=False, elem_id="admin-ledger"
    )
    return dict(
        target=target,
        amount=amount,
        reason=reason,
        grant=grant,
        deduct=deduct,
        ledger_btn=ledger_btn,
        tier=tier,
        tier_btn=tier_btn,
        msg=msg,
        title=title,
        ledger=ledger,
    )


def _wire_credits(h: Handlers, c: dict[str, Any], users_io: dict[str, Any]) -> None:
    """Grant, deduct, set tier (each refreshing the users table) and show the ledger."""

    def cleared(button: Any, name: str) -> Any:
        """The click first empties the status line, so no stale message sits beside an error."""
        return button.click(lambda: "", None, c["msg"], api_name=f"clear_{name}", queue=False, **HIDDEN)

    credit_in = [c["target"], c["amount"], c["reason"]]
    cleared(c["grant"], "grant").then(
        h.admin_grant_credits, credit_in, c["msg"], api_name="admin_grant_credits"
    ).then(h.admin_users_view, api_name="admin_users_after_grant", **HIDDEN, **users_io)
    cleared(c["deduct"], "deduct").then(
        h.admin_deduct_credits, credit_in, c["msg"], api_name="admin_deduct_credits"
    ).then(h.admin_users_view, api_name="admin_users_after_deduct", **HIDDEN, **users_io)
    cleared(c["tier_btn"], "tier").then(
        h.admin_set_tier, [c["target"], c["tier"]], c["msg"], api_name="admin_set_tier"
    ).then(h.admin_users_view, api_name="admin_users_after_tier", **HIDDEN, **users_io)
    cleared(c["ledger_btn"], "ledger").then(
        h.admin_ledger_view, [c["target"]], [c["title"], c["ledger"]], api_name="admin_ledger"
    )


def build_admin(app: App, h: Handlers, admin_tab: Any) -> None:
    """The tab's sections and events; opening the tab lists users, models, stats and invites."""
    ih = InviteHandlers(h)
    search, refresh, note, users = _users()
    credits = _credits()
    model_table = build_admin_models(app, h)
    invites = build_invites(ih)
    stats, chart = build_stats()
    build_usage(h)
    build_experiments(app, h)
    users_io: dict[str, Any] = dict(inputs=[search], outputs=[users, note])
    admin_tab.select(h.admin_users_view, api_name="admin_users", **users_io).then(
        h.admin_models, None, model_table, api_name="admin_models"
    ).then(h.admin_stats, None, [stats, chart], api_name="admin_stats").then(
        ih.listing, None, invites, api_name="admin_invites"
    )
    search.submit(h.admin_users_view, api_name="admin_search", **HIDDEN, **users_io)
    refresh.click(h.admin_users_view, api_name="admin_refresh", **HIDDEN, **users_io).then(
        h.admin_stats, None, [stats, chart], api_name="admin_stats_refresh", **HIDDEN
    )
    _wire_credits(h, credits, users_io)
