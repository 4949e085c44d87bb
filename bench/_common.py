"""Benchmark plumbing: the fake HF server, a bench App, the web app in a subprocess, users, cookies."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/bench_x.py` without PYTHONPATH=.
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

PASSWORD = "bench-horse-7-staple"
MODEL_ID = "black-forest-labs/FLUX.1-dev"  # what a free user's default model posts to
PROMPT = "a smiling woman with curly red hair and glasses, green sweater, garden background"


def allow_loopback_hf() -> None:
    """What tests/fakes/hf_env.py does with monkeypatch: no offline mode, no machine token."""
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
        os.environ.pop(name, None)
    from huggingface_hub import constants

    constants.HF_HUB_OFFLINE = False
    constants.HF_HUB_DISABLE_TELEMETRY = True
    constants.HF_TOKEN_PATH = "/nonexistent/hf-token-for-bench"


def photo_png(size: int = 512, seed: int = 7) -> bytes:
    """A photo-like PNG (smooth light plus fine grain), so encoding costs what a FLUX image costs.

    The fake's own replies are flat single-colour PNGs, which compress to almost nothing.
    """
    import io

    from PIL import Image, ImageFilter

    gradient = Image.radial_gradient("L").resize((size, size))
    channels = []
    for i, (a, b) in enumerate(((0.55, 0.35), (0.45, 0.3), (0.35, 0.45))):
        noise = Image.effect_noise((size, size), 48 + 8 * ((seed + i) % 3))
        light = Image.linear_gradient("L").rotate(90 * i).resize((size, size))
        mixed = Image.blend(Image.blend(gradient, light, a), noise, b)
        channels.append(mixed.filter(ImageFilter.GaussianBlur(0.6)))
    buf = io.BytesIO()
    Image.merge("RGB", channels).save(buf, format="PNG")  # providers send zlib level 6 PNGs
    return buf.getvalue()


@contextmanager
def fake_hf(latency: float, image: bytes | None = None) -> Iterator[object]:
    """The tests' FakeHF on 127.0.0.1, answering every inference call after `latency` seconds.

    With `image`, every answer is those PNG bytes; otherwise the fake's flat PNG of the asked size.
    """
    from tests.fakes.fake_hf import FakeHF, Reply

    allow_loopback_hf()
    reply = (
        Reply.png() if image is None else Reply(kind="raw", body=image, headers={"Content-Type": "image/png"})
    )
    with FakeHF(Reply.sleep(latency, then=reply)) as fake:
        yield fake


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cheap_hasher() -> object:
    """Fast argon2 for bench accounts (verification reads the cost from the hash itself)."""
    from avatar_core.services.auth import make_hasher

    return make_hasher(rounds=1, memory_kib=1024)


def bench_env(
    data_dir: Path, hf_url: str | None, concurrency: int | None = None, database_url: str = ""
) -> dict[str, str]:
    """The environment of a bench server: its own data dir, the fake HF (or offline engine)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AVATAR_", "HF_", "HUGGING")) and k not in ("DATABASE_URL",)
    }
    env.update(
        AVATAR_DATA_DIR=str(data_dir),
        GRADIO_ANALYTICS_ENABLED="False",
        HF_HUB_DISABLE_TELEMETRY="1",
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
    )
    if hf_url:
        env.update(AVATAR_ENGINE="hf", AVATAR_HF_BASE_URL=hf_url, HF_TOKEN="hf_test")
    else:
        env["AVATAR_ENGINE"] = "local"
    if concurrency is not None:
        env["AVATAR_CONCURRENCY"] = str(concurrency)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def bench_app(env: dict[str, str]) -> object:
    """An App over the same settings a server with `env` uses, migrated and seeded."""
    from avatar_core.bootstrap import bootstrap, init
    from avatar_core.config import load_settings

    app = bootstrap(load_settings(env, dotenv_path=None), hasher=cheap_hasher())  # type: ignore[arg-type]
    init(app)
    return app


def make_users(app: object, prefix: str, count: int, credits_each: int = 10_000) -> list[str]:
    """`count` users with plenty of credits; returns their names."""
    from avatar_core.services import credits

    names = []
    for i in range(count):
        name = f"{prefix}{i:03d}"
        user = app.accounts.register(name, PASSWORD)  # type: ignore[attr-defined]
        with app.db.transaction() as session:  # type: ignore[attr-defined]
            credits.grant(session, user.id, credits_each, key="bench", reason="bench")
        names.append(name)
    return names


