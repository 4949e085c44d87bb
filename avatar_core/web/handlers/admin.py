"""Admin tab handlers: users, credits, tiers, the ledger, usage and A/B tests."""

from __future__ import annotations

import html
from typing import Any

import gradio as gr

from avatar_core.domain.errors import ValidationError
from avatar_core.domain.selection import TIERS
from avatar_core.web.handlers.base import HandlerBase
from avatar_core.web.handlers.common import parse_day, parse_experiment_id, user_errors, whole


class AdminHandlers(HandlerBase):
    """Admin events; every one re-checks the role in AdminService."""

    @user_errors
    def admin_users(self, search: str = "", request: gr.Request | None = None) -> list[list[Any]]:
        """Users with tier, balance, spend and generation count."""
        rows = self.admin.users_overview(self.user(request), search or "")
        return [
            [u.username, u.tier, "yes" if u.is_admin else "", u.balance, u.spent, u.generations, u.created_at]
            for u in rows
        ]

    @user_errors
    def admin_users_view(
        self, search: str = "", request: gr.Request | None = None
    ) -> tuple[list[list[Any]], str]:
        """The users table and a line saying when the search matches nobody."""
        rows = self.admin_users(search, request)
        term = (search or "").strip()
        note = "" if rows else (f"No users match “{html.escape(term)}”." if term else "No users yet.")
        return rows, note

    @user_errors
    def admin_adjust_credits(
        self,
        username: str = "",
        amount: float = 0,
        reason: str = "",
        direction: str = "grant",
        request: gr.Request | None = None,
    ) -> str:
        """Grant or deduct credits with a reason (an admin_adjust ledger row)."""
        if not whole(amount) or int(amount) <= 0:  # checked before any rounding (precision=None)
            raise ValidationError("Enter a positive whole number of credits.")
        signed = int(amount) if direction == "grant" else -int(amount)
        balance = self.admin.adjust_credits(self.user(request), username, signed, reason or "")
        verb = "Granted" if signed > 0 else "Deducted"
        return f"{verb} {abs(signed)} credits for {username.strip().lower()}; balance now {balance}."

    def admin_grant_credits(
        self, username: str = "", amount: float = 0, reason: str = "", request: gr.Request | None = None
    ) -> str:
        """Grant credits (admin only)."""
        return self.admin_adjust_credits(username, amount, reason, "grant", request)

    def admin_deduct_credits(
        self, username: str = "", amount: float = 0, reason: str = "", request: gr.Request | None = None
    ) -> str:
        """Deduct credits (admin only)."""
        return self.admin_adjust_credits(username, amount, reason, "deduct", request)

    @user_errors
    def admin_set_tier(
        self, username: str = "", tier: str = "free", request: gr.Request | None = None
    ) -> str:
        """Move a user to another tier."""
        if tier not in TIERS:
            raise ValidationError(f"Unknown tier {tier!r}.")
        user = self.admin.set_tier(self.user(request), username, tier)
        return f"{user.username} is now on the {user.tier} tier."

    @user_errors
    def admin_ledger(self, username: str = "", request: gr.Request | None = None) -> list[list[Any]]:
        """One user's ledger history."""
        moves = self.admin.ledger(self.user(request), username)
        return [
            [m.created_at, m.type, m.amount, m.balance_after, m.generation_id or "", m.reason]
            for m in moves
            if m.amount != 0
        ]

    @user_errors
    def admin_ledger_view(
        self, username: str = "", request: gr.Request | None = None
    ) -> tuple[str, list[list[Any]]]:
        """The ledger's title (whose it is) and its rows without zero-amount moves."""
        rows = self.admin_ledger(username, request)
        name = html.escape((username or "").strip().lower())
        title = f"### Ledger of {name}" + ("" if rows else "\n\nNo credit movements yet.")
        return title, rows

    @user_errors
    def admin_usage(self, since: str = "", request: gr.Request | None = None) -> tuple[Any, Any, Any]:
        """Usage per day and model, a chart of it, and a CSV download."""
        import pandas as pd

        rows = self.admin.usage(self.user(request), parse_day(since))
        table = [r.cells(short_model=True, missing="") for r in rows]
        chart = pd.DataFrame(
            {
                "day": [r.day for r in rows],
                "generations": [r.generations for r in rows],
                "model": [r.model_key.split(":")[-1] for r in rows],
            }
        )
        # Our own admin-checked route, not a file in Gradio's cache (which any signed-in user can fetch).
        day = parse_day(since)
        link = "/admin/usage.csv" + (f"?since={day.isoformat()}" if day else "")
        return table, chart, gr.update(value=f'<a href="{link}" download>Download CSV</a>', visible=True)

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
                r.model_key.split(":")[-1],
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
        return f"Experiment #{exp.id} stopped."
