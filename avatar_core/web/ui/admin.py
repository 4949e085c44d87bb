"""The Admin tab (admins only, re-checked by every handler): a console of six sections.

Users, Credits, Models, Usage, Experiments and Invites are tabs inside the tab; a section's data
is read when it is opened (opening the Admin tab reads only the Users section's), never all at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from avatar_core.bootstrap import App
from avatar_core.domain.selection import TIERS
from avatar_core.web.handlers import Handlers
from avatar_core.web.handlers.admin import PICK_HINT
from avatar_core.web.invite_handlers import InviteHandlers
from avatar_core.web.ui.admin_credits import build_credits
from avatar_core.web.ui.admin_models import build_admin_models
from avatar_core.web.ui.admin_reports import build_experiments, build_invites, build_usage
from avatar_core.web.ui.common import HIDDEN

USER_HEADERS = ["username", "tier", "admin", "balance", "spent", "generations", "created"]
SECTIONS = ("Users", "Credits", "Models", "Usage", "Experiments", "Invites")


@dataclass(frozen=True)
class UsersView:
    """The Users section's components."""

    search: Any
    refresh: Any
    note: Any
    table: Any
    username: Any
    tier: Any
    set_tier: Any
    card: Any
    msg: Any


def _users() -> UsersView:
    """Search, the users table and the form of the user clicked in it (name, tier)."""
    with gr.Row(elem_classes="align-end"):
        search = gr.Textbox(label="Search users (name or tier)", scale=4, min_width=200)
        refresh = gr.Button("Refresh", scale=0, min_width=120)
    note = gr.Markdown(elem_id="admin-users-note")
    table = gr.Dataframe(
        headers=USER_HEADERS,
        interactive=False,
        elem_id="admin-users",
        elem_classes="admin-table",
        label="Users (click a row to edit the user)",
        max_height=420,
    )
    card = gr.Markdown(PICK_HINT, elem_id="admin-user-card")
    with gr.Row(elem_classes="align-end", elem_id="admin-user-form"):
        username = gr.Textbox(label="User", scale=2, min_width=160, elem_id="admin-user")
        tier = gr.Dropdown(
            list(TIERS), value="free", label="New tier", interactive=True, min_width=140, elem_id="admin-tier"
        )
        set_tier = gr.Button("Set tier", scale=0, min_width=120)
    msg = gr.Markdown(elem_id="admin-user-msg")
    return UsersView(search, refresh, note, table, username, tier, set_tier, card, msg)


def _wire_users(h: Handlers, u: UsersView, credit_target: Any, admin_tab: Any, section: Any) -> None:
    """Opening the tab or the section lists users; search, refresh, a clicked row, Set tier."""
    io: dict[str, Any] = dict(inputs=[u.search], outputs=[u.table, u.note])
    section.select(h.admin_users_view, api_name="admin_users", queue=False, **HIDDEN, **io)
    u.search.submit(h.admin_users_view, api_name="admin_search", **HIDDEN, **io)
    u.refresh.click(h.admin_users_view, api_name="admin_refresh", **HIDDEN, **io)
    u.table.select(
        h.admin_pick_user, None, [u.username, u.tier, credit_target, u.card], api_name="admin_pick_user"
    )
    u.set_tier.click(lambda: "", None, u.msg, api_name="clear_tier", queue=False, **HIDDEN).then(
        h.admin_set_tier, [u.username, u.tier], u.msg, api_name="admin_set_tier"
    ).success(h.admin_users_view, api_name="admin_users_after_tier", **HIDDEN, **io)


def build_admin(app: App, h: Handlers, admin_tab: Any) -> None:
    """The six sections and their events; each section reads its data when it is opened."""
    ih = InviteHandlers(h)
    with gr.Tabs(elem_id="admin-sections", overflow_behavior="wrap"):
        with gr.Tab("Users", id="admin-users-tab", elem_id="admin-section-users") as users_tab:
            users = _users()
        with gr.Tab("Credits", id="admin-credits-tab", elem_id="admin-section-credits") as credits_tab:
            target = build_credits(h, credits_tab)
        with gr.Tab("Models", id="admin-models-tab", elem_id="admin-section-models") as models_tab:
            build_admin_models(app, h, models_tab)
        with gr.Tab("Usage", id="admin-usage-tab", elem_id="admin-section-usage") as usage_tab:
            build_usage(h, usage_tab)
        with gr.Tab("Experiments", id="admin-exp-tab", elem_id="admin-section-experiments") as exp_tab:
            build_experiments(app, h, exp_tab)
        with gr.Tab("Invites", id="admin-invites-tab", elem_id="admin-section-invites") as invites_tab:
            build_invites(ih, invites_tab)
    _wire_users(h, users, target, admin_tab, users_tab)
