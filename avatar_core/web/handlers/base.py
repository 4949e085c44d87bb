"""The state every handler group shares: the app, the admin service and the caller lookup."""

from __future__ import annotations

import gradio as gr

from avatar_core.bootstrap import App
from avatar_core.domain.errors import AuthError, AvatarError
from avatar_core.services.auth import UserInfo


class HandlerBase:
    """Every UI event's server side; `request.username` is the session cookie's user id."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.admin = app.admin

    def user(self, request: gr.Request | None) -> UserInfo:
        """The logged-in caller, fresh from the database (tier and balance may have changed)."""
        raw = getattr(request, "username", None) if request is not None else None
        try:
            return self.app.accounts.get(int(raw))  # type: ignore[arg-type]
        except (TypeError, ValueError, AvatarError):
            raise AuthError("Your session has expired. Please log in again.") from None
