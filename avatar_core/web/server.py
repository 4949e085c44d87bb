"""The ASGI app: plain routes + the Gradio Blocks mounted at `/` behind the session cookie."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import gradio as gr
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import RedirectResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.routing import Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from avatar_core.bootstrap import App
from avatar_core.config import secret_key
from avatar_core.web.api import build_api
from avatar_core.web.gradio_gate import GradioGate
from avatar_core.web.hf_oauth import attach_hf_oauth, oauth_available
from avatar_core.web.pages import build_router
from avatar_core.web.security import Policy, SecurityMiddleware
from avatar_core.web.sessions import SessionCodec
from avatar_core.web.ui import ASSETS, HEAD, build_blocks
from avatar_core.web.uploads import Uploads

log = logging.getLogger("avatar_core.web")


def theme() -> gr.themes.Base:
    """One calm, consistent theme."""
    return gr.themes.Soft(
        primary_hue="indigo", secondary_hue="violet", neutral_hue="slate", radius_size="lg"
    ).set(
        button_primary_background_fill="*primary_600",
        button_primary_background_fill_hover="*primary_700",
        button_primary_text_color="white",
    )


class LoginRedirect:
    """Anonymous visitors of the UI page go to the login form (the API still answers 401).

    Plain ASGI rather than `@app.middleware("http")`: that one wraps every request, Gradio's event
    streams included, and cost ~5 ms per generation (bench/bench_overhead.py).
    """

    def __init__(self, app: ASGIApp, codec: SessionCodec) -> None:
        self.app, self.codec = app, codec

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/":
            request = Request(scope)
            if request.url.path == "/" and self.codec.user_id(request) is None:
                await RedirectResponse("/login", status_code=303)(scope, receive, send)
                return
        await self.app(scope, receive, send)


RELAY_HEADERS = ("x-forwarded-for", "x-real-ip", "forwarded", "x-forwarded-host", "x-forwarded-proto", "via")


def metrics_route(app: App) -> Callable[[Request], Response]:
    """GET /metrics: Prometheus text for a bearer of AVATAR_METRICS_TOKEN, or a direct loopback call.

    A request relayed by a proxy is never "loopback", even from 127.0.0.1: any forwarding header
    (X-Forwarded-For, X-Real-IP, Forwarded, ...) says so. A proxy that adds none must not share a
    host with the app unless AVATAR_METRICS_TOKEN is set (docs/security.md).
    """
    token = app.settings.metrics_token

    def metrics(request: Request) -> Response:
        given = request.headers.get("authorization", "")
        by_token = bool(token) and hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
        host = request.client.host if request.client else ""
        relayed = any(h in request.headers for h in RELAY_HEADERS)
        direct = host in ("127.0.0.1", "::1") and not relayed
        if not (by_token or direct):
            return Response("Not found", status_code=404)
        return Response(app.metrics.render(), media_type=CONTENT_TYPE_LATEST)

    return metrics


def create_web_app(app: App, *, gradio_defaults: bool = False) -> FastAPI:
    """Build the FastAPI app serving the product for `app`.

    `gradio_defaults=True` keeps Gradio's default queue concurrency (1 per event): benchmarks only.
    """
    settings = app.settings
    codec = SessionCodec(
        secret_key(settings),
        app.accounts.session_epoch,
        cross_site=settings.on_spaces,
        trust_proxy=settings.trust_proxy,
    )
    api = _plain_app(app, codec)

    def auth_dependency(request: Request) -> str | None:
        """The session's user id for Gradio (None → 401)."""
        uid = codec.user_id(request)
        return None if uid is None else str(uid)

    web = _mount_ui(api, app, auth_dependency, gradio_defaults)
    uploads = Uploads(settings.upload_mb_per_hour * 1024 * 1024)
    _gate(web, lambda gradio: GradioGate(gradio, user_id=codec.user_id, uploads=uploads, public_dir=PUBLIC))
    return web


PUBLIC = ASSETS / "presets"  # the only files of ours Gradio serves (/gradio_api/file=): preset thumbnails


def _gate(web: FastAPI, wrap: Callable[[ASGIApp], ASGIApp]) -> None:
    """Put `wrap` around the mounted Gradio app (every request that reaches Gradio passes it)."""
    mounts = [r for r in web.router.routes if isinstance(r, Mount) and r.path == ""]
    if len(mounts) != 1:
        raise RuntimeError("the Gradio app is not mounted at / (cannot guard it)")
    mounts[0].app = wrap(mounts[0].app)


