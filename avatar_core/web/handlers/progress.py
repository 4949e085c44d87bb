"""Readable, time-based progress for a running generation."""

from __future__ import annotations

import contextlib
import contextvars
import re
import threading
import time
from collections.abc import Callable
from typing import Any


class StageClock:
    """Turns the service's stages into a readable, time-based progress line.

    While the model runs, a ticker reports "Generating with X · 12 s of about 30 s" every second
    with a bar that follows the elapsed time (capped below the end until the image is saved).
    """

    EXPECTED = re.compile(r"^Generating with (?P<name>.+) \(about (?P<seconds>\d+) s\)$")

    def __init__(self, progress: Callable[..., Any], tick: float = 1.0) -> None:
        self.progress, self.tick = progress, tick
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def __enter__(self) -> StageClock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout=2)

    def report(self, stage: str, fraction: float) -> None:
        """The service's progress callback."""
        match = self.EXPECTED.match(stage)
        if match is None:
            self.stop.set()
            self.progress(fraction, desc=stage)
            return
        name, expected = match["name"], max(1, int(match["seconds"]))
        started = time.monotonic()

        def run() -> None:
            while True:
                elapsed = time.monotonic() - started
                share = min(elapsed / expected, 0.95)
                with contextlib.suppress(Exception):  # a closed event must not break the render
                    self.progress(
                        fraction + (0.9 - fraction) * share,
                        desc=f"Generating with {name} · {elapsed:.0f} s of about {expected} s",
                    )
                if self.stop.wait(self.tick):
                    return

        self.progress(fraction, desc=f"Generating with {name} · about {expected} s")
        context = contextvars.copy_context()  # Gradio finds the event's progress in a contextvar
        self.thread = threading.Thread(target=context.run, args=(run,), name="stage-clock", daemon=True)
        self.thread.start()
