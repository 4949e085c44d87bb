"""HTTP hardening: cross-site request refusal, security headers, body limits, hidden routes.

All plain ASGI (no `BaseHTTPMiddleware`): Gradio's event streams pass through untouched.
CORS itself is Starlette's `CORSMiddleware` with an explicit allow-list (see `cors_origins`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from avatar_core.config import Settings

log = logging.getLogger("avatar_core.web")
UNSAFE = frozenset(("POST", "PUT", "PATCH", "DELETE"))
HIDDEN = frozenset(("/openapi.json", "/gradio_api/openapi.json", "/docs", "/redoc"))
UPLOAD_PATH = "/gradio_api/upload"
UPLOAD_PATHS = (UPLOAD_PATH, "/api/v1/photos")  # Gradio's upload route and the API's photo upload
MAX_BODY = 1024 * 1024  # bytes: every request but an upload (a form or a queue event is tiny)
SPACES_FRAMERS = ("https://huggingface.co", "https://*.hf.space")
UNKNOWN_HOST = "Unknown host name. The operator lists the names this server answers in AVATAR_ALLOWED_HOSTS."


@dataclass(frozen=True)
class Policy:
    """What the middleware enforces, derived from Settings."""

    allowed_origins: tuple[str, ...]
    trust_proxy: bool
    on_spaces: bool
    max_upload: int
    allowed_hosts: tuple[str, ...] = ("*",)

    @classmethod
    def of(cls, settings: Settings) -> Policy:
        """The policy for these settings."""
        return cls(
            cors_origins(settings),
            settings.trust_proxy,
            settings.on_spaces,
            settings.max_upload_mb * 1024 * 1024,
            served_hosts(settings),
        )

    def host_allowed(self, host: str) -> bool:
        """Whether a request's Host (name[:port]) is one of ours (a DNS-rebinding attack's is not)."""
        if "*" in self.allowed_hosts:
            return True
        name = host.strip().lower()
        name = name.split("]")[0] + "]" if name.startswith("[") else name.rsplit(":", 1)[0]
        name = name.rstrip(".")
        return bool(name) and any(
            name == h or (h.startswith(".") and (name.endswith(h) or name == h[1:]))
            for h in self.allowed_hosts
        )


LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")


def served_hosts(settings: Settings) -> tuple[str, ...]:
    """The Host names we answer: `AVATAR_ALLOWED_HOSTS`, loopback, the address we listen on and the
    Space's host. On Spaces, unless configured, any: Hugging Face's proxy routes only the Space's
    own name to it, so no other name can reach it."""
    if settings.on_spaces and not settings.allowed_hosts:
        return ("*",)
    listen = settings.server_name.lower()
    own = () if listen in ("0.0.0.0", "::", "") else (f"[{listen}]" if ":" in listen else listen,)
    space = (settings.space_host,) if settings.space_host else ()
    return tuple(dict.fromkeys(settings.allowed_hosts + LOOPBACK_NAMES + own + space))


def cors_origins(settings: Settings) -> tuple[str, ...]:
    """Origins other than our own that may call us with the cookie: configured, plus the Space."""
    extra = (f"https://{settings.space_host}",) if settings.on_spaces and settings.space_host else ()
    return tuple(dict.fromkeys(settings.allowed_origins + extra))


def csp(on_spaces: bool) -> str:
    """The Content-Security-Policy: Gradio needs inline scripts and styles; nothing remote loads."""
    framers = " ".join(("'self'",) + (SPACES_FRAMERS if on_spaces else ()))
    return (
        "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
        "media-src 'self' data: blob:; connect-src 'self'; worker-src 'self' blob:; "
        f"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors {framers}"
    )


def _netloc(value: str, scheme: str = "") -> str:
    """host[:port] in lower case with the default port dropped ('' when unparsable)."""
    try:
        parts = urlsplit(value if "//" in value else f"//{value}")
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:
        return ""
    scheme = parts.scheme or scheme
    default = {"http": 80, "https": 443}.get(scheme)
    return host if port is None or port == default else f"{host}:{port}"


class SecurityMiddleware:
    """Refuses cross-site state changes (403), oversized bodies (413), hides OpenAPI (404), and
    adds the security headers to every response."""

    def __init__(self, app: ASGIApp, policy: Policy) -> None:
        self.app, self.policy = app, policy
        self.headers = [
            (b"content-security-policy", csp(policy.on_spaces).encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
        ]
        if not policy.on_spaces:  # Spaces frames us from huggingface.co; XFO cannot allow that
            self.headers.append((b"x-frame-options", b"SAMEORIGIN"))
        self._warned_proxy = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        self._warn_proxy(headers)
        path = scope.get("path", "")
        host = headers.get("x-forwarded-host", "") if self.policy.trust_proxy else ""
        if not self.policy.host_allowed(host.split(",")[0].strip() or headers.get("host", "")):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
            else:
                await PlainTextResponse(UNKNOWN_HOST, status_code=400)(
                    scope, receive, self._with_headers(send)
                )
            return
        if scope["type"] == "websocket":
            if not self.same_site(scope, headers):
                await send({"type": "websocket.close", "code": 1008})
                return
            await self.app(scope, receive, send)
            return
        send = self._with_headers(send)
        if path.rstrip("/") in HIDDEN:
            await PlainTextResponse("Not found.", status_code=404)(scope, receive, send)
            return
        if scope["method"] in UNSAFE and not self.same_site(scope, headers):
            await PlainTextResponse("Cross-site request refused.", status_code=403)(scope, receive, send)
            return
        limit = self.policy.max_upload + 64 * 1024 if path.startswith(UPLOAD_PATHS) else MAX_BODY
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            await PlainTextResponse("Request body too large.", status_code=413)(scope, receive, send)
            return
        await self._bounded(scope, receive, send, limit)

    async def _bounded(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Run the app; a body streamed past `limit` gets a 413 and the app sees a disconnect."""
        state = {"started": False, "refused": False, "seen": 0}

        async def guarded_send(message: Message) -> None:
            if state["refused"]:
                return
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        async def guarded_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                state["seen"] += len(message.get("body", b""))
                if state["seen"] > limit:
                    if not state["started"] and not state["refused"]:
                        state["refused"] = True
                        await PlainTextResponse("Request body too large.", status_code=413)(
                            scope, receive, send
                        )
                    return {"type": "http.disconnect"}
            return message

        try:
            await self.app(scope, guarded_receive, guarded_send)
        except Exception:
            if not state["refused"]:
                raise

    def same_site(self, scope: Scope, headers: Headers) -> bool:
        """False for a browser request made by another site (judged by Sec-Fetch-Site, Origin)."""
        origin = headers.get("origin")
        allowed = origin is not None and origin.rstrip("/").lower() in self.policy.allowed_origins
        fetch_site = headers.get("sec-fetch-site")
        if fetch_site is not None:
            return fetch_site in ("same-origin", "none") or allowed
        if origin is None:
            return True  # not a browser's cross-site request (gradio_client, curl, old forms)
        if allowed:
            return True
        host = headers.get("host", "")
        if self.policy.trust_proxy:
            host = headers.get("x-forwarded-host", host).split(",")[0].strip()
        own = _netloc(host, "https" if scope.get("scheme") in ("https", "wss") else "http")
        return origin != "null" and bool(own) and _netloc(origin) == own

    def _with_headers(self, send: Send) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                for name, value in self.headers:
                    if name.decode() not in out:
                        out.append(name.decode(), value.decode())
            await send(message)

        return wrapped

    def _warn_proxy(self, headers: Headers) -> None:
        if not self._warned_proxy and not self.policy.trust_proxy and "x-forwarded-for" in headers:
            self._warned_proxy = True
            log.warning(
                "requests carry X-Forwarded-For but AVATAR_TRUST_PROXY is off: every "
                "client behind the proxy shares one address for the login and sign-up "
                "limits. Set AVATAR_TRUST_PROXY=true if a proxy you run adds it."
            )