@dataclass
class Server:
    """A web app subprocess on 127.0.0.1."""

    url: str
    proc: subprocess.Popen[bytes]
    log: Path

    def login(self, username: str, password: str = PASSWORD) -> str:
        """POST /login; the session cookie value."""
        r = httpx.post(
            f"{self.url}/login",
            data={"username": username, "password": password},
            follow_redirects=False,
            timeout=30,
        )
        if r.status_code != 303 or "avatar_session" not in r.cookies:
            raise RuntimeError(f"login failed for {username}: {r.status_code} {r.text[:200]}")
        return str(r.cookies["avatar_session"])

    def client(self, cookie: str) -> object:
        """A gradio_client Client carrying the session cookie."""
        from gradio_client import Client

        return Client(
            self.url,
            headers={"Cookie": f"avatar_session={cookie}"},
            verbose=False,
            analytics_enabled=False,
            download_files=False,
        )


class QueueClient:
    """Gradio's queue protocol by hand (join + event stream per call), with the session cookie.

    What a browser tab does (one session hash per tab), without gradio_client's 50 ms polling
    loops: the web app's own cost.
    """

    def __init__(self, url: str, cookie: str) -> None:
        import uuid

        self.http = httpx.Client(base_url=url, cookies={"avatar_session": cookie}, timeout=300)
        config = self.http.get("/config")
        config.raise_for_status()
        spec = config.json()
        self.fn_index = {d.get("api_name"): d["id"] for d in spec["dependencies"]}
        values = {c["id"]: c.get("props", {}).get("value") for c in spec["components"]}
        # Each event's inputs with their defaults: a call may give only the first few.
        self.defaults = {
            d.get("api_name"): [values.get(i) for i in d["inputs"]] for d in spec["dependencies"]
        }
        self.session = uuid.uuid4().hex[:12]

    def call(self, api_name: str, data: list[object]) -> list[object]:
        """Run one event to completion; its output data."""
        import json

        session = self.session
        data = list(data) + self.defaults.get(api_name, [])[len(data) :]
        joined = self.http.post(
            "/gradio_api/queue/join",
            json={
                "data": data,
                "fn_index": self.fn_index[api_name],
                "session_hash": session,
                "event_data": None,
                "trigger_id": None,
            },
        )
        joined.raise_for_status()
        with self.http.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                msg = json.loads(line[5:])
                if msg.get("msg") == "process_completed":
                    if not msg.get("success"):
                        raise RuntimeError(f"{api_name} failed: {msg.get('output')}")
                    return list(msg["output"]["data"])
        raise RuntimeError(f"{api_name}: the event stream ended without a result")

    def close(self) -> None:
        """Close the HTTP client."""
        self.http.close()


def wait_http(
    url: str, proc: subprocess.Popen[bytes] | None, timeout: float = 60.0, interval: float = 0.02
) -> float:
    """Poll `url` until it answers 200; the monotonic time it did."""
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2, follow_redirects=False) as http:
        while True:
            try:
                if http.get(url).status_code == 200:
                    return time.monotonic()
            except httpx.HTTPError:
                pass
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode} before {url} answered")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer 200 within {timeout:.0f} s")
            time.sleep(interval)


@contextmanager
def serve(
    env: dict[str, str], *extra_args: str, script: str = "bench/_serve.py", health: str = "/healthz"
) -> Iterator[Server]:
    """Start a server script as a subprocess on a free port; stop it (by its pid) afterwards."""
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="bench-server-", suffix=".log")[1])
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / script), "--port", str(port), *extra_args],
            env=env,
            cwd=env.get("AVATAR_DATA_DIR", str(ROOT)),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", proc, log)
    try:
        wait_http(f"{server.url}{health}", proc)
        yield server
    except BaseException:
        print(log.read_text()[-3000:], file=sys.stderr)
        raise
    finally:
        stop_process(proc)
        log.unlink(missing_ok=True)


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    """Terminate a server process, killing it if it does not exit within 10 s."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def temp_dir(prefix: str) -> Iterator[Path]:
    """A temporary directory removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix) as name:
        yield Path(name)


def burst(
    clients: Sequence[T], generate: Callable[[T], dict[str, object]], timeout: float = 600.0
) -> tuple[float, int]:
    """Every client generates at the same moment (a barrier); (wall s to the last result, failures).

    `generate(client)` returns the generation's result object; anything but "completed" counts as a
    failure, and so does an exception.
    """
    gate = threading.Barrier(len(clients) + 1)
    ends: list[float] = []
    failures: list[str] = []

    def one(client: T) -> None:
        gate.wait()
        try:
            out = generate(client)
            if out.get("status") != "completed":
                failures.append(str(out))
        except Exception as err:  # noqa: BLE001 - counted and reported
            failures.append(repr(err))
        ends.append(time.perf_counter())

    threads = [threading.Thread(target=one, args=(c,), daemon=True) for c in clients]
    for thread in threads:
        thread.start()
    gate.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join(timeout)
    for failure in failures[:3]:
        print(f"(failed: {failure[:300]})", file=sys.stderr)
    return max(ends) - start, len(failures)
