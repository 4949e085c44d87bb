"""Admin tab, Invites section: create, list and revoke sign-up invite codes (admins only)."""

from __future__ import annotations

from typing import Any

import gradio as gr

from avatar_core.domain.errors import ValidationError
from avatar_core.services.auth import UserInfo
from avatar_core.web.handlers import Handlers, user_errors, whole

HEADERS = ["id", "code", "used", "credits", "state", "created"]


class InviteHandlers:
    """The invite events; each re-checks that the caller is an admin."""

    def __init__(self, handlers: Handlers) -> None:
        self.h = handlers

    def _rows(self, actor: UserInfo) -> list[list[Any]]:
        return [
            [
                i.id,
                f"{i.hint}…",
                f"{i.uses}/{i.max_uses}",
                i.credits,
                "revoked" if i.revoked else "active",
                i.created_at,
            ]
            for i in self.h.admin.invites_list(actor)
        ]

    @user_errors
    def listing(self, request: gr.Request | None = None) -> list[list[Any]]:
        """Every invite, newest first."""
        return self._rows(self.h.user(request))

    @user_errors
    def create(
        self, uses: float = 1, extra_credits: float = 0, request: gr.Request | None = None
    ) -> tuple[str, list[list[Any]]]:
        """A new invite code, shown once."""
        admin = self.h.admin.require(self.h.user(request))
        if not whole(uses) or not whole(extra_credits):
            raise ValidationError("Uses and credits are whole numbers.")
        invite = self.h.admin.create_invite(admin, int(uses), int(extra_credits))
        msg = (
            f"Invite #{invite.id}: `{invite.code}` ({invite.max_uses} use(s), "
            f"{invite.credits} extra credits). Copy it now: it is not shown again."
        )
        return msg, self._rows(admin)

    @user_errors
    def revoke(
        self, invite_id: float | None = None, request: gr.Request | None = None
    ) -> tuple[str, list[list[Any]]]:
        """Stop an invite from working."""
        admin = self.h.admin.require(self.h.user(request))
        if not whole(invite_id):
            raise ValidationError("Enter the invite's id (a whole number).")
        invite = self.h.admin.revoke_invite(admin, int(invite_id))  # type: ignore[arg-type]
        return f"Invite #{invite.id} revoked.", self._rows(admin)