def _drain_on_shutdown(app: App) -> Any:
    """uvicorn's shutdown (SIGTERM: a deploy, a Spaces restart) lets this process's worker finish
    the jobs it runs first, up to a minute; uvicorn re-raises the signal afterwards, so nothing
    after `uvicorn.run` would get the chance. What still runs then is taken over after its lease."""

    @contextlib.asynccontextmanager
    async def lifespan(_api: FastAPI) -> AsyncIterator[None]:
        yield
        worker = app.generations.worker
        if worker is not None:
            await asyncio.to_thread(worker.stop, True, 60.0)

    return lifespan


def _plain_app(app: App, codec: SessionCodec) -> FastAPI:
    """The FastAPI app without the UI: pages, /metrics, the REST API, OAuth and the middlewares."""
    settings = app.settings
    api = FastAPI(docs_url=None, redoc_url=None, openapi_url=None, lifespan=_drain_on_shutdown(app))
    api.include_router(build_router(app, codec))
    api.add_api_route("/metrics", metrics_route(app), methods=["GET"], include_in_schema=False)
    # The REST API: Bearer tokens only (never the cookie), docs at /api/docs.
    api.mount("/api", build_api(app))
    if oauth_available(app):
        attach_hf_oauth(api, app, codec)

    api.add_middleware(LoginRedirect, codec=codec)
    # Starlette's own CORS middleware with an explicit allow-list: its presence on the parent app
    # also makes Gradio's reflect-any-Origin middleware stand down (gradio.route_utils).
    policy = Policy.of(settings)
    api.add_middleware(
        CORSMiddleware,
        allow_origins=list(policy.allowed_origins),
        allow_credentials=True,
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type"],
    )
    api.add_middleware(SecurityMiddleware, policy=policy)  # outermost: headers on every answer
    return api


# Gradio's queue polls: `start_processing` sleeps 1 ms whenever nothing waits to start, and
# `start_progress_updates` 10 ms while events run (gradio/queueing.py, `Queue.__init__`; 50 ms and
# 100 ms on Windows). An idle app process spent ~47 ms of CPU per second on that, and every second a
# generation waits on its provider paid it too. 10 ms before a new event starts and 100 ms between
# progress messages (our ticker sends one a second) are invisible next to a generation.
QUEUE_START_POLL_S = 0.01
QUEUE_PROGRESS_POLL_S = 0.1


def calm_queue_loops(demo: gr.Blocks) -> None:
    """Slow down the two polling loops of the Blocks' queue (see QUEUE_START_POLL_S)."""
    queue = demo._queue
    for name, seconds in (
        ("sleep_when_free", QUEUE_START_POLL_S),
        ("progress_update_sleep_when_free", QUEUE_PROGRESS_POLL_S),
    ):
        if isinstance(getattr(queue, name, None), float):
            setattr(queue, name, seconds)
        else:  # another Gradio: it still works, only busier (tests pin these for ours)
            log.warning("web.queue_poll_not_set gradio.queueing.Queue has no float %s", name)


def _mount_ui(
    api: FastAPI, app: App, auth_dependency: Callable[[Request], str | None], gradio_defaults: bool
) -> FastAPI:
    """The Gradio Blocks, queued, mounted at `/` behind the session cookie."""
    settings = app.settings
    demo = build_blocks(app, gradio_defaults=gradio_defaults)
    if gradio_defaults:
        demo.queue(api_open=False, max_size=settings.queue_max_size)
    else:
        demo.queue(
            api_open=False, default_concurrency_limit=settings.concurrency, max_size=settings.queue_max_size
        )
        calm_queue_loops(demo)
    css = (ASSETS / "style.css").read_text() if (ASSETS / "style.css").is_file() else ""
    web = gr.mount_gradio_app(
        api,
        demo,
        path="/",
        auth_dependency=auth_dependency,
        theme=theme(),
        css=css,
        head=HEAD,
        allowed_paths=[str(PUBLIC)],
        footer_links=[],
        run_history=False,
        show_error=False,  # only our gr.Error messages reach users; Gradio's own name server paths
        ssr_mode=False,
        max_file_size=f"{settings.max_upload_mb}mb",
        mcp_server=False,
    )
    # Gradio's guard on event files (`processing_utils._check_allowed`) only runs once the Blocks
    # "has launched", which `launch()` sets and `mount_gradio_app` never does: set it ourselves.
    demo.has_launched = True
    return web
