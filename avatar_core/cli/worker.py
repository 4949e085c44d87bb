"""`avatar-creator worker`: run queued jobs (generations) in this process until SIGTERM/SIGINT.

The web process runs a worker of its own (AVATAR_WORKER_SLOTS, 0 for none); a cluster runs
these beside its web processes, as many as the providers' waiting needs (docs/scaling.md). On
SIGTERM it claims nothing more and waits up to --drain seconds for what it runs (a job still
running then is taken over by another worker when its lease runs out, and resumed).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from typing import Any

from avatar_core.bootstrap import App

DESCRIPTION = __doc__.split("\n\n", 1)[1] if __doc__ else ""


def add_worker_parser(sub: Any) -> None:
    """The `worker` command."""
    c = sub.add_parser("worker", help="run queued generations (a worker process)", description=DESCRIPTION)
    c.add_argument("--slots", type=int, default=32, help="jobs run at once (default 32)")
    c.add_argument("--drain", type=float, default=120.0, help="seconds to finish running jobs on stop (120)")
    c.add_argument("--poll", type=float, default=1.0, help="seconds between looks at an empty queue (1)")
    c.set_defaults(run=cmd_worker)


def cmd_worker(app: App, args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    if args.slots < 1 or args.poll <= 0 or args.drain < 0:
        print("error: --slots must be at least 1, --poll positive and --drain not negative.", file=sys.stderr)
        return 1
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda _n, _f: stop.set())
    worker = app.generations.start_worker(args.slots, poll=args.poll)
    print(
        f"worker: {args.slots} slots on {app.db.engine.url.render_as_string(hide_password=True)}", flush=True
    )
    stop.wait()
    print(f"worker: draining {worker.running} running job(s) for up to {args.drain:g} s", flush=True)
    drained = worker.stop(drain=True, timeout=args.drain)
    print("worker: stopped" if drained else "worker: stopped with jobs left to take over", flush=True)
    return 0
