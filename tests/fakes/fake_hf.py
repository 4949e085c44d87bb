"""A scriptable fake Hugging Face: Hub lookups, inference router and endpoint, on 127.0.0.1."""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from PIL import Image

LORA_WEIGHTS_FILE = "lora.safetensors"
BASE_PROVIDER_IDS = {
    "black-forest-labs/FLUX.1-dev": {
        "replicate": "black-forest-labs/flux-dev",
        "fal-ai": "fal-ai/flux/dev",
    },
    "black-forest-labs/FLUX.1-schnell": {
        "replicate": "black-forest-labs/flux-schnell",
        "fal-ai": "fal-ai/flux/schnell",
    },
}


def png_bytes(
    width: int = 64, height: int = 64, color: tuple[int, int, int] = (200, 120, 40)
) -> bytes:
    """A valid PNG of the given size."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass(frozen=True)
class Reply:
    """One scripted answer to an inference call (POST); build it with the class methods."""

    code: int = 200
    kind: str = "json"  # "png" | "json" | "raw" | "garbage" | "truncated" | "drop"
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    size: tuple[int, int] | None = None

    @classmethod
    def png(cls, width: int | None = None, height: int | None = None) -> Reply:
        """200 with a valid PNG of the requested size (or the given one; 64x64 if unknown)."""
        return cls(kind="png", size=(width, height) if width and height else None)

    @classmethod
    def status(cls, code: int, body: Any = None, headers: dict[str, str] | None = None) -> Reply:
        """Any status with a JSON body (default `{"error": "..."}`) and headers."""
        return cls(
            code=code,
            body=body if body is not None else {"error": f"fake error {code}"},
            headers=headers or {},
        )

    @classmethod
    def loading(cls, estimated_time: float = 20.0, model: str = "the model") -> Reply:
        """503 'currently loading' with an `estimated_time`, as the serverless API sends it."""
        return cls.status(
            503, {"error": f"Model {model} is currently loading", "estimated_time": estimated_time}
        )

    @classmethod
    def rate_limited(cls, retry_after: float | str = 1) -> Reply:
        """429 with a Retry-After header."""
        return cls.status(429, {"error": "Too Many Requests"}, {"Retry-After": str(retry_after)})

    @classmethod
    def sleep(cls, seconds: float, then: Reply | None = None) -> Reply:
        """Wait `seconds` (or until the server closes) then send `then` (default: a PNG)."""
        base = then or cls.png()
        return cls(base.code, base.kind, base.body, base.headers, seconds, base.size)

    @classmethod
    def drop(cls) -> Reply:
        """Close the socket without any response."""
        return cls(kind="drop")

    @classmethod
    def garbage(cls) -> Reply:
        """200, content-type image/png, bytes that are not an image."""
        return cls(kind="garbage")

    @classmethod
    def truncated_png(cls) -> Reply:
        """200, content-type image/png, the first part of a valid PNG."""
        return cls(kind="truncated")


@dataclass(frozen=True)
class Recorded:
    """One request the fake received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


class FakeHF:
    """`with FakeHF() as fake:` serves fake.url; script POST replies with `fake.script([...])`."""

    def __init__(self, default: Reply | None = None) -> None:
        self.default = default or Reply.png()
        self.requests: list[Recorded] = []
        self.mappings: dict[str, dict[str, dict[str, Any]]] = {}
        self.files: dict[str, tuple[bytes, str]] = {}
        self.download_delay = 0.0  # seconds before serving /files/* (replicate/fal-ai results)
        self._script: list[Reply] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.closing = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="fake-hf",
            daemon=True,
        )

    def __enter__(self) -> FakeHF:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop serving; sleeping replies wake up and give up."""
        self.closing.set()
        self._server.shutdown()
        self._server.server_close()

    def script(self, replies: Iterable[Reply]) -> None:
        """Queue replies for the next inference calls, in order; then `default` answers."""
        with self._lock:
            self._script.extend(replies)

    def next_reply(self) -> Reply:
        """Pop the next scripted reply (or the default)."""
        with self._lock:
            return self._script.pop(0) if self._script else self.default

    def record(self, item: Recorded) -> None:
        """Keep a request for the test to inspect."""
        with self._lock:
            self.requests.append(item)

    def inference_calls(self) -> list[Recorded]:
        """The POSTs (generation calls), without Hub lookups and file downloads."""
        return [r for r in self.requests if r.method == "POST"]

    def store_file(self, data: bytes, content_type: str = "image/png") -> str:
        """Serve `data` at a new URL (how replicate and fal-ai hand out results)."""
        name = f"{next(self._ids)}.png"
        self.files[name] = (data, content_type)
        return f"{self.url}/files/{name}"

    def mapping_for(self, repo: str) -> dict[str, dict[str, Any]]:
        """The Hub's inferenceProviderMapping for `repo` (override via `fake.mappings`)."""
        if repo in self.mappings:
            return self.mappings[repo]
        live = {"status": "live", "task": "text-to-image"}
        if "lora" in repo.lower():
            lora = {**live, "adapter": "lora", "adapterWeightsPath": LORA_WEIGHTS_FILE}
            return {
                "fal-ai": {**lora, "providerId": "fal-ai/flux-lora"},
                "replicate": {**lora, "providerId": "black-forest-labs/flux-dev-lora"},
            }
        ids = BASE_PROVIDER_IDS.get(
            repo, {"replicate": repo.lower(), "fal-ai": f"fal-ai/{repo.lower()}"}
        )
        return {
            "replicate": {**live, "providerId": ids["replicate"]},
            "fal-ai": {**live, "providerId": ids["fal-ai"]},
            "hf-inference": {**live, "providerId": repo},
        }


