"""Waiting for generations that workers run: results handed over in-process, or read back.

A worker in this process hands its result (and each stage) to the waiter directly; a worker in
another process is seen through the database (the generation's status, the job's queue position),
read every half second. Only generations someone waits on are kept here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection

from sqlalchemy import select

from avatar_core.domain.errors import NotFound
from avatar_core.domain.status import FINISHED
from avatar_core.infra.db import Database
from avatar_core.infra.models import Generation, User
from avatar_core.jobs.queue import JobQueue
from avatar_core.services.generation_result import GenerationResult, result_of

Progress = Callable[[str, float], None]
READ_EVERY = 0.5  # seconds between database reads while waiting
UNREAD = object()  # the queue position before the first read


class Waits:
    """The generations this process's callers wait on, and what has been heard of them."""

    def __init__(self, db: Database, queue: JobQueue, clock: Callable[[], float] = time.monotonic) -> None:
        self.db, self.queue, self.clock = db, queue, clock
        self._cond = threading.Condition()
        self._waiting: dict[int, int] = {}  # generation id -> waiters
        self._results: dict[int, GenerationResult] = {}
        self._stages: dict[int, tuple[str, float]] = {}

    def deliver(self, result: GenerationResult) -> None:
        """A worker of this process settled a generation."""
        with self._cond:
            if result.generation_id in self._waiting:
                self._results[result.generation_id] = result
                self._cond.notify_all()

    def stage(self, generation_id: int, text: str, fraction: float) -> None:
        """A worker of this process reached a stage of a generation (kept while it runs, so a
        caller that starts listening late, or a reloaded page, still hears where it is)."""
        with self._cond:
            self._stages[generation_id] = (text, fraction)
            self._cond.notify_all()

    def ended(self, generation_id: int) -> None:
        """A worker of this process is done with a generation (its stages are forgotten)."""
        with self._cond:
            if generation_id not in self._waiting:
                self._stages.pop(generation_id, None)

    def wait(
        self,
        user_id: int,
        ids: Collection[int],
        progress: Progress,
        timeout: float,
        listening: Callable[[], None] | None = None,
    ) -> list[GenerationResult]:
        """The results of `ids` (the user's) once all are settled, or as they stand at `timeout`;
        `listening` is called once this waiter hears this process's workers."""
        order, stop = list(ids), self.clock() + timeout
        with self._cond:
            for gen_id in order:
                self._waiting[gen_id] = self._waiting.get(gen_id, 0) + 1
        try:
            if listening is not None:
                listening()
            done: dict[int, GenerationResult] = {}
            # This process's workers hand results over; the database is read for the others'.
            next_read, ahead = self.clock() + (READ_EVERY if timeout else 0.0), UNREAD
            seen: dict[object, object] = {}
            while True:
                with self._cond:
                    for gen_id in order:
                        if gen_id in self._results:
                            done[gen_id] = self._results[gen_id]
                    stages = {g: self._stages.get(g) for g in order}
                pending = [g for g in order if g not in done]
                late = self.clock() >= stop
                if pending and (self.clock() >= next_read or late):
                    done.update(self._read(user_id, pending, finished_only=not late))
                    next_read = self.clock() + READ_EVERY
                    pending = [g for g in order if g not in done]
                    ahead = self.queue.position(pending[0]) if pending else None
                if not pending:
                    return [done[g] for g in order]
                self._report(pending, order, stages, ahead, seen, progress)
                with self._cond:
                    self._cond.wait(0.1)
        finally:
            self._forget(order)

    def _read(self, user_id: int, ids: list[int], *, finished_only: bool) -> dict[int, GenerationResult]:
        with self.db.read() as session:
            rows = session.scalars(select(Generation).where(Generation.id.in_(ids))).all()
            balance = int(session.scalar(select(User.balance).where(User.id == user_id)) or 0)
        if len(rows) != len(ids) or any(r.user_id != user_id for r in rows):
            raise NotFound("No such generation.")
        return {r.id: result_of(r, balance) for r in rows if r.status in FINISHED or not finished_only}

    @staticmethod
    def _report(
        pending: list[int],
        order: list[int],
        stages: dict[int, tuple[str, float] | None],
        ahead: int | None | object,
        seen: dict[object, object],
        progress: Progress,
    ) -> None:
        """Tell the caller what changed: an image's new stage, or the first one's place in the
        queue (each said once, so a time-based progress line is not restarted)."""
        for gen_id in pending:
            stage = stages.get(gen_id)
            if stage is None or seen.get(gen_id) == stage:
                continue
            seen[gen_id] = stage
            fractions: dict[int, float] = seen.setdefault("fractions", {})  # type: ignore[assignment]
            fractions[gen_id] = stage[1]
            prefix = f"Image {order.index(gen_id) + 1} of {len(order)}: " if len(order) > 1 else ""
            progress(prefix + stage[0], sum(fractions.values()) / len(order))
        if stages.get(pending[0]) is not None or ahead is UNREAD or seen.get("ahead", UNREAD) == ahead:
            return
        seen["ahead"] = ahead
        if isinstance(ahead, int):
            progress(f"Waiting in the queue: {ahead} ahead" if ahead else "Next in the queue", 0.02)
        else:  # no longer queued, and no stage heard here: a worker of another process runs it
            progress("Generating", 0.1)

    def _forget(self, ids: list[int]) -> None:
        with self._cond:
            for gen_id in ids:
                left = self._waiting.get(gen_id, 1) - 1
                if left <= 0:
                    self._waiting.pop(gen_id, None)
                    self._results.pop(gen_id, None)
                    self._stages.pop(gen_id, None)
                else:
                    self._waiting[gen_id] = left
