"""Admin tab handlers for the Users and Credits sections: users, credits, tiers, the ledger.

The Usage and Experiments sections' handlers are in `admin_reports.py` (inherited here)."""

from __future__ import annotations

import html
from typing import Any

import gradio as gr

from avatar_core.domain.errors import ValidationError
from avatar_core.domain.selection import TIERS
from avatar_core.web.handlers.admin_reports import ReportHandlers
from avatar_core.web.handlers.common import user_errors, whole
from avatar_core.web.text import md_text

PICK_HINT = "Click a user in the table to fill this form."
CREDITS_HINT = "Pick a user in **Users** (click their row) or type a username above."


class AdminHandlers(ReportHandlers):
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
    def admin_pick_user(
        self, evt: gr.SelectData, request: gr.Request | None = None
    ) -> tuple[str, str, str, str]:
        """A clicked row of the users table: the user's name and tier in the Users form, their
        name in the Credits form, and a line about them (read fresh, not from the clicked row)."""
        row = evt.row_value or []
        user = self.admin.user(self.user(request), str(row[0]) if row else "")
        role = " (an admin)" if user.is_admin else ""
        card = f"Editing **{md_text(user.username)}**{role}: their credits and ledger are in **Credits**."
        return user.username, user.tier, user.username, card

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
        done = f"{verb} {abs(signed)} credits for {username.strip().lower()}; balance now {balance}."
        gr.Info(html.escape(done))
        return done

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
        done = f"{user.username} is now on the {user.tier} tier."
        gr.Info(html.escape(done))
        return done

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
    def admin_credits_view(
        self, username: str = "", request: gr.Request | None = None
    ) -> tuple[str, list[list[Any]]]:
        """Opening the Credits section: the chosen user's ledger, or how to choose one."""
        self.admin.require(self.user(request))
        if not (username or "").strip():
            return CREDITS_HINT, []
        return self.admin_ledger_view(username, request)
