"""Readable, time-based progress for a running generation."""

from __future__ import annotations

import contextlib
import contextvars
import re
import threading
import time
from collections.abc import Callable
from typing import Any


class Ticker:
    """One daemon thread per process that calls every running clock's tick each `period` seconds.

    A thread per generation cost a thread start and an extra progress message each (32 users at
    once: 32 threads); this one sleeps while no generation runs.
    """

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._jobs: dict[int, tuple[float, float, Callable[[], None]]] = {}  # id -> (next, period, fn)
        self._thread: threading.Thread | None = None

    def add(self, period: float, fn: Callable[[], None]) -> int:
        """Call `fn` every `period` seconds, from `period` on, until `remove`; a handle for that."""
        with self._lock:
            handle = id(fn)
            self._jobs[handle] = (time.monotonic() + period, period, fn)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="stage-clock", daemon=True)
                self._thread.start()
            self._lock.notify()
            return handle

    def remove(self, handle: int) -> None:
        """Stop calling the job (a tick already under way finishes)."""
        with self._lock:
            self._jobs.pop(handle, None)

    def _loop(self) -> None:
        while True:
            with self._lock:
                while not self._jobs:
                    self._lock.wait()
                now = time.monotonic()
                due = [(h, job) for h, job in self._jobs.items() if job[0] <= now]
                for handle, (_when, period, fn) in due:
                    self._jobs[handle] = (now + period, period, fn)
                if not due:
                    self._lock.wait(min(job[0] for job in self._jobs.values()) - now)
                    continue
            for _handle, (_when, _period, fn) in due:
                with contextlib.suppress(Exception):  # a closed event must not break the others
                    fn()


TICKER = Ticker()


class StageClock:
    """Turns the service's stages into a readable, time-based progress line.

    While the model runs, a ticker reports "Generating with X · 12 s of about 30 s" every second
    with a bar that follows the elapsed time (capped below the end until the image is saved).
    """

    EXPECTED = re.compile(r"^Generating with (?P<name>.+) \(about (?P<seconds>\d+) s\)$")

    def __init__(self, progress: Callable[..., Any], tick: float = 1.0, ticker: Ticker = TICKER) -> None:
        self.progress, self.tick, self.ticker = progress, tick, ticker
        self.handle: int | None = None
        self.lock = threading.Lock()  # a tick never reports after (or while) the next stage does

    def __enter__(self) -> StageClock:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop()

    def _stop(self) -> None:
        with self.lock:
            if self.handle is not None:
                self.ticker.remove(self.handle)
                self.handle = None

    def report(self, stage: str, fraction: float) -> None:
        """The service's progress callback."""
        match = self.EXPECTED.match(stage)
        if match is None:
            self._stop()
            self.progress(fraction, desc=stage)
            return
        name, expected = match["name"], max(1, int(match["seconds"]))
        started = time.monotonic()
        context = contextvars.copy_context()  # Gradio finds the event's progress in a contextvar

        def tick() -> None:
            elapsed = time.monotonic() - started
            share = min(elapsed / expected, 0.95)
            desc = f"Generating with {name} · {elapsed:.0f} s of about {expected} s"
            with self.lock:
                if self.handle is not None:
                    context.run(self.progress, fraction + (0.9 - fraction) * share, desc=desc)

        self._stop()
        self.progress(fraction, desc=f"Generating with {name} · about {expected} s")
        with self.lock:
            self.handle = self.ticker.add(self.tick, tick)
