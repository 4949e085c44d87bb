"""The Gradio app's doors: only the routes the product uses, and no server file an event can name
unless its caller uploaded it.

Why this exists (checked in gradio 6.31's source): Gradio keeps an event's `FileData` to uploaded
files with `processing_utils._check_allowed`, which returns at once unless `blocks.has_launched`,
and `gr.mount_gradio_app` never sets that. A signed-in user could then send any server path (or
an http URL, or `/dev/zero`) as an image input: Gradio hashed it on the event loop, copied it into
its cache and `/gradio_api/file=` served the copy. `server._mount_ui` turns Gradio's own guard back
on; this gate stands in front of it, so a later Gradio cannot silently reopen the hole:

- a route allow-list: anything of Gradio's the page and `gradio_client` do not use is a 404
  (`/gradio_api/call/…`, `/run/…`, `/monitoring`, `/proxy=`, `/file/…`, `/process_recording`, …);
- `/gradio_api/upload` records each file it stored as its caller's (`uploads.Uploads`), within an
  hourly allowance;
- every other request body is read first: any object with a `path` or `url` must name, exactly,
  one of the caller's recorded uploads (no `data:` URLs), or the request is refused untouched;
- `/gradio_api/file=` serves only the preset thumbnails and the caller's own uploads.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from avatar_core.web.uploads import UploadQuota, Uploads

log = logging.getLogger("avatar_core.web")
API = "/gradio_api"
UPLOAD, FILE = f"{API}/upload", f"{API}/file="
# What the browser page and gradio_client use, by path: the methods each is open to.
ROUTES: dict[str, frozenset[str]] = {
    path: frozenset(methods.split())
    for path, methods in {
        "/": "GET HEAD",
        "/config": "GET",
        "/config/": "GET",
        "/theme.css": "GET",
        "/favicon.ico": "GET",
        "/robots.txt": "GET",
        "/manifest.json": "GET",
        f"{API}/info": "GET",
        f"{API}/queue/join": "POST",
        f"{API}/run/predict": "POST",  # the page's events with queue=False (Gradio refuses queued ones)
        f"{API}/queue/data": "GET",
        f"{API}/cancel": "POST",
        f"{API}/upload": "POST",
        f"{API}/upload_progress": "GET",
    }.items()
}
PREFIXES: dict[str, frozenset[str]] = {
    "/assets/": frozenset({"GET"}),
    "/static/": frozenset({"GET"}),
    "/svelte/": frozenset({"GET"}),
    f"{API}/heartbeat/": frozenset({"GET"}),
    FILE: frozenset({"GET", "HEAD"}),
}
NOT_UPLOADED = "That file was not uploaded in this session. Please upload it again."


def allowed(path: str, method: str) -> bool:
    """Whether the product uses this Gradio route with this method."""
    if path in ROUTES:
        return method in ROUTES[path]
    return any(path.startswith(prefix) and method in ms for prefix, ms in PREFIXES.items())


class Refused(ValueError):
    """A request body that names a file its caller did not upload (or cannot be read as JSON)."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):  # parsers disagree on which duplicate wins: refuse them all
        raise Refused("duplicate key")
    return dict(pairs)


def file_refs(value: Any) -> Iterator[dict[str, Any]]:
    """Every object in a JSON value that could be read as a file (it has a `path` or a `url`)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "path" in item or "url" in item:
                yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def check_body(body: bytes, owns: Callable[[str], bool]) -> None:
    """Refused unless every file reference in the JSON body is one of the caller's uploads."""
    if not body.strip():
        return
    try:
        value = json.loads(body, object_pairs_hook=_no_duplicates)
    except (ValueError, RecursionError):
        raise Refused("not JSON") from None
    for ref in file_refs(value):
        path, url = ref.get("path"), ref.get("url")
        if not isinstance(path, str) or not owns(path):
            raise Refused(f"path {str(path)[:200]!r}")
        if isinstance(url, str) and url.lstrip().lower().startswith("data:"):
            raise Refused("data URL")


class GradioGate:
    """ASGI middleware around the mounted Gradio app (see the module docstring)."""

    def __init__(
        self, app: ASGIApp, *, user_id: Callable[[Request], int | None], uploads: Uploads, public_dir: Path
    ) -> None:
        self.app, self.user_id, self.uploads = app, user_id, uploads
        self.public_dir = Path(os.path.realpath(public_dir))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":  # Gradio's queue speaks SSE; nothing here is a websocket
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)  # lifespan
            return
        path, method = _route_path(scope), scope["method"]
        if not allowed(path, method):
            await PlainTextResponse("Not found.", status_code=404)(scope, receive, send)
            return
        gated = method == "POST" or path.startswith(FILE)
        uid = self.user_id(Request(scope)) if gated else None
        if gated and uid is None:
            await JSONResponse({"detail": "Not authenticated"}, status_code=401)(scope, receive, send)
        elif path.startswith(FILE):
            await self._file(scope, receive, send, uid, path[len(FILE) :])
        elif path == UPLOAD:
            await self._upload(scope, receive, send, uid)
        elif method == "POST":
            await self._event(scope, receive, send, uid)
        else:
            await self.app(scope, receive, send)

    async def _file(self, scope: Scope, receive: Receive, send: Send, uid: Any, name: str) -> None:
        """`/file=`: the preset thumbnails, and the caller's own uploads; nothing else exists."""
        real = Path(os.path.realpath(name)) if name.startswith("/") else None
        public = real is not None and real.is_relative_to(self.public_dir)
        if not (public or self.uploads.owns(uid, name)):
            await PlainTextResponse("Not found.", status_code=404)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _upload(self, scope: Scope, receive: Receive, send: Send, uid: Any) -> None:
        """Within the hourly allowance, pass the upload on and record what it stored as the caller's."""
        self.uploads.sweep()
        length = Headers(scope=scope).get("content-length", "")
        try:
            self.uploads.admit(uid, int(length) if length.isdigit() else 0)
        except UploadQuota as err:
            headers = {"Retry-After": str(err.retry_after)}
            await JSONResponse({"detail": err.message}, status_code=429, headers=headers)(
                scope, receive, send
            )
            return
        status, chunks = 0, []

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and status == 200:
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    self._record(uid, b"".join(chunks))
            await send(message)

        await self.app(scope, receive, recording_send)

    def _record(self, uid: int, body: bytes) -> None:
        try:
            paths = json.loads(body)
        except ValueError:
            return
        if isinstance(paths, list):
            self.uploads.received(uid, [p for p in paths if isinstance(p, str)])

    async def _event(self, scope: Scope, receive: Receive, send: Send, uid: Any) -> None:
        """Read the body; refuse it untouched if it names a file the caller did not upload."""
        body = await _read_body(receive)
        if body is None:
            return  # the client went away (or the body limit answered 413 already)
        try:
            check_body(body, lambda path: self.uploads.owns(uid, path))
        except Refused as why:
            log.warning("web.file_refused user=%s path=%s reason=%s", uid, _route_path(scope), why)
            await JSONResponse({"detail": NOT_UPLOADED}, status_code=403)(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)


def _route_path(scope: Scope) -> str:
    """The request path below the app's root path."""
    path, root = scope.get("path", ""), scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root + "/") else path


async def _read_body(receive: Receive) -> bytes | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands over the body already read, then defers to the real one."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
