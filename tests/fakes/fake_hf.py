"""A scripted fake Hugging Face that behaves like the real providers, on 127.0.0.1.

Routes (relative to `fake.url`; huggingface_hub builds provider URLs as INFERENCE_PROXY_TEMPLATE =
url + "/{provider}", _common.py:216-226):
- Hub: GET /api/models/<repo>[/revision/<rev>] -> model info + inferenceProviderMapping (hub.py).
- Replicate: POST /replicate/v1/models/<owner>/<name>/predictions, GET /replicate/v1/predictions/<id>,
  POST .../<id>/cancel (replicate.py).
- fal-ai: POST /fal-ai/<app path> (sync), ?_subdomain=queue -> queue job, GET
  /fal-ai/<owner>/<app>/requests/<id>[/status] (fal.py).
- Dedicated endpoints: POST /endpoints/<name> and /endpoints/<name>/predict (`add_endpoint`);
  serverless POST /models/<id>; hf-inference POST /hf-inference/models/<id> (endpoints.py).
- Result files: GET /files/<name>.
Each provider drops what it does not declare, makes the sizes it can make, applies the scales it
applies and defaults to its real output format; every successful generation appends the
EFFECTIVE run to `fake.runs` (see each module's docstring for the sources). Scripted replies
(`fake.script`) apply to the next generation POST on any route: a fault (status, loading, rate
limit, drop, garbage, truncated, sleep) replaces the answer and is never logged as a run;
`Reply.png()` / `fake.default` run normally; `Reply.starting` / `Reply.prediction_failed` are
provider outcomes (inputs are validated first).

Sources (file + line for every fact are in the module that models it):
- huggingface_hub 2.4 (.venv site-packages): inference/_providers/{_common,replicate,fal_ai,
  hf_inference}.py and hf_api.py -> hub.py, replicate.py, fal.py, endpoints.py.
- Replicate: github.com/replicate/cog-flux @ 51e81e0 (predict.py, bfl_predictor.py),
  replicate/cog-flux-kontext @ b9063c1, replicate/cog @ 6110c91 (coglet input stripping, 422).
- fal: fal-ai/fal-js endpoint types (@ 381105e, zod ranges @ 5324132), fal-ai/fal toolkit presets.
- Endpoints: huggingface/huggingface-inference-toolkit @ 833b5a2; diffusers FluxPipeline; our
  deploy/endpoint/handler.py (run for real by the "avatar-creator" handler).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import random
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes import hub
from tests.fakes.common import EXTENSIONS, FORMATS, EffectiveRun, decode_data_url, png_bytes, render
from tests.fakes.endpoints import Endpoint
from tests.fakes.fal import Job
from tests.fakes.replicate import Prediction

__all__ = ["EffectiveRun", "FakeHF", "Recorded", "Reply", "png_bytes"]
GARBAGE = b"<html>definitely not an image</html>"


@dataclass(frozen=True)
class Reply:
    """One scripted answer to a generation call (POST); build it with the class methods."""

    code: int = 200
    kind: str = "png"  # "png" (run) | "json"/"raw" (body as is) | "garbage" | "truncated" | "drop"
    # | "starting" | "failed"
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    size: tuple[int, int] | None = None  # force the delivered image to this size (a lying provider)
    polls: int = 0  # "starting": polls answered processing/IN_PROGRESS before success
    error: str | None = None  # "failed": the prediction's error

    @classmethod
    def png(cls, width: int | None = None, height: int | None = None) -> Reply:
        """Run normally (optionally deliver an image of another size than the run's)."""
        return cls(kind="png", size=(width, height) if width and height else None)

    @classmethod
    def status(cls, code: int, body: Any = None, headers: dict[str, str] | None = None) -> Reply:
        """Any status with a JSON body (default `{"error": "..."}`) and headers."""
        return cls(
            code=code,
            kind="json",
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
    def rate_limited_hf(cls, t: int = 7) -> Reply:
        """429 as HF's router sends it: RateLimit / RateLimit-Policy headers, no Retry-After."""
        headers = {"RateLimit": f'"api";r=0;t={t}', "RateLimit-Policy": '"fixed window";"api";q=500;w=300'}
        return cls.status(429, {"error": "You have exceeded your rate limit."}, headers)

    @classmethod
    def sleep(cls, seconds: float, then: Reply | None = None) -> Reply:
        """Wait `seconds` (or until the server closes) then send `then` (default: run normally)."""
        return replace(then or cls.png(), delay=seconds)

    @classmethod
    def drop(cls) -> Reply:
        """Close the socket without any response."""
        return cls(kind="drop")

    @classmethod
    def garbage(cls) -> Reply:
        """Deliver bytes that are not an image (200 image/png body, or a result file)."""
        return cls(kind="garbage")

    @classmethod
    def truncated_png(cls) -> Reply:
        """Deliver the first half of a valid PNG (body, or result file)."""
        return cls(kind="truncated")

    @classmethod
    def starting(cls, polls: int = 2) -> Reply:
        """Replicate: 201 "starting"; the first `polls` GETs say "processing", the next succeeds.

        On a fal queue job: `polls` status GETs say IN_PROGRESS before COMPLETED.
        """
        return cls(kind="starting", polls=polls)

    @classmethod
    def prediction_failed(
        cls, error: str = "NSFW content detected. Try running it again, or try a different prompt."
    ) -> Reply:
        """Replicate: 201 with status "failed" and `error` (elsewhere: 500 {"error": error})."""
        return cls(kind="failed", error=error)


@dataclass(frozen=True)
class Recorded:
    """One request the fake received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


class _Server(ThreadingHTTPServer):
    """A provider accepts a burst of connections: socketserver's listen backlog of 5 would drop
    SYNs when 32 arrive at once (each dropped one retried by the client a second later)."""

    request_queue_size = 128


class FakeHF:
    """`with FakeHF() as fake:` serves fake.url; script replies with `fake.script([...])`."""

    def __init__(self, default: Reply | None = None) -> None:
        self.default = default or Reply.png()
        self.requests: list[Recorded] = []
        self.runs: list[EffectiveRun] = []
        self.canceled: list[str] = []
        self.mappings: dict[str, dict[str, dict[str, Any]] | None] = hub.default_mappings()
        self.files: dict[str, tuple[bytes, str]] = {}
        self.download_delay = 0.0  # seconds before serving /files/* (replicate/fal-ai results)
        self.model_info_delay = 0.0  # seconds before answering Hub model info (mapping lookups)
        self.serverless_handler = "default"  # /models/<id>: "default" toolkit | "avatar-creator"
        self.serverless_loras: tuple[str, ...] = (hub.REALISM,)
        self.fal_queue_polls = 0  # status GETs answered IN_PROGRESS before COMPLETED
        self.endpoints: dict[str, Endpoint] = {}
        self.predictions: dict[str, Prediction] = {}
        self.jobs: dict[str, Job] = {}
        self._script: list[Reply] = []
        self._downloads: list[Reply] = []
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self.closing = threading.Event()
        from tests.fakes.server import handler_for

        self._server = _Server(("127.0.0.1", 0), handler_for(self))
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-hf", daemon=True
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

    # ---- scripting and inspection ------------------------------------------------------------

    def script(self, replies: Iterable[Reply]) -> None:
        """Queue replies for the next generation calls, in order; then `default` answers."""
        with self._lock:
            self._script.extend(replies)

    def script_downloads(self, replies: Iterable[Reply]) -> None:
        """Queue faults for the next GET /files/* (status, drop, sleep, garbage, truncated)."""
        with self._lock:
            self._downloads.extend(replies)

    def next_reply(self) -> Reply:
        """Pop the next scripted reply (or the default)."""
        with self._lock:
            return self._script.pop(0) if self._script else self.default

    def next_download(self) -> Reply | None:
        """Pop the next scripted download fault, if any."""
        with self._lock:
            return self._downloads.pop(0) if self._downloads else None

    def record(self, item: Recorded) -> None:
        """Keep a request for the test to inspect."""
        with self._lock:
            self.requests.append(item)

    def inference_calls(self) -> list[Recorded]:
        """The generation POSTs (no Hub lookups, polls, cancels or file downloads)."""
        return [r for r in self.requests if r.method == "POST" and not r.path.endswith("/cancel")]

    def log_run(self, run: EffectiveRun | None) -> None:
        """Append what really ran (no-op for None)."""
        if run is not None:
            with self._lock:
                self.runs.append(run)

    def last_run(self) -> EffectiveRun:
        """The last effective run (AssertionError if nothing ran)."""
        with self._lock:
            assert self.runs, "no generation ran on the fake"
            return self.runs[-1]

    def new_id(self, prefix: str = "") -> str:
        """A fresh id for predictions, jobs and files."""
        return f"{prefix}{next(self._ids):06d}"

    # ---- files and images --------------------------------------------------------------------

    def store_file(self, data: bytes, content_type: str = "image/png") -> str:
        """Serve `data` at a new URL (how replicate and fal-ai hand out results)."""
        ext = {ct: EXTENSIONS[f] for f, (_, ct) in FORMATS.items()}.get(content_type, "bin")
        name = f"{self.new_id('out-')}.{ext}"
        with self._lock:
            self.files[name] = (data, content_type)
        return f"{self.url}/files/{name}"

    def image(self, run: EffectiveRun, reply: Reply, seed: int | None = None) -> tuple[bytes, str]:
        """The bytes a run delivers (colour from the seed) and their content type."""
        width, height = reply.size or (run.width, run.height)
        chosen = seed if seed is not None else run.seed if run.seed is not None else random.randrange(2**31)
        return render(width, height, run.format, chosen), FORMATS[run.format][1]

    @staticmethod
    def broken(kind: str, run: EffectiveRun | None) -> bytes:
        """Garbage, or the first half of a PNG of the run's size (64x64 without a run)."""
        if kind == "garbage":
            return GARBAGE
        data = png_bytes(run.width, run.height) if run else png_bytes()
        return data[: max(60, len(data) // 2)]

    def load_image(self, ref: Any) -> bytes | None:
        """Image-input bytes from a data: URL or one of our own /files URLs."""
        data = decode_data_url(ref)
        if data is None and isinstance(ref, str) and ref.startswith(f"{self.url}/files/"):
            data = self.files.get(ref.rsplit("/", 1)[-1], (None, ""))[0]
        return data

    # ---- Hub mappings and endpoints ----------------------------------------------------------

    def mapping_for(self, repo: str) -> dict[str, dict[str, Any]]:
        """The Hub's inferenceProviderMapping for `repo` (empty for unknown repos)."""
        return self.mappings.get(repo) or {}

    def lora_repo(
        self, repo: str, providers: Iterable[str] = ("replicate", "fal-ai"), status: str = "live"
    ) -> None:
        """Register a FLUX LoRA repo mapped like XLabs-AI/flux-RealismLora."""
        self.mappings[repo] = {p: hub.lora_entry(p, status) for p in providers}

    def unmap(self, repo: str, provider: str) -> None:
        """Remove one provider from a repo's mapping."""
        mapping = self.mappings.get(repo)
        if mapping:
            mapping.pop(provider, None)

    def add_endpoint(
        self,
        name: str,
        base_model: str = hub.DEV,
        handler: str = "default",
        loras: Iterable[str] = (hub.REALISM,),
    ) -> str:
        """A dedicated endpoint served at the returned URL (and <url>/predict)."""
        if handler not in ("default", "avatar-creator"):
            raise ValueError(f"unknown handler {handler!r}")
        self.endpoints[name] = Endpoint(name, base_model, handler, tuple(loras))
        return f"{self.url}/endpoints/{name}"


def reply_bytes(reply: Reply) -> bytes:
    """The body of a JSON/status reply."""
    return reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()


def parse(raw_path: str) -> tuple[str, dict[str, list[str]]]:
    """Path and query of a request line."""
    parts = urlsplit(raw_path)
    return parts.path, parse_qs(parts.query)


class QuietHandler(BaseHTTPRequestHandler):
    """Send helpers shared by the fake's handler."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Stay quiet."""

    def send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        """A JSON answer."""
        self.send(
            status, json.dumps(payload).encode(), {"Content-Type": "application/json", **(headers or {})}
        )

    def send(self, status: int, data: bytes, headers: dict[str, str]) -> None:
        """Any answer; the connection is closed after it (no pooled sockets outliving the fake)."""
        try:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def drop(self) -> None:
        """Close the socket without answering."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
