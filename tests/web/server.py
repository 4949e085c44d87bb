"""Run the real web app on 127.0.0.1 in a background uvicorn thread (for HTTP and browser tests)."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from avatar_core.bootstrap import App, init
from avatar_core.engines.base import Engine

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "Sup3r-Secret-42"
PASSWORD = "correct-horse-7"


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    """A running web app: its base URL and the App behind it."""

    url: str
    app: App

    def client(self, **kwargs: object) -> httpx.Client:
        """An httpx client for this server that does not follow redirects."""
        return httpx.Client(base_url=self.url, follow_redirects=False, timeout=30, **kwargs)  # type: ignore[arg-type]

    def signup(self, username: str, password: str = PASSWORD) -> str:
        """Sign a new user up through the form; returns the session cookie value."""
        with self.client() as c:
            r = c.post("/signup", data={"username": username, "password": password, "confirm": password})
            assert r.status_code == 303, r.text
            return r.cookies["avatar_session"]

    def login(self, username: str, password: str) -> str:
        """Log in through the form; returns the session cookie value."""
        with self.client() as c:
            r = c.post("/login", data={"username": username, "password": password})
            assert r.status_code == 303, r.text
            return r.cookies["avatar_session"]


@contextmanager
def serve(app: App, port: int | None = None, web: Any = None) -> Iterator[LiveServer]:
    """Initialise `app`, serve it (or the ASGI `web` built for it) with uvicorn in a thread, wait
    for /healthz, stop afterwards."""
    import uvicorn

    from avatar_core.web.server import create_web_app

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    init(app)
    web = web if web is not None else create_web_app(app)
    port = port or free_port()
    config = uvicorn.Config(
        web, host="127.0.0.1", port=port, log_level="warning", lifespan="on", proxy_headers=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the web app did not start on {url}")
        time.sleep(0.05)
    try:
        yield LiveServer(url, app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def with_admin(tmp_path: Path, database_url: str, engine_impl: Engine | None = None, **overrides: Any) -> App:
    """A test App (cheap hashing, offline engine) that creates the admin on init."""
    from tests.conftest import make_app

    overrides.setdefault("trust_proxy", True)  # the tests play the proxy with X-Forwarded-For
    return make_app(
        tmp_path,
        database_url,
        engine_impl,
        admin_username=ADMIN_USERNAME,
        admin_password=ADMIN_PASSWORD,
        **overrides,
    )


def gradio_blocks(web: Any) -> Any:
    """The Gradio Blocks mounted in a web app built by `create_web_app` (behind its gate)."""
    from starlette.routing import Mount

    inner: Any = next(r.app for r in web.routes if isinstance(r, Mount) and r.path == "")
    while not hasattr(inner, "get_blocks"):
        inner = inner.app  # GradioGate → the Gradio app
    return inner.get_blocks()
