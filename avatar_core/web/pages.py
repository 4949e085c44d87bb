"""Plain HTML routes: sign-up, login, logout, and owner-checked image downloads."""

from __future__ import annotations

import html
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.background import BackgroundTask

from avatar_core.bootstrap import App
from avatar_core.domain.errors import AvatarError, NotFound, RateLimited, ValidationError
from avatar_core.services.gallery_bulk import file_name
from avatar_core.services.usage import as_csv
from avatar_core.web.hf_oauth import oauth_available
from avatar_core.web.sessions import SessionCodec, clear_session, set_session

LOGO_SVG = (
    '<svg viewBox="0 0 32 32" width="{size}" height="{size}" aria-hidden="true"><defs>'
    '<linearGradient id="logo-g" x1="0" y1="0" x2="1" y2="1">'
    '<stop offset="0" stop-color="#6366f1"/><stop offset="1" stop-color="#a855f7"/>'
    "</linearGradient></defs>"
    '<rect width="32" height="32" rx="9" fill="url(#logo-g)"/><circle cx="16" cy="12.5" r="5.2" '
    'fill="#fff"/><path d="M6.5 27c1.2-5.4 5-8.2 9.5-8.2s8.3 2.8 9.5 8.2" fill="#fff"/></svg>'
)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Avatar Creator</title>
<style>
 *{{box-sizing:border-box}} body{{margin:0;min-height:100vh;display:grid;place-items:center;
 font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2937;
 background:linear-gradient(135deg,#eef2ff 0%,#f5f3ff 50%,#fdf2f8 100%)}}
 main{{width:min(420px,92vw);background:#fff;border-radius:16px;padding:32px 28px;
 box-shadow:0 10px 40px rgba(79,70,229,.12)}}
 h1{{margin:0 0 4px;font-size:1.5rem}} p.sub{{margin:0 0 20px;color:#6b7280}}
 label{{display:block;font-weight:600;font-size:.9rem;margin:14px 0 6px}}
 input{{width:100%;padding:11px 12px;border:1px solid #d1d5db;border-radius:10px;font-size:1rem}}
 input:focus{{outline:2px solid #6366f1;border-color:#6366f1}}
 button,.btn{{display:block;width:100%;margin-top:22px;padding:12px;border:0;border-radius:10px;
 background:#4f46e5;color:#fff;font-size:1rem;font-weight:600;cursor:pointer;text-align:center;
 text-decoration:none}} button:hover{{background:#4338ca}}
 .hf{{background:#ffd21e;color:#111}}
 .error{{background:#fef2f2;color:#991b1b;border:1px solid #fecaca;padding:10px 12px;
 border-radius:10px;margin-bottom:8px}} .alt{{margin-top:18px;text-align:center;color:#6b7280}}
 a{{color:#4f46e5}} .logo{{margin-bottom:10px}} small{{color:#6b7280}}
</style></head>
<body><main><div class="logo">{logo}</div>{body}</main></body></html>"""


def page(title: str, body: str, status: int = 200) -> HTMLResponse:
    """A small standalone page."""
    return HTMLResponse(
        PAGE.format(title=html.escape(title), body=body, logo=LOGO_SVG.format(size=44)), status_code=status
    )


def _form(
    kind: str,
    error: str = "",
    username: str = "",
    hf_login: bool = False,
    signup_mode: str = "open",
    status: int | None = None,
) -> HTMLResponse:
    signup = kind == "signup"
    if signup and signup_mode == "closed":
        body = (
            '<h1>Sign-up is closed</h1><p class="sub">This server does not take new accounts '
            'right now.</p><p class="alt"><a href="/login">Log in</a></p>'
        )
        return page("Sign up", body, status or 403)
    err = f'<div class="error" role="alert">{html.escape(error)}</div>' if error else ""
    confirm = (
        '<label for="confirm">Repeat password</label>'
        '<input id="confirm" name="confirm" type="password" autocomplete="new-password" required>'
        if signup
        else ""
    )
    if signup and signup_mode == "invite":
        confirm += (
            '<label for="invite">Invite code</label><input id="invite" name="invite" '
            'maxlength="64" required autocomplete="off">'
        )
    hint = "<small>3–32 letters, digits, . _ -; password at least 8 characters.</small>" if signup else ""
    alt = (
        'Already have an account? <a href="/login">Log in</a>'
        if signup
        else 'New here? <a href="/signup">Create an account</a>'
    )
    if not signup and signup_mode == "closed":
        alt = ""
    hf_url = "/login/huggingface?_target_url=/login/hf-complete"
    hf = f'<a class="btn hf" href="{hf_url}">Sign in with Hugging Face</a>' if hf_login and not signup else ""
    body = f"""<h1>{"Create your account" if signup else "Welcome back"}</h1>
<p class="sub">{"Free tier with welcome credits." if signup else "Log in to create avatars."}</p>
{err}<form method="post" action="/{kind}">
<label for="username">Username</label>
<input id="username" name="username" value="{html.escape(username)}" autocomplete="username"
 maxlength="64" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" maxlength="256" required
 autocomplete="{"new-password" if signup else "current-password"}">
{confirm}{hint}
<button type="submit">{"Sign up" if signup else "Log in"}</button></form>{hf}
<p class="alt">{alt}</p>"""
    return page("Sign up" if signup else "Log in", body, status or (400 if error else 200))


LOGOUT_BODY = """<h1>Log out?</h1><p class="sub">You are signed in as <b>{name}</b>. Logging out ends
your sessions on every device and revokes your API tokens.</p>
<form method="post" action="/logout"><button type="submit">Log out</button></form>
<p class="alt"><a href="/">Back to the app</a></p>"""


def _id_in_range(value: int) -> bool:
    """Ids are positive 31-bit integers (bigger ones overflow the database: a 404, not a 500)."""
    return 0 < value < 2**31


def client_address(request: Request, trust_proxy: bool = False) -> str:
    """The caller's address: the socket peer, or behind a trusted proxy the hop it appended.

    Only the last X-Forwarded-For entry is the proxy's own; earlier ones are the client's say.
    """
    peer = request.client.host if request.client else ""
    if not trust_proxy:
        return peer
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    return hops[-1] if hops else peer


def build_router(app: App, codec: SessionCodec) -> APIRouter:
    """The plain routes, bound to one app."""
    router = APIRouter()
    _login_routes(router, app, codec)
    _signup_routes(router, app, codec)
    _logout_routes(router, app, codec)
    _file_routes(router, app, codec)
    _zip_route(router, app, codec)
    return router


def _login_routes(router: APIRouter, app: App, codec: SessionCodec) -> None:
    """GET and POST /login."""
    hf_login = oauth_available(app)
    mode = app.settings.signup_mode

    @router.get("/login", include_in_schema=False)
    def login_form(request: Request) -> Response:
        if codec.user_id(request) is not None:
            return RedirectResponse("/", status_code=303)
        return _form("login", hf_login=hf_login, signup_mode=mode)

    @router.post("/login", include_in_schema=False)
    def login(
        request: Request, username: Annotated[str, Form()] = "", password: Annotated[str, Form()] = ""
    ) -> Response:
        try:
            address = client_address(request, app.settings.trust_proxy)
            user = app.accounts.authenticate(username, password, address)
        except AvatarError as err:
            return _form("login", str(err), username[:64], hf_login=hf_login, signup_mode=mode)
        response = RedirectResponse("/", status_code=303)
        set_session(response, request, codec, user.id)
        return response


def _signup_routes(router: APIRouter, app: App, codec: SessionCodec) -> None:
    """GET and POST /signup (open, by invite, or closed)."""
    mode = app.settings.signup_mode

    @router.get("/signup", include_in_schema=False)
    def signup_form() -> Response:
        return _form("signup", signup_mode=mode, status=200)

    @router.post("/signup", include_in_schema=False)
    def signup(
        request: Request,
        username: Annotated[str, Form()] = "",
        password: Annotated[str, Form()] = "",
        confirm: Annotated[str | None, Form()] = None,
        invite: Annotated[str, Form()] = "",
    ) -> Response:
        if mode == "closed":
            return _form("signup", signup_mode=mode)
        if confirm is not None and confirm != password:
            return _form("signup", "The two passwords differ.", username[:64], signup_mode=mode)
        try:
            address = client_address(request, app.settings.trust_proxy)
            user = app.signups.register(username, password, address, invite)
        except RateLimited as err:
            return _form("signup", str(err), username[:64], signup_mode=mode, status=429)
        except AvatarError as err:
            return _form("signup", str(err), username[:64], signup_mode=mode)
        response = RedirectResponse("/", status_code=303)
        set_session(response, request, codec, user.id)
        return response


def _logout_routes(router: APIRouter, app: App, codec: SessionCodec) -> None:
    """GET /logout (a confirmation button) and POST /logout (ends every session of the user)."""

    @router.get("/logout", include_in_schema=False)
    def logout_form(request: Request) -> Response:
        """A button, not an action: a link or an <img> elsewhere must not log anyone out."""
        user_id = codec.user_id(request)
        if user_id is None:
            return RedirectResponse("/login", status_code=303)
        try:
            name = app.accounts.get(user_id).username
        except AvatarError:
            return RedirectResponse("/login", status_code=303)
        return page("Log out", LOGOUT_BODY.format(name=html.escape(name)))

    @router.post("/logout", include_in_schema=False)
    def logout(request: Request) -> Response:
        user_id = codec.user_id(request)
        if user_id is not None:  # revokes this and every other cookie of the user
            app.accounts.end_sessions(user_id)
        response = RedirectResponse("/login", status_code=303)
        clear_session(response, request, codec)
        return response


def _file_routes(router: APIRouter, app: App, codec: SessionCodec) -> None:
    """Owner-checked avatar images and downloads, and the health check."""

    @router.get("/avatars/{avatar_id}/{kind}", include_in_schema=False)
    def avatar_file(avatar_id: int, kind: str, request: Request) -> Response:
        user_id = codec.user_id(request)
        if user_id is None:
            return Response("Log in first.", status_code=401)
        if kind not in ("image.png", "thumb.webp", "download.png") or not _id_in_range(avatar_id):
            return Response("Not found.", status_code=404)
        headers = {"Cache-Control": "private, max-age=86400"}
        try:  # read whole from the store (local file or one S3 GET): a 404 before any byte is sent
            data = app.gallery.image(user_id, avatar_id, thumb=kind == "thumb.webp")
            if kind == "download.png":  # named after the avatar (a safe ASCII slug)
                name = file_name(app.gallery.get(user_id, avatar_id))
                headers["Content-Disposition"] = f'attachment; filename="{name}"'
        except NotFound:
            return Response("Not found.", status_code=404)
        media = "image/webp" if kind == "thumb.webp" else "image/png"
        return Response(data, media_type=media, headers=headers)

    @router.get("/admin/usage.csv", include_in_schema=False)
    def usage_csv(request: Request, since: str = "") -> Response:
        """The admin tab's usage table as CSV (admins only; 404 for everyone else)."""
        user_id = codec.user_id(request)
        try:
            actor = app.accounts.get(user_id) if user_id is not None else None
            rows = app.admin.usage(actor, date.fromisoformat(since) if since else None)
        except (AvatarError, ValueError):
            return Response("Not found.", status_code=404)
        headers = {"Content-Disposition": 'attachment; filename="usage.csv"', "Cache-Control": "no-store"}
        return Response(as_csv(rows), media_type="text/csv", headers=headers)

    @router.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}


def _zip_route(router: APIRouter, app: App, codec: SessionCodec) -> None:
    """Several of the caller's avatars at once (the gallery's "Select several")."""

    @router.get("/avatars/download.zip", include_in_schema=False)
    def avatars_zip(request: Request, ids: str = "") -> Response:
        """Several of the caller's avatars as one zip (each PNG with its recipe)."""
        user_id = codec.user_id(request)
        if user_id is None:
            return Response("Log in first.", status_code=401)
        if len(ids) > 2000:  # 60 ids fit in 660 characters: never cut a list (it would change)
            return Response("Too many avatars at once.", status_code=400)
        try:
            archive = app.bulk.zip(user_id, ids)
        except ValidationError as err:
            return Response(str(err), status_code=400)
        except NotFound:
            return Response("Not found.", status_code=404)
        disposition = {
            "Content-Disposition": 'attachment; filename="avatars.zip"',
            "Cache-Control": "no-store",
        }
        return StreamingResponse(
            iter(lambda: archive.read(1 << 16), b""),
            media_type="application/zip",
            headers=disposition,
            background=BackgroundTask(archive.close),
        )
