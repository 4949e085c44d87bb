"""A local cluster on 127.0.0.1: PostgreSQL, moto's S3 server, N app processes behind nginx.

    make cluster                    scripts/cluster.py start: in the background, prints the URL
    make cluster-stop               scripts/cluster.py stop: stops every process, removes the dir
    scripts/cluster.py run          the same in the foreground; Ctrl-C stops everything
    scripts/cluster.py render --app 10.0.0.11:7860 --app 10.0.0.12:7860 --listen 80
                                    prints deploy/nginx/avatar-creator.conf filled in

From Python (tests, benchmarks): `with Cluster(processes=2, env={...}) as cluster: cluster.url`.
PostgreSQL comes from .ci/pg.sh unless a `database_url` is given; images go to the bucket
`avatars` on moto's server (`AVATAR_STORAGE_URL=s3://avatars/cluster`); every app shares one
AVATAR_SECRET_KEY and runs with AVATAR_TRUST_PROXY=1. Each process runs in its own process group,
which `stop` signals (TERM, then KILL after a grace period).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "deploy" / "nginx" / "avatar-creator.conf"
PG_SH = ROOT / ".ci" / "pg.sh"
DEFAULT_DIR = Path(tempfile.gettempdir()) / f"avatar-cluster-{os.getuid()}"
BUCKET, PREFIX, REGION = "avatars", "cluster", "us-east-1"
AWS_KEY = "cluster-key"  # moto accepts any credentials unless its IAM auth is switched on
SCRUBBED_PREFIXES = ("AVATAR_", "HF_", "HUGGING", "GRADIO_", "AWS_")
SCRUBBED = ("DATABASE_URL", "TRANSFORMERS_OFFLINE", "SYSTEM")


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def nginx_binary() -> str:
    """Debian's nginx (in /usr/sbin, which a non-root PATH may lack)."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not found:
        raise SystemExit("error: nginx is not installed (apt-get install nginx, or .ci/system-deps.sh)")
    return found


def render_nginx(upstreams: Sequence[str], listen: str, runtime_dir: Path, max_upload_mb: int = 10) -> str:
    """The nginx template with its placeholders filled."""
    servers = "\n".join(f"        server {u} max_fails=1 fail_timeout=5s;" for u in upstreams)
    text = TEMPLATE.read_text()
    for name, value in (
        ("RUNTIME_DIR", str(runtime_dir)),
        ("LISTEN", listen),
        ("UPSTREAM_SERVERS", servers),
        ("MAX_BODY", f"{max_upload_mb + 1}m"),
    ):
        text = text.replace(f"@{name}@", value)
    return text


def wait_http(url: str, proc: Proc | None, timeout: float, ok: Sequence[int] = (200,)) -> None:
    """Poll `url` until it answers one of `ok`; fail with the process's log if it exits."""
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, timeout=2).status_code in ok:
                return
        except httpx.HTTPError:
            pass
        if proc is not None and not proc.alive:
            raise RuntimeError(f"{proc.name} exited before {url} answered:\n{proc.log_tail()}")
        if time.monotonic() > deadline:
            tail = proc.log_tail() if proc else ""
            raise RuntimeError(f"{url} did not answer within {timeout:.0f} s\n{tail}")
        time.sleep(0.1)


