"""A server on 127.0.0.1 that answers exactly what was recorded, and 404s anything else.

The recordings are huggingface_hub's VCR cassettes (tests/recordings/README.md). Only the hosts
are re-pointed: the Hub (huggingface.co) and the router (router.huggingface.co) are served at the
root, as `HF_ENDPOINT` and `INFERENCE_PROXY_TEMPLATE` point there (`hf_env.use_fake_hub`); any
other recorded host (replicate.delivery, v3.fal.media) at `/_/<host>/...`, and its URLs in the
recorded bodies are rewritten to match. Status, headers (but the length) and bodies are sent as
recorded.

A request is answered by the recorded exchange with its method and path. The query is compared
too; one that differs only in its query is still answered and listed in `query_differs` (the
2025 hf-inference recording asked for the model info without `?expand=...`, which huggingface_hub
2.4 adds). Everything else is a 404 listed in `unrecorded`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

RECORDINGS = Path(__file__).parents[1] / "recordings"
ROOT_HOSTS = ("huggingface.co", "router.huggingface.co")
DROPPED = ("content-length", "transfer-encoding", "content-encoding", "connection")


@dataclass(frozen=True)
class Exchange:
    """One recorded request and its answer."""

    method: str
    host: str
    path: str  # with its query
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    sent: bytes  # the recorded request body

    @property
    def bare_path(self) -> str:
        return self.path.split("?", 1)[0]


def load(name: str) -> list[Exchange]:
    """The exchanges of one cassette in tests/recordings/huggingface_hub/."""
    data = yaml.safe_load((RECORDINGS / "huggingface_hub" / name).read_text())
    out = []
    for item in data["interactions"]:
        request, response = item["request"], item["response"]
        parts = urlsplit(request["uri"])
        body = response["body"].get("string") or b""
        sent = request.get("body") or b""
        out.append(
            Exchange(
                request["method"],
                parts.netloc,
                parts.path + (f"?{parts.query}" if parts.query else ""),
                int(response["status"]["code"]),
                tuple((k, v) for k, vs in response["headers"].items() for v in vs),
                body.encode() if isinstance(body, str) else body,
                sent.encode() if isinstance(sent, str) else sent,
            )
        )
    return out


@dataclass
class Hit:
    """A request the replay answered (or refused)."""

    method: str
    path: str
    body: bytes
    exchange: Exchange | None


@dataclass
class Replay:
    """The replay server over the exchanges of some cassettes."""

    exchanges: list[Exchange]
    hits: list[Hit] = field(default_factory=list)
    query_differs: list[str] = field(default_factory=list)
    url: str = ""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def __enter__(self) -> Replay:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def unrecorded(self) -> list[str]:
        return [f"{h.method} {h.path}" for h in self.hits if h.exchange is None]

    def answered(self, method: str, host: str) -> list[Hit]:
        """The requests answered from exchanges of `host` with `method`."""
        return [
            h for h in self.hits if h.exchange and h.exchange.method == method and h.exchange.host == host
        ]

    def local_path(self, exchange: Exchange) -> str:
        """Where the replay serves a recorded exchange."""
        return exchange.path if exchange.host in ROOT_HOSTS else f"/_/{exchange.host}{exchange.path}"

    def answer(self, method: str, path: str, body: bytes) -> Exchange | None:
        """The exchange that answers this request (recorded as a hit either way)."""
        same = [e for e in self.exchanges if e.method == method and self.local_path(e) == path]
        loose = [
            e
            for e in self.exchanges
            if e.method == method and self.local_path(e).split("?")[0] == path.split("?")[0]
        ]
        found = (same or loose)[0] if same or loose else None
        with self._lock:
            if found is not None and not same:
                self.query_differs.append(f"{method} {path} (recorded {found.path})")
            self.hits.append(Hit(method, path, body, found))
        return found

    def rewrite(self, body: bytes) -> bytes:
        """Recorded URLs of re-pointed hosts, pointed at this server."""
        for host in {e.host for e in self.exchanges if e.host not in ROOT_HOSTS}:
            body = body.replace(f"https://{host}/".encode(), f"{self.url}/_/{host}/".encode())
        return body


def _handler(replay: Replay) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            sent = self.rfile.read(length) if length else b""
            exchange = replay.answer(self.command, self.path, sent)
            if exchange is None:
                status, headers, body = 404, [("Content-Type", "text/plain")], b"not recorded"
            else:
                status, headers, body = exchange.status, list(exchange.headers), replay.rewrite(exchange.body)
            self.send_response(status)
            for name, value in headers:
                if name.lower() not in DROPPED:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _serve  # noqa: N815 - the stdlib's names

        def log_message(self, *args: Any) -> None:
            pass

    return Handler
