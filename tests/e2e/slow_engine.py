"""An engine that renders like the offline one, optionally slowly (progress and layout tests)."""

from __future__ import annotations

import threading
import time

from avatar_core.engines.base import Engine, Plan, RenderRequest, RenderResult, RouteTarget
from avatar_core.engines.offline.engine import LocalEngine


class SlowEngine(Engine):
    """Implements `Engine`: the offline one, slowed down by `delay` seconds per render (0 by default)."""

    name = "local"
    offline = True

    def __init__(self, delay: float = 0.0) -> None:
        self.inner = LocalEngine()
        self.delay = delay
        self.started = threading.Event()

    def plan(self, target: RouteTarget) -> Plan:
        """The offline engine's plan."""
        return self.inner.plan(target)

    def render(self, request: RenderRequest, *, deadline: float) -> RenderResult:
        """Sleep `delay` seconds, then draw the offline preview."""
        self.started.set()
        time.sleep(self.delay)
        return self.inner.render(request, deadline=deadline)


class GatedEngine(SlowEngine):
    """Implements `Engine`: the offline one, but a render whose prompt contains `hold` (every
    render by default) waits until the test sets `gate`; counts renders, sets `started`."""

    def __init__(self, hold: str = "") -> None:
        super().__init__()
        self.hold, self.gate, self.renders = hold, threading.Event(), 0

    def render(self, request: RenderRequest, *, deadline: float) -> RenderResult:
        """Wait for the gate (held prompts only), then draw the offline preview."""
        self.renders += 1
        self.started.set()
        if self.hold in request.prompt:
            self.gate.wait(60)
        return self.inner.render(request, deadline=deadline)
