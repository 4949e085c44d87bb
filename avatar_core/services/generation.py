"""The generation use case: select, reserve, render, store, then capture or refund exactly once."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from avatar_core.domain.aspects import Aspect, parse_aspect
from avatar_core.domain.errors import NotFound, ValidationError
from avatar_core.domain.presets_data import PresetData
from avatar_core.domain.selection import ModelSpec, Selection, price_for
from avatar_core.engines.base import Engine, EngineError, Plan, RenderResult, RouteTarget
from avatar_core.engines.hf_session import widen
from avatar_core.infra.db import Database
from avatar_core.infra.metrics import Metrics
from avatar_core.infra.models import User
from avatar_core.infra.storage import ImageStore
from avatar_core.jobs.queue import LEASE, JobQueue
from avatar_core.jobs.worker import Worker
from avatar_core.services.auth import UserInfo
from avatar_core.services.catalog import Catalog, list_models
from avatar_core.services.experiments import ExperimentView, active_for
from avatar_core.services.generation_attempt import Attempt, Opened, render_request
from avatar_core.services.generation_batch import Batches
from avatar_core.services.generation_choice import (
    arm_choice,
    choose,
    fallback,
    named_preset,
    offered_aspects,
    servable,
)
from avatar_core.services.generation_jobs import (
    JobRunner,
    cancel,
    cancel_all,
    in_progress,
    latest_finished,
    recover_jobless,
)
from avatar_core.services.generation_request import (
    MAX_SEED,
    Draft,
    GenerationRequest,
    Replay,
    Source,
    printable,
    validate,
)
from avatar_core.services.generation_result import GenerationResult
from avatar_core.services.generation_run import Attempts, fields
from avatar_core.services.generation_waits import Waits
from avatar_core.services.photos import PhotoService

__all__ = ["GenerationRequest", "GenerationResult", "GenerationService", "Replay", "printable", "validate"]

log = logging.getLogger("avatar_core.services.generation")
Progress = Callable[[str, float], None]
Sold = list[ModelSpec] | Callable[[], list[ModelSpec]]


class GenerationService:
    """Turns a request into an avatar; the engine runs outside any transaction."""

    def __init__(
        self,
        db: Database,
        catalog: Catalog,
        engine: Engine,
        store: ImageStore,
        deadline: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        photos: PhotoService | None = None,
        metrics: Metrics | None = None,
        admit: Callable[[Session, User], None] | None = None,
        lease: float = LEASE,
        user_concurrency: int = 4,
        priorities: dict[str, int] | None = None,
    ) -> None:
        self.db, self.catalog, self.engine, self.store = db, catalog, engine, store
        self.deadline, self.clock, self.photos, self.metrics = deadline, clock, photos, metrics
        self.admit = admit  # called under the user lock before a charge (per-user concurrency)
        self.priorities = priorities or {}  # a tier's jobs are claimed first when higher
        self.queue = JobQueue(db, lease=lease, user_concurrency=user_concurrency)
        self.waits = Waits(db, self.queue, clock)  # callers waiting on workers' results
        self.runner = JobRunner(self)
        self.worker: Worker | None = None  # this process's worker, when it runs one
        self.elsewhere = False  # True: only other processes' workers run jobs (AVATAR_WORKER_SLOTS=0)
        self.attempts = Attempts(self)
        self.batches = Batches(self)  # several images per click, variations

    def generate(
        self, user: UserInfo, request: GenerationRequest, progress: Progress | None = None
    ) -> GenerationResult:
        """Run one generation for `user`; bad input raises before anything is charged."""
        opened = self.open(user, [request])
        if opened.replayed is not None:
            return opened.replayed
        return self.run(opened, progress)[0]

    def run(self, opened: Opened, progress: Progress | None = None) -> list[GenerationResult]:
        """Wait for this process's worker (or one started for just these: CLI, tests) to run them."""
        ids = [a.gen_id for a in opened.attempts]
        report = progress or (lambda _stage, _fraction: None)
        own: list[Worker] = []

        def start() -> None:  # once the waiter listens: a fast worker's result is not missed
            if self.worker is not None:
                self.worker.wake()
            elif not self.elsewhere:
                own.append(Worker(self.queue, self.runner, slots=len(ids), poll=0.05, only=ids, name="here"))
                own[0].start()

        try:
            results = self.waits.wait(opened.attempts[0].user_id, ids, report, self.deadline + 60, start)
        finally:
            for worker in own:
                worker.stop(drain=False)
        # What a quote for the same request answers now, known when it was opened (no re-read).
        return [
            replace(r, quote=a.quote, sold=a.sold, tier=a.tier)
            for r, a in zip(results, opened.attempts, strict=True)
        ]

    def start_worker(self, slots: int = 32, poll: float = 1.0) -> Worker:
        """A worker in this process (web app, `avatar-creator worker`): every job, and the sweeps."""
        sweeps = [self.recover_stale] + ([self.photos.purge] if self.photos is not None else [])
        widen(slots + 16)  # huggingface_hub's client: a connection per slot, and some for the rest
        self.worker = Worker(self.queue, self.runner, slots=slots, poll=poll, sweeps=sweeps).start()
        return self.worker

    def close(self, timeout: float = 10.0) -> None:
        """Stop this process's worker (a closed app must not claim jobs), `timeout` to drain."""
        if self.worker is not None:
            self.worker.stop(drain=True, timeout=timeout)
            self.worker = None

    def cancel(self, user: UserInfo, generation_id: int) -> GenerationResult:
        """Cancel one of the user's queued or running generations (refunded); its result."""
        cancel(self.db, user.id, generation_id)
        return self.result(user.id, generation_id)

    def cancel_all(self, user: UserInfo) -> int:
        """Cancel every generation of the user's still queued or running; how many."""
        return cancel_all(self.db, user.id)

    def in_progress(self, user_id: int) -> list[int]:
        """The user's generations still queued or running (a reloaded page follows them)."""
        return in_progress(self.db, user_id)

    def recent(self, user_id: int, within: float = 900.0) -> list[int]:
        """The user's newest avatar of the last `within` seconds (it may have ended after the tab closed)."""
        return latest_finished(self.db, user_id, within)

    def wait_for(
        self, user_id: int, ids: list[int], progress: Progress | None = None
    ) -> list[GenerationResult]:
        """The results of the user's generations `ids`, once settled (reporting their stages)."""
        return self.waits.wait(user_id, ids, progress or (lambda _s, _f: None), self.deadline + 60)

    def submit(self, user: UserInfo, request: GenerationRequest) -> int:
        """Reserve and queue one generation, not waiting (REST's 202); its id (or a replay's)."""
        opened = self.open(user, [request], wait_replay=False)
        if opened.replayed is not None:
            return opened.replayed.generation_id
        self.ensure_worker()
        return opened.attempts[0].gen_id

    def ensure_worker(self) -> None:
        """Someone must run queued jobs: a process without a worker starts one (gone after 60 s idle)."""
        if self.elsewhere:
            return
        if self.worker is None or not self.worker.alive:
            self.worker = Worker(self.queue, self.runner, slots=8, poll=0.2, idle_exit=60.0).start()
        self.worker.wake()

    def open(self, user: UserInfo, requests: list[GenerationRequest], wait_replay: bool = True) -> Opened:
        """Check the requests (one click's images), then reserve them all in one transaction; bad
        input, or a balance short of them all, raises before anything is charged."""
        first = requests[0]
        checked = [validate(request) for request in requests]  # (text, seed) each
        preset, rows, _tier, _experiment = self._context(first)
        source = self._source(user.id, first)
        items = []
        for request, (text, seed) in zip(requests, checked, strict=True):
            seed = secrets.randbelow(MAX_SEED + 1) if seed is None else seed
            items.append((request, Draft(text, preset, seed, source)))
        models = servable(rows, self.plan, first.model, first.from_photo, first.aspect)
        try:
            return Opened(self.attempts.open_many(user.id, items, models), models)
        except Replay as replay:  # an idempotent request seen before: its first answer
            return Opened([], models, self.result(user.id, replay.generation_id, wait=wait_replay))

    def finish(self, attempt: Attempt, models: Sold, progress: Progress | None = None) -> GenerationResult:
        """Render an opened attempt, store it and settle it (captured or refunded, exactly once);
        `models` (the catalog as sold, for a fallback) may be a function, called only if needed."""
        report = progress or (lambda _stage, _fraction: None)
        model = attempt.model
        report(f"Generating with {model.name} (about {model.expected_seconds} s)", 0.1)
        attempt = replace(attempt, started=self.clock())
        ran = self._run(attempt, models)
        if isinstance(ran, GenerationResult):
            return ran
        report("Saving", 0.9)
        return self.attempts.complete(*ran)

    def _run(self, attempt: Attempt, models: Sold) -> tuple[Attempt, RenderResult] | GenerationResult:
        """Render the attempt (and its catalog fallback once, if the provider refuses the row)."""
        try:
            return attempt, self._render(attempt)
        except EngineError as err:
            sold = models() if callable(models) else models
            alternative = fallback(err, sold, attempt.model, attempt.tier)
            if alternative is None:
                return self.attempts.fail(attempt, err.user_message, err.detail, err.kind)
            note = f"{attempt.model.name} was refused ({err.status}); fell back to {alternative.name}"
            moved = fields(generation=attempt.gen_id, model=alternative.model_key, status=err.status)
            log.info("generation.fallback %s", moved)
            charged = min(price_for(alternative, attempt.tier), attempt.selection.price)
            render = render_request(attempt.draft, alternative, self.plan(alternative))
            attempt = attempt.fall_back(alternative, charged, render, note)
            try:
                return attempt, self._render(attempt)
            except EngineError as err2:
                return self.attempts.fail(attempt, err2.user_message, err2.detail, err2.kind)
        except Exception:  # an engine bug must still refund
            log.exception("generation.engine_crash generation=%s", attempt.gen_id)
            message = "The image engine failed unexpectedly; your credits were refunded."
            return self.attempts.fail(attempt, message, kind="crash")

    def _render(self, attempt: Attempt) -> RenderResult:
        return self.engine.render(attempt.render, deadline=self.clock() + self.deadline)

    def quote(self, user: UserInfo, request: GenerationRequest) -> Selection:
        """What `generate` would run and charge right now, without charging anything."""
        aspect = parse_aspect(request.aspect)
        _preset, rows, tier, experiment = self._context(request, user.id)
        assert tier is not None
        models = servable(rows, self.plan, request.model, request.from_photo, aspect)
        arm = arm_choice(experiment, models, user.id, tier) if request.is_auto else None
        return arm or choose(models, tier, request)  # an A/B arm is quoted as it will be charged

    def aspects(self) -> list[Aspect]:
        """The aspect ratios some sold text-avatar row can make on this server (square first)."""
        return offered_aspects(self.catalog.models(), self.plan)

    def plan(self, model: ModelSpec) -> Plan:
        """How the engine would serve `model` (route, LoRA, achievable size, sold or not)."""
        return self.engine.plan(RouteTarget.of(model))

    def sold_models(self, from_photo: bool = False) -> list[ModelSpec]:
        """The catalog as users see it for one mode: rows not sold (or of the other mode) disabled."""
        return servable(self.catalog.models(), self.plan, None, from_photo)

    def _context(
        self, request: GenerationRequest, user_id: int | None = None
    ) -> tuple[PresetData | None, list[ModelSpec], str | None, ExperimentView | None]:
        """One read: the request's preset, the catalog rows, and (when asked) the user's tier and
        the tier's running A/B test."""
        key = request.preset
        with self.db.read() as session:
            preset = named_preset(session, key) if key else None
            tier, experiment = None, None
            if user_id is not None:
                tier = session.scalar(select(User.tier).where(User.id == user_id))
                if tier is None:
                    raise NotFound("No such user.")
                experiment = active_for(session, tier) if request.is_auto else None
            rows = list_models(session)
        return preset, rows, tier, experiment

    def _source(self, user_id: int, request: GenerationRequest) -> Source | None:
        """The user's photo for "From my photo" (owner-checked), or None for a text avatar."""
        if not request.from_photo:
            return None
        if request.photo_id is None or self.photos is None:
            raise ValidationError("Upload a photo of yourself first.")
        image, consent_at = self.photos.read(user_id, request.photo_id)
        return Source(image, consent_at)

    def result(
        self, user_id: int, generation_id: int, *, wait: bool = False, within: float | None = None
    ) -> GenerationResult:
        """The outcome of one of the user's generations (waiting while it runs, if asked: until
        it ends, or `within` seconds)."""
        report = lambda _stage, _fraction: None  # noqa: E731
        timeout = within if within is not None else (self.deadline if wait else 0.0)
        return self.waits.wait(user_id, [generation_id], report, timeout)[0]

    def recover_stale(self, older_than: float | None = None) -> int:
        """Fail and refund unfinished generations that no job will ever run (rows from before
        the job queue); jobs are recovered by their claims (generation_jobs)."""
        grace = min(60.0, self.deadline)
        return recover_jobless(self.db, self.deadline + grace if older_than is None else older_than)
