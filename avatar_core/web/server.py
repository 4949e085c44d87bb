"""The ASGI app: plain routes + the Gradio Blocks mounted at `/` behind the session cookie."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable

import gradio as gr
from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse

from ..bootstrap import App
from ..config import secret_key
from ..thumbnails import render_preset_thumbnails
from .hf_oauth import attach_hf_oauth, oauth_available
from .pages import build_router
from .sessions import SessionCodec
from .ui import ASSETS, HEAD, build_blocks


def theme() -> gr.themes.Base:
    """One calm, consistent theme."""
    return gr.themes.Soft(primary_hue="indigo", secondary_hue="violet", neutral_hue="slate",
                          radius_size="lg")  # fmt: skip


def create_web_app(app: App) -> FastAPI:
    """Build the FastAPI app serving the product for `app`."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    codec = SessionCodec(secret_key(app.settings))
    api = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    api.include_router(build_router(app, codec))
    if oauth_available(app):
        attach_hf_oauth(api, app, codec)

    @api.middleware("http")
    async def login_redirect(request: Request,
                             call_next: Callable[[Request], Awaitable[Response]]) -> Response:  # fmt: skip
        """Anonymous visitors of the UI page go to the login form (the API still answers 401)."""
        if request.url.path == "/" and codec.user_id(request) is None:
            return RedirectResponse("/login", status_code=303)
        return await call_next(request)

    def auth_dependency(request: Request) -> str | None:
        """The session's user id for Gradio (None → 401)."""
        uid = codec.user_id(request)
        return None if uid is None else str(uid)

    try:  # shipped in assets/presets; re-rendered only if some are missing
        render_preset_thumbnails(app.catalog.presets(), ASSETS / "presets")
    except OSError:
        pass  # a read-only install: the preset picker then shows fewer thumbnails
    demo = build_blocks(app)
    demo.queue(api_open=False, default_concurrency_limit=app.settings.concurrency)
    css = (ASSETS / "style.css").read_text() if (ASSETS / "style.css").is_file() else ""
    return gr.mount_gradio_app(
        api, demo, path="/", auth_dependency=auth_dependency, theme=theme(), css=css, head=HEAD,
        allowed_paths=[str(ASSETS / "presets")], footer_links=[], run_history=False,
        show_error=True, ssr_mode=False,
    )  # fmt: skip