def requested_size(body: Any) -> tuple[int, int]:
    """Width/height from an endpoint, replicate or fal-ai body; 64x64 when absent."""
    if not isinstance(body, dict):
        return 64, 64
    for params in (body.get("parameters"), body.get("input"), body.get("image_size"), body):
        if isinstance(params, dict) and "width" in params and "height" in params:
            return int(params["width"]), int(params["height"])
    return 64, 64


def _handler_for(fake: FakeHF) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to `fake`."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            """Stay quiet."""

        def _read(self) -> tuple[str, dict[str, list[str]], Any]:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body: Any = json.loads(raw) if raw else None
            except ValueError:
                body = raw
            headers = {k.lower(): v for k, v in self.headers.items()}
            fake.record(Recorded(self.command, parts.path, parse_qs(parts.query), headers, body))
            return parts.path, parse_qs(parts.query), body

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            """Hub model info and result files."""
            path, _, _ = self._read()
            if path.startswith("/files/") and path[len("/files/") :] in fake.files:
                if fake.download_delay and fake.closing.wait(fake.download_delay):
                    return self._drop()
                data, content_type = fake.files[path[len("/files/") :]]
                return self._send(200, data, {"Content-Type": content_type})
            if path.startswith("/api/models/"):
                repo = path[len("/api/models/") :].split("/revision/")[0]
                info = {
                    "id": repo,
                    "pipeline_tag": "text-to-image",
                    "tags": ["diffusers", "text-to-image"],
                    "inferenceProviderMapping": fake.mapping_for(repo),
                }
                return self._json(200, info)
            return self._json(404, {"error": "not found"}, {"X-Error-Code": "EntryNotFound"})

        def do_POST(self) -> None:  # noqa: N802 - stdlib name
            """Inference: image bytes (endpoint/hf-inference) or JSON + URL (replicate/fal-ai)."""
            path, _, body = self._read()
            reply = fake.next_reply()
            if reply.delay and fake.closing.wait(reply.delay):
                return self._drop()
            if reply.kind == "drop":
                return self._drop()
            if reply.kind not in ("png", "garbage", "truncated"):
                data = (
                    reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                )
                return self._send(
                    reply.code, data, {"Content-Type": "application/json", **reply.headers}
                )
            width, height = reply.size or requested_size(body)
            data = png_bytes(width, height)
            if reply.kind == "garbage":
                data = b"<html>definitely not a png</html>"
            elif reply.kind == "truncated":
                data = data[: max(60, len(data) // 2)]
            if path.startswith("/replicate/"):
                url = fake.store_file(data)
                return self._json(201, {"id": "pred-1", "status": "succeeded", "output": [url]})
            if path.startswith("/fal-ai/"):
                url = fake.store_file(data)
                return self._json(
                    200, {"images": [{"url": url, "width": width, "height": height}], "seed": 1}
                )
            return self._send(reply.code, data, {"Content-Type": "image/png", **reply.headers})

        def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
            self._send(
                status,
                json.dumps(payload).encode(),
                {"Content-Type": "application/json", **(headers or {})},
            )

        def _send(self, status: int, data: bytes, headers: dict[str, str]) -> None:
            try:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Connection", "close")  # no pooled sockets outliving this fake
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True

        def _drop(self) -> None:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

    return Handler
