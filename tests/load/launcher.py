"""Run `python app.py` as a child process: start on a free port, wait for /healthz, kill, restart.

Each child gets a scrubbed environment (no AVATAR_*/HF_*/GRADIO_* leaking in from the machine, no
HF_HUB_OFFLINE, no HF token file), runs in its own working directory (so no `.env` is read), and
writes stdout+stderr to a log file that the `apps` fixture prints when a test fails.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
APP_PY = REPO / "app.py"
SECRET_KEY = "load-tests-shared-secret-key-0123456789-abcdefgh"
PASSWORD = "load-test-pass-7"
SCRUBBED_PREFIXES = ("AVATAR_", "HF_", "HUGGING", "GRADIO_")
SCRUBBED = ("DATABASE_URL", "TRANSFORMERS_OFFLINE", "SYSTEM")


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def child_env(
    data_dir: Path, database_url: str | None, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of an app (or CLI) child: scrubbed, then the test's settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(SCRUBBED_PREFIXES) and k not in SCRUBBED}
    env.update(
        AVATAR_DATA_DIR=str(data_dir),
        AVATAR_SECRET_KEY=SECRET_KEY,
        AVATAR_ENGINE="local",
        GRADIO_ANALYTICS_ENABLED="False",
        HF_HUB_DISABLE_TELEMETRY="1",
        HF_HOME=str(data_dir / "hf-home"),  # no token file from the machine
        PYTHONUNBUFFERED="1",
        AVATAR_SIGNUP_PER_HOUR="1000",  # every test user signs up from 127.0.0.1
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(extra or {})
    return env


def hf_fake_env(fake_url: str, **extra: str) -> dict[str, str]:
    """Settings that make the child's HFEngine post to `{fake_url}/models/{model_id}`."""
    return {"AVATAR_ENGINE": "hf", "HF_TOKEN": "hf_test", "AVATAR_HF_BASE_URL": fake_url, **extra}


@dataclass
class AppProcess:
    """One `python app.py` child."""

    name: str
    env: dict[str, str]
    cwd: Path
    log_path: Path
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    started: float = field(default=0.0)

    @property
    def url(self) -> str:
        """The base URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> AppProcess:
        """Start on a free port and wait until /healthz answers 200 (the recovery ran before)."""
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self.port = free_port()
        self.cwd.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        log.write(f"\n===== {self.name}: start on port {self.port} =====\n".encode())
        log.flush()
        self.started = time.monotonic()
        self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, str(APP_PY), "--port", str(self.port)],
            cwd=self.cwd,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        self.wait_ready(timeout)
        print(f"{self.name}: ready in {time.monotonic() - self.started:.1f} s")
        return self

    def wait_ready(self, timeout: float) -> None:
        """Poll /healthz; fail with the log tail if the child exits or never answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive:
                raise RuntimeError(f"{self.name} exited with {self.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"{self.name} did not answer /healthz in {timeout} s:\n{self.log_tail()}")

    @property
    def alive(self) -> bool:
        """True while the child runs."""
        return self.proc is not None and self.proc.poll() is None

    @property
    def returncode(self) -> int | None:
        """The exit status once it ended."""
        return None if self.proc is None else self.proc.poll()

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would: no cleanup runs in the child."""
        if self.alive:
            assert self.proc is not None
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def terminate(self, grace: float = 10.0) -> None:
        """SIGTERM, then SIGKILL if it has not exited after `grace` seconds."""
        if not self.alive:
            return
        assert self.proc is not None
        self.proc.terminate()
        try:
            self.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_tail(self, chars: int = 6000) -> str:
        """The end of the child's log."""
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    # ----- talking to it -----
    def signup(self, username: str, password: str = PASSWORD) -> str:
        """Sign up through the form; the session cookie value."""
        r = httpx.post(
            f"{self.url}/signup",
            timeout=30,
            follow_redirects=False,
            data={"username": username, "password": password, "confirm": password},
        )
        assert r.status_code == 303, r.text[-2000:]
        return str(r.cookies["avatar_session"])

    def client(self, cookie: str) -> object:
        """A gradio_client.Client for this app with the session cookie."""
        from gradio_client import Client

        return Client(
            self.url,
            headers={"Cookie": f"avatar_session={cookie}"},
            verbose=False,
            analytics_enabled=False,
            download_files=False,
        )


def cli(env: Mapping[str, str], *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    """Run `avatar-creator ARGS` (as `python -m avatar_core`) with a child's environment."""
    cwd = Path(env["AVATAR_DATA_DIR"])
    cwd.mkdir(parents=True, exist_ok=True)
    return subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-m", "avatar_core", *args],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
