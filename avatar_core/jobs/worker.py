"""A worker: claims jobs and runs each in a slot of its own, renewing their leases; drains on stop.

One dispatcher thread claims while a slot is free (woken at once by an enqueue in this process,
else polling every `poll` s); a heartbeat thread renews the leases of what it holds every
lease / 3 s and tells a run whose claim was lost (cancelled, or taken over) through its hooks.
`only` restricts it to given jobs (a CLI run, or a service with no worker of its own).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Iterable

from avatar_core.jobs.queue import Claim, JobQueue

log = logging.getLogger("avatar_core.jobs")


class JobHooks:
    """A run's line back to its job (engines.base.RenderHooks): commits stages, hears of loss."""

    def __init__(self, queue: JobQueue, claim: Claim) -> None:
        self.queue, self.claim, self.lost = queue, claim, threading.Event()

    def submitting(self) -> None:
        """A paid request is about to be sent: committed first (a takeover then refunds)."""
        self.queue.mark(self.claim, "submitting")

    def submitted(self, ref: str) -> None:
        """The provider's request id: committed before waiting (a takeover resumes it)."""
        self.queue.mark(self.claim, "waiting", ref)

    def cancelled(self) -> bool:
        """True once this worker no longer holds the job."""
        return self.lost.is_set()


Run = Callable[[Claim, JobHooks], None]


class Worker:
    """Runs claimed jobs with `run`, at most `slots` at once."""

    def __init__(
        self,
        queue: JobQueue,
        run: Run,
        *,
        slots: int = 8,
        poll: float = 1.0,
        only: Collection[int] | None = None,
        sweeps: Iterable[Callable[[], object]] = (),
        sweep_every: float = 10.0,
        idle_exit: float | None = None,
        name: str = "worker",
    ) -> None:
        self.queue, self.run, self.slots, self.poll = queue, run, slots, poll
        self.only = set(only) if only is not None else None
        self.sweeps, self.sweep_every, self.name = tuple(sweeps), sweep_every, name
        self.idle_exit = idle_exit  # stop after this long with nothing to do (a lazily started one)
        self._held: dict[int, JobHooks] = {}
        self._lock = threading.Lock()
        self._wake, self._stopping, self._idle = threading.Event(), threading.Event(), threading.Event()
        self._claimed: set[int | None] = set()

    @property
    def running(self) -> int:
        """Jobs this worker is running now."""
        with self._lock:
            return len(self._held)

    @property
    def alive(self) -> bool:
        """True while the worker claims jobs."""
        return not self._stopping.is_set()

    def start(self) -> Worker:
        """Start the dispatcher and heartbeat threads (daemons)."""
        for target, part in ((self._dispatch, "dispatch"), (self._beat, "heartbeat")):
            threading.Thread(target=target, name=f"{self.name}-{part}", daemon=True).start()
        return self

    def wake(self) -> None:
        """Look for work now (a job was just enqueued)."""
        self._wake.set()

    def stop(self, drain: bool = True, timeout: float | None = None) -> bool:
        """Claim nothing more; with `drain`, wait for the running jobs to end. True when none runs."""
        self._stopping.set()
        self._wake.set()
        self._idle_if_done()
        if drain:
            self._idle.wait(timeout)
        return self.running == 0

    def _idle_if_done(self) -> None:
        """Stopped and running nothing: the heartbeat may end too (it renews while a job drains)."""
        with self._lock:
            if not self._held and self._stopping.is_set():
                self._idle.set()

    def _claim(self) -> Claim | None:
        try:
            return self.queue.claim(self.only)
        except Exception:  # noqa: BLE001 - the database may be away for a moment: retry
            log.warning("jobs.claim_failed worker=%s", self.name, exc_info=True)
            return None

    def _dispatch(self) -> None:
        idle_since = time.monotonic()
        while not self._stopping.is_set():
            if self.only is not None and self.only <= self._claimed:
                break  # every job it was started for is claimed: nothing more to look for
            claim = self._claim() if self.running < self.slots else None
            if claim is None and self.running:
                idle_since = time.monotonic()
            elif (
                claim is None
                and self.idle_exit is not None
                and time.monotonic() - idle_since > self.idle_exit
            ):
                self._stopping.set()  # seen by ensure_worker from now on; then one last look
                claim = self._claim()
                if claim is None:
                    break
                self._stopping.clear()
            if claim is None:
                self._wake.wait(self.poll)
                self._wake.clear()
                continue
            idle_since = time.monotonic()
            hooks = JobHooks(self.queue, claim)
            self._claimed.add(claim.generation_id)
            with self._lock:
                self._held[claim.job_id] = hooks
                self._idle.clear()
            threading.Thread(
                target=self._slot, args=(claim, hooks), name=f"{self.name}-job", daemon=True
            ).start()
        self._idle_if_done()

    def _slot(self, claim: Claim, hooks: JobHooks) -> None:
        try:
            self.run(claim, hooks)
        except Exception:  # noqa: BLE001 - the run settles its own failures; this is a bug
            log.exception("jobs.run_crashed job=%s", claim.job_id)
        finally:
            with self._lock:
                self._held.pop(claim.job_id, None)
            self._idle_if_done()
            self._wake.set()

    def _beat(self) -> None:
        every, since_sweep = self.queue.lease / 3, 0.0
        while not self._idle.wait(every):  # until stopped and drained: a draining job keeps its lease
            with self._lock:
                held = list(self._held.values())
            try:
                for job_id in self.queue.renew([h.claim for h in held]):
                    next(h for h in held if h.claim.job_id == job_id).lost.set()
            except Exception:  # noqa: BLE001 - retried at the next beat
                log.warning("jobs.renew_failed worker=%s", self.name, exc_info=True)
            since_sweep += every
            if since_sweep >= self.sweep_every:
                since_sweep = 0.0
                self._sweep()

    def _sweep(self) -> None:
        for sweep in self.sweeps:
            try:
                sweep()
            except Exception:  # noqa: BLE001 - keep sweeping; the next round retries
                log.exception("jobs.sweep_failed worker=%s", self.name)