@dataclass
class Proc:
    """One child process in its own process group, logging to a file."""

    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    log: Path
    pid: int = 0
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> Proc:
        """Start it (a new session, so `stop` can signal the whole group)."""
        self.cwd.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            out.write(f"\n===== {self.name}: {' '.join(self.argv)} =====\n".encode())
            out.flush()
            self.popen = subprocess.Popen(  # noqa: S603 - our own commands
                self.argv,
                env=self.env,
                cwd=self.cwd,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.pid = self.popen.pid
        return self

    @property
    def alive(self) -> bool:
        """True while the process runs (and is not a zombie of ours)."""
        if not self.pid:
            return False
        if self.popen is not None:
            return self.popen.poll() is None
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def signal_group(self, sig: int) -> None:
        """Send `sig` to the process group (the process and anything it started)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, sig)

    def kill9(self) -> None:
        """SIGKILL, as a crash or the OOM killer would; waits until it is gone."""
        self.signal_group(signal.SIGKILL)
        self.wait_gone(10)

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM to the group, SIGKILL after `grace` seconds."""
        if not self.pid:
            return
        self.signal_group(signal.SIGTERM)
        if not self.wait_gone(grace):
            self.signal_group(signal.SIGKILL)
            self.wait_gone(5)

    def wait_gone(self, timeout: float) -> bool:
        """Wait (reaping our child) until the process exited; False on timeout."""
        deadline = time.monotonic() + timeout
        while self.alive:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def log_tail(self, chars: int = 4000) -> str:
        """The end of the log."""
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"


@dataclass
class Cluster:
    """PostgreSQL + moto S3 + N `python app.py` + nginx, all on 127.0.0.1."""

    processes: int = 2
    workers: int = 1  # `avatar-creator worker` processes beside the web processes' own workers
    root: Path | None = None  # a fresh temp dir when None
    env: dict[str, str] = field(default_factory=dict)  # extra app settings (engine, fake HF, ...)
    database_url: str | None = None  # started with .ci/pg.sh when None
    port: int = 0  # nginx's port; a free one when 0
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    inherit_env: bool = False  # pass the caller's AVATAR_*/HF_* settings to the apps (the CLI)
    keep_root: bool = False
    apps: list[Proc] = field(default_factory=list)
    worker_procs: list[Proc] = field(default_factory=list)
    app_ports: list[int] = field(default_factory=list)
    moto: Proc | None = None
    nginx: Proc | None = None
    pg_base: Path | None = None
    s3_url: str = ""

    # ----- lifecycle -----
    def __enter__(self) -> Cluster:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """nginx's URL: what browsers use."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def app_urls(self) -> list[str]:
        """Each app process's own URL (behind nginx's back)."""
        return [f"http://127.0.0.1:{p}" for p in self.app_ports]

    @property
    def access_log(self) -> Path:
        """nginx's access log: one line per request with `upstream=HOST:PORT`."""
        return self.dir / "nginx" / "access.log"

    @property
    def dir(self) -> Path:
        """The cluster's directory (logs, data dirs, nginx runtime, PostgreSQL)."""
        assert self.root is not None, "not started"
        return self.root

    def start(self, timeout: float = 120.0) -> Cluster:
        """Start everything and wait until nginx answers /healthz."""
        if self.root is None:
            self.root = Path(tempfile.mkdtemp(prefix="avatar-cluster-"))
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o755)  # the postgres user and nginx's workers must reach their subdirs
        (self.root / "logs").mkdir(exist_ok=True)
        if self.database_url is None:
            self.database_url = self._start_postgres()
        self._start_moto(timeout)
        self.app_ports = [free_port() for _ in range(self.processes)]
        self._init()
        self.apps = [self._app_proc(i) for i in range(self.processes)]
        for proc in self.apps:
            proc.start()
        for proc, url in zip(self.apps, self.app_urls, strict=True):
            wait_http(f"{url}/healthz", proc, timeout)
        self.worker_procs = [self._worker_proc(i) for i in range(self.workers)]
        for proc in self.worker_procs:
            proc.start()
        self._start_nginx(timeout)
        self._write_state()
        return self

    def stop(self) -> None:
        """Stop nginx, the apps, moto and PostgreSQL (if started here); remove the directory."""
        for proc in [p for p in (self.nginx, *self.apps, *self.worker_procs, self.moto) if p is not None]:
            proc.stop(grace=10)
        if self.pg_base is not None:
            subprocess.run(
                ["bash", "-c", f". {PG_SH} && pg_stop"],
                env={
                    **os.environ,  # noqa: S603,S607
                    "PG_BASE": str(self.pg_base),
                },
                capture_output=True,
                check=False,
            )
            self.pg_base = None
        if self.root is not None and not self.keep_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def kill_app(self, index: int) -> None:
        """kill -9 one app process."""
        self.apps[index].kill9()

    def restart_app(self, index: int, timeout: float = 90.0) -> None:
        """Start app `index` again on its port (as a supervisor would) and wait for /healthz."""
        proc = self.apps[index]
        proc.stop(grace=5)
        proc.start()
        wait_http(f"{self.app_urls[index]}/healthz", proc, timeout)
        self._write_state()

    # ----- environment -----
    def app_env(self, index: int) -> dict[str, str]:
        """The environment of app process `index` (and of the CLI run against the cluster)."""
        if self.inherit_env:
            env = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
        else:
            env = {
                k: v
                for k, v in os.environ.items()
                if not k.startswith(SCRUBBED_PREFIXES) and k not in SCRUBBED
            }
        data_dir = self.dir / f"app{index}"
        env.setdefault("AVATAR_ENGINE", "local")
        env.update(
            AVATAR_DATA_DIR=str(data_dir),
            HF_HOME=str(data_dir / "hf-home"),
            GRADIO_ANALYTICS_ENABLED="False",
            HF_HUB_DISABLE_TELEMETRY="1",
            PYTHONUNBUFFERED="1",
        )
        env.update(self.env)
        assert self.database_url is not None
        env.update(
            DATABASE_URL=self.database_url,
            AVATAR_STORAGE_URL=f"s3://{BUCKET}/{PREFIX}",
            AWS_ENDPOINT_URL=self.s3_url,
            AWS_DEFAULT_REGION=REGION,
            AWS_ACCESS_KEY_ID=AWS_KEY,
            AWS_SECRET_ACCESS_KEY=AWS_KEY,
            AVATAR_SECRET_KEY=self.secret_key,
            AVATAR_TRUST_PROXY="1",
        )
        return env

    def cli(self, *args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
        """`avatar-creator ARGS` against the cluster's database and bucket."""
        env = self.app_env(0)
        Path(env["AVATAR_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
        return subprocess.run(  # noqa: S603 - our own interpreter
            [sys.executable, "-m", "avatar_core", *args],
            env=env,
            cwd=env["AVATAR_DATA_DIR"],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    # ----- the parts -----
    def _start_postgres(self) -> str:
        self.pg_base = self.dir / "pg"
        done = subprocess.run(  # noqa: S603,S607 - bash and our own script
            ["bash", "-c", f'. {PG_SH} && pg_start >&2 && printf %s "$DATABASE_URL"'],
            env={**os.environ, "PG_BASE": str(self.pg_base)},
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        if done.returncode != 0 or not done.stdout.startswith("postgresql"):
            raise RuntimeError(f"PostgreSQL did not start:\n{done.stdout}\n{done.stderr}")
        print(done.stderr.strip(), file=sys.stderr)
        return done.stdout

    def _start_moto(self, timeout: float) -> None:
        port = free_port()
        moto_server = Path(sys.executable).parent / "moto_server"
        argv = [str(moto_server)] if moto_server.exists() else [sys.executable, "-m", "moto.server"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self.moto = Proc(
            "moto-s3",
            [*argv, "-H", "127.0.0.1", "-p", str(port)],
            env,
            self.dir / "moto",
            self.dir / "logs" / "moto.log",
        ).start()
        self.s3_url = f"http://127.0.0.1:{port}"
        wait_http(f"{self.s3_url}/moto-api/", self.moto, timeout, ok=range(200, 500))
        import boto3

        boto3.client(
            "s3",
            endpoint_url=self.s3_url,
            region_name=REGION,
            aws_access_key_id=AWS_KEY,
            aws_secret_access_key=AWS_KEY,
        ).create_bucket(Bucket=BUCKET)

    def _init(self) -> None:
        done = self.cli("init")
        if done.returncode != 0:
            raise RuntimeError(f"avatar-creator init failed:\n{done.stdout}\n{done.stderr}")

    def _app_proc(self, index: int) -> Proc:
        argv = [
            sys.executable,
            str(ROOT / "app.py"),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.app_ports[index]),
        ]
        env = self.app_env(index)
        return Proc(
            f"app{index}", argv, env, Path(env["AVATAR_DATA_DIR"]), self.dir / "logs" / f"app{index}.log"
        )

    def _worker_proc(self, index: int) -> Proc:
        """`avatar-creator worker` (its own data dir; the database and S3 are shared)."""
        env = self.app_env(self.processes + index)
        argv = [sys.executable, "-m", "avatar_core", "worker", "--drain", "30"]
        return Proc(
            f"worker{index}",
            argv,
            env,
            Path(env["AVATAR_DATA_DIR"]),
            self.dir / "logs" / f"worker{index}.log",
        )

    def _start_nginx(self, timeout: float) -> None:
        runtime = self.dir / "nginx"
        runtime.mkdir(parents=True, exist_ok=True)  # nginx creates its *_temp dirs inside
        runtime.chmod(0o755)
        if not self.port:
            self.port = free_port()
        max_mb = int(self.app_env(0).get("AVATAR_MAX_UPLOAD_MB") or 10)  # what the apps accept
        conf = runtime / "nginx.conf"
        conf.write_text(
            render_nginx(
                [f"127.0.0.1:{p}" for p in self.app_ports], f"127.0.0.1:{self.port}", runtime, max_mb
            )
        )
        argv = [
            nginx_binary(),
            "-p",
            str(runtime),
            "-c",
            str(conf),
            "-e",
            str(runtime / "error.log"),
            "-g",
            "daemon off;",
        ]
        self.nginx = Proc("nginx", argv, dict(os.environ), runtime, self.dir / "logs" / "nginx.log").start()
        wait_http(f"{self.url}/healthz", self.nginx, timeout)

    def _write_state(self) -> None:
        procs = [p for p in (self.nginx, *self.apps, *self.worker_procs, self.moto) if p is not None]
        state = {
            "url": self.url,
            "apps": self.app_urls,
            "s3": self.s3_url,
            "database_url": self.database_url,
            "pg_base": str(self.pg_base or ""),
            "pids": {p.name: p.pid for p in procs},
        }
        (self.dir / "state.json").write_text(json.dumps(state, indent=2))


class GenerateClient:
    """Gradio's queue protocol by hand for the generate event, with a session cookie.

    What a browser tab does (join, then the event stream), without gradio_client's polling. The
    event's inputs are read from /config (each component's default, the prompt filled in), so it
    keeps working when the UI gains inputs.
    """

    def __init__(self, url: str, cookie: str, config: dict[str, Any] | None = None) -> None:
        import httpx

        self.http = httpx.Client(
            base_url=url,
            headers={"Cookie": f"avatar_session={cookie}"},
            timeout=httpx.Timeout(300, connect=10),
        )
        if config is None:
            response = self.http.get("/config")
            response.raise_for_status()
            config = response.json()
        self.config = config
        components = {c["id"]: c.get("props", {}) for c in config["components"]}
        [event] = [d for d in config["dependencies"] if d.get("api_name") == "generate"]
        self.fn_index = event["id"]
        self.inputs = [components.get(i, {}) for i in event["inputs"]]
        self.session = uuid.uuid4().hex[:12]  # one per client, like a browser tab

    def generate(self, prompt: str) -> dict[str, Any]:
        """Run one generation to its end; the result record (`status`, `generation_id`, ...)."""
        session = self.session
        data = [prompt if p.get("label") == "Prompt" else p.get("value") for p in self.inputs]
        joined = self.http.post(
            "/gradio_api/queue/join",
            json={
                "data": data,
                "fn_index": self.fn_index,
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
                        raise RuntimeError(f"generate failed: {msg.get('output')}")
                    return dict(msg["output"]["data"][-1])
        raise RuntimeError("the event stream ended without a result")

    def close(self) -> None:
        """Close the HTTP client."""
        self.http.close()


# ----- command line -----
def stop_from_state(root: Path) -> int:
    """Stop a cluster started by `start` in another process, from its state file."""
    state_file = root / "state.json"
    if not state_file.is_file():
        print(f"no cluster in {root}")
        return 0
    state = json.loads(state_file.read_text())
    for name, pid in state["pids"].items():
        proc = Proc(name, [], {}, root, root / "logs" / f"{name}.log", pid=int(pid))
        proc.stop(grace=10)
        print(f"stopped {name} (pid {pid})")
    if state.get("pg_base"):
        subprocess.run(
            ["bash", "-c", f". {PG_SH} && pg_stop"],  # noqa: S603,S607
            env={**os.environ, "PG_BASE": state["pg_base"]},
            check=False,
        )
        print("stopped PostgreSQL")
    shutil.rmtree(root, ignore_errors=True)
    return 0


def summary(cluster: Cluster) -> str:
    """What runs where, for people."""
    lines = [f"Avatar Creator cluster: {cluster.url}  (nginx, sticky on the avatar_session cookie)"]
    lines += [
        f"  app{i}: {u}  log {cluster.dir / 'logs' / f'app{i}.log'}" for i, u in enumerate(cluster.app_urls)
    ]
    lines += [f"  worker{i}: log {cluster.dir / 'logs' / f'worker{i}.log'}" for i in range(cluster.workers)]
    lines += [
        f"  S3 (moto): {cluster.s3_url}  bucket s3://{BUCKET}/{PREFIX}",
        f"  PostgreSQL: {cluster.database_url}",
        f"  nginx access log: {cluster.access_log}",
        f"  state: {cluster.dir / 'state.json'}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """start | stop | run | render."""
    parser = argparse.ArgumentParser(
        prog="scripts/cluster.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("start", "run"):
        where = "in the background" if name == "start" else "in the foreground"
        p = sub.add_parser(name, help=f"{name} the cluster {where}")
        p.add_argument("--processes", type=int, default=2, help="app processes (default 2)")
        p.add_argument("--workers", type=int, default=1, help="separate worker processes (default 1)")
        p.add_argument(
            "--port",
            type=int,
            default=int(os.environ.get("AVATAR_CLUSTER_PORT", 8080)),
            help="nginx port on 127.0.0.1 (default 8080 or AVATAR_CLUSTER_PORT)",
        )
        p.add_argument("--dir", type=Path, default=DEFAULT_DIR, help=f"state dir (default {DEFAULT_DIR})")
    stop = sub.add_parser("stop", help="stop a cluster started with `start`")
    stop.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    render = sub.add_parser("render", help="print the nginx configuration for your servers")
    render.add_argument("--app", action="append", required=True, help="HOST:PORT of an app process")
    render.add_argument("--listen", default="80")
    render.add_argument("--runtime-dir", type=Path, default=Path("/var/lib/nginx/avatar"))
    render.add_argument("--max-upload-mb", type=int, default=10)
    args = parser.parse_args(argv)

    if args.command == "render":
        print(render_nginx(args.app, args.listen, args.runtime_dir, args.max_upload_mb), end="")
        return 0
    if args.command == "stop":
        return stop_from_state(args.dir)
    if (args.dir / "state.json").is_file():
        print(f"a cluster already runs from {args.dir}: `make cluster-stop` first", file=sys.stderr)
        return 1
    if args.dir.exists():
        shutil.rmtree(args.dir)
    cluster = Cluster(
        processes=args.processes,
        workers=args.workers,
        root=args.dir,
        port=args.port,
        inherit_env=True,
        secret_key=os.environ.get("AVATAR_SECRET_KEY") or secrets.token_urlsafe(48),
        keep_root=args.command == "start",
    )
    try:
        cluster.start()
    except BaseException:
        cluster.keep_root = False
        cluster.stop()
        raise
    print(summary(cluster), flush=True)
    if args.command == "start":
        print("stop it with `make cluster-stop`")
        return 0
    stopped = []
    signal.signal(signal.SIGTERM, lambda *_: stopped.append(1))
    try:
        while not stopped:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    cluster.stop()
    print("cluster stopped")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
