"""API token handlers: the caller's own personal access tokens (Gallery tab, "API tokens")."""

from __future__ import annotations

from typing import Any

import gradio as gr

from avatar_core.domain.errors import ValidationError
from avatar_core.web.handlers.base import HandlerBase
from avatar_core.web.handlers.common import user_errors


class TokenHandlers(HandlerBase):
    """Create, list and revoke the caller's tokens (never showing a secret twice)."""

    @user_errors
    def api_tokens(self, request: gr.Request | None = None) -> list[list[Any]]:
        """The caller's personal access tokens (never their secrets)."""
        user = self.user(request)
        return [
            [
                t.id,
                t.name or "-",
                t.prefix + "…",
                t.created_at.strftime("%Y-%m-%d %H:%M"),
                t.last_used_at.strftime("%Y-%m-%d %H:%M") if t.last_used_at else "never",
                "revoked" if t.revoked else "active",
            ]
            for t in self.app.tokens.of_user(user.id)
        ]

    @user_errors
    def create_token(self, name: str = "", request: gr.Request | None = None) -> tuple[str, list[list[Any]]]:
        """A new token for the caller, shown once."""
        user = self.user(request)
        view, secret = self.app.tokens.create(user.id, name or "")
        message = f"Token #{view.id} created. Copy it now, it is not shown again:\n\n`{secret}`"
        return message, self.api_tokens(request)

    @user_errors
    def revoke_token(
        self, token_id: float | None = None, request: gr.Request | None = None
    ) -> tuple[str, list[list[Any]]]:
        """Revoke one of the caller's tokens."""
        user = self.user(request)
        if token_id is None or int(token_id) != token_id:
            raise ValidationError("Give the id of the token to revoke.")
        self.app.tokens.revoke(int(token_id), owner_id=user.id)
        return f"Token #{int(token_id)} revoked.", self.api_tokens(request)
