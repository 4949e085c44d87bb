"""'Sign in with Hugging Face' on Spaces: HF's OAuth (through Gradio's routes) → a local account.

Only attached when SYSTEM=spaces and the Space has `hf_oauth: true` (OAUTH_CLIENT_ID is set);
elsewhere nothing is added and the button is not shown.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from avatar_core.bootstrap import App
from avatar_core.domain.errors import AvatarError
from avatar_core.web.sessions import SessionCodec, set_session

log = logging.getLogger("avatar_core.web")
COMPLETE = "/login/hf-complete"


def oauth_available(app: App) -> bool:
    """True on a Space with OAuth enabled."""
    return app.settings.hf_oauth


def attach_hf_oauth(api: FastAPI, app: App, codec: SessionCodec) -> None:
    """Add /login/huggingface (Gradio's) and the route that turns its result into our session."""
    from gradio.oauth import attach_oauth

    attach_oauth(api)

    @api.get(COMPLETE, include_in_schema=False)
    def hf_complete(request: Request) -> Response:
        info = request.session.get("oauth_info") or {}
        hf_name = (info.get("userinfo") or {}).get("preferred_username")
        if not hf_name:
            return RedirectResponse("/login", status_code=303)
        try:
            user = app.accounts.hf_user(str(hf_name), create=app.settings.signup_mode == "open")
        except AvatarError:
            log.exception("hf login mapping failed")
            return RedirectResponse("/login", status_code=303)
        response = RedirectResponse("/", status_code=303)
        set_session(response, request, codec, user.id)
        return response
