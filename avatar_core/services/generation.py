"""The generation use case: select, reserve, render, store, then capture or refund exactly once."""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from avatar_core.domain.aspects import ASPECTS, Aspect, parse_aspect
from avatar_core.domain.errors import NotFound, ValidationError
from avatar_core.domain.presets_data import PresetData
from avatar_core.domain.selection import ModelSpec, Selection, price_for
from avatar_core.domain.status import ACTIVE, FINISHED, GenerationStatus
from avatar_core.engines.base import Engine, EngineError, Plan, RenderResult, RouteTarget
from avatar_core.infra.db import Database, lock_user
from avatar_core.infra.metrics import Metrics
from avatar_core.infra.models import Generation, User, utcnow
from avatar_core.infra.storage import ImageStore
from avatar_core.services import credits
from avatar_core.services.auth import UserInfo
from avatar_core.services.catalog import Catalog, find_preset, list_models
from avatar_core.services.experiments import ExperimentView, active_for
from avatar_core.services.generation_attempt import Attempt, Opened, render_request
from avatar_core.services.generation_batch import Batches
from avatar_core.services.generation_choice import arm_choice, choose, fallback, servable
from avatar_core.services.generation_leases import LEASE, Leases, aware
from avatar_core.services.generation_request import (
    MAX_SEED,
    Draft,
    GenerationRequest,
    Replay,
    Source,
    printable,
    validate,
)
from avatar_core.services.generation_result import GenerationResult, result_of
from avatar_core.services.generation_run import Attempts, fields
from avatar_core.services.photos import PhotoService

__all__ = ["GenerationRequest", "GenerationResult", "GenerationService", "Replay", "printable", "validate"]

log = logging.getLogger("avatar_core.services.generation")
Progress = Callable[[str, float], None]


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
    ) -> None:
        self.db, self.catalog, self.engine, self.store = db, catalog, engine, store
        self.deadline, self.clock, self.photos, self.metrics = deadline, clock, photos, metrics
        self.admit = admit  # called under the user lock before a charge (per-user concurrency)
        self.leases = Leases(db, lease)  # the generations this process runs (see generation_leases)
        self.attempts = Attempts(self)
        self.batches = Batches(self)  # several images per click, variations

    def generate(
        self, user: UserInfo, request: GenerationRequest, progress: Progress | None = None
    ) -> GenerationResult:
        """Run one generation for `user`; bad input raises before anything is charged."""
        opened = self.open(user, [request])
        if opened.replayed is not None:
            return opened.replayed
        return self.finish(opened.attempts[0], opened.models, progress)

    def open(self, user: UserInfo, requests: list[GenerationRequest]) -> Opened:
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
            return Opened([], models, self.result(user.id, replay.generation_id, wait=True))

    def finish(
        self, attempt: Attempt, models: list[ModelSpec], progress: Progress | None = None
    ) -> GenerationResult:
        """Render an opened attempt, store it and settle it (captured or refunded, exactly once)."""
        report = progress or (lambda _stage, _fraction: None)
        model = attempt.model
        report(f"Generating with {model.name} (about {model.expected_seconds} s)", 0.1)
        attempt = replace(attempt, started=self.clock())
        ran = self._run(attempt, models)
        if isinstance(ran, GenerationResult):
            return ran
        report("Saving", 0.9)
        return self.attempts.complete(*ran)

    def _run(
        self, attempt: Attempt, models: list[ModelSpec]
    ) -> tuple[Attempt, RenderResult] | GenerationResult:
        """Render the attempt (and its catalog fallback once, if the provider refuses the row)."""
        try:
            return attempt, self._render(attempt)
        except EngineError as err:
            alternative = fallback(err, models, attempt.model, attempt.tier)
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
        rows = self.catalog.models()
        offered = []
        for aspect in ASPECTS:
            try:
                if any(m.enabled for m in servable(rows, self.plan, None, False, aspect)):
                    offered.append(aspect)
            except ValidationError:
                continue
        return offered

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
            preset = self._preset(session, key) if key else None
            tier, experiment = None, None
            if user_id is not None:
                tier = session.scalar(select(User.tier).where(User.id == user_id))
                if tier is None:
                    raise NotFound("No such user.")
                experiment = active_for(session, tier) if request.is_auto else None
            rows = list_models(session)
        return preset, rows, tier, experiment

    @staticmethod
    def _preset(session: Session, key: str) -> PresetData:
        try:
            if printable(key) != key:  # cannot name a preset; and NUL breaks a PostgreSQL query
                raise NotFound(key)
            return find_preset(session, key)
        except NotFound:
            raise ValidationError(f"Unknown preset {key[:60]!r}.") from None

    def _source(self, user_id: int, request: GenerationRequest) -> Source | None:
        """The user's photo for "From my photo" (owner-checked), or None for a text avatar."""
        if not request.from_photo:
            return None
        if request.photo_id is None or self.photos is None:
            raise ValidationError("Upload a photo of yourself first.")
        image, consent_at = self.photos.read(user_id, request.photo_id)
        return Source(image, consent_at)

    def result(self, user_id: int, generation_id: int, *, wait: bool = False) -> GenerationResult:
        """The outcome of one of the user's generations (waiting while it runs, if asked)."""
        stop = self.clock() + self.deadline
        while True:
            with self.db.read() as session:
                gen = session.get(Generation, generation_id)
                if gen is None or gen.user_id != user_id:
                    raise NotFound("No such generation.")
                balance = session.scalar(select(User.balance).where(User.id == user_id)) or 0
                if gen.status in FINISHED or not wait or self.clock() > stop:
                    return result_of(gen, int(balance))
            time.sleep(0.1)

    def recover_stale(self, older_than: float | None = None) -> int:
        """Fail and refund generations whose process died: their lease ran out (or, for rows from
        before leases, they are older than the deadline plus a grace minute)."""
        grace = min(60.0, self.deadline)  # a generation finishing right at its deadline keeps it
        now = utcnow()
        cutoff = now - timedelta(seconds=self.deadline + grace if older_than is None else older_than)
        expired = Generation.lease_until < now
        unleased = Generation.lease_until.is_(None) & (Generation.created_at < cutoff)
        with self.db.read() as session:
            stale = session.execute(
                select(Generation.id, Generation.user_id).where(
                    Generation.status.in_(ACTIVE), expired | unleased
                )
            ).all()
        refunded = 0
        for gen_id, user_id in stale:
            with self.db.transaction() as session:
                lock_user(session, user_id)
                gen = session.get(Generation, gen_id)
                lease = gen.lease_until if gen is not None else None
                if gen is None or gen.status not in ACTIVE or (lease is not None and aware(lease) >= now):
                    continue  # settled, or renewed by its process, meanwhile
                credits.release(session, user_id, gen_id, reason="interrupted; refunded")
                gen.status, gen.finished_at = GenerationStatus.FAILED, utcnow()
                gen.error = "The generation was interrupted; your credits were refunded."
                refunded += 1
            log.info("generation.recovered generation=%s", gen_id)
        return refunded

    def start_sweeper(self, interval: float | None = None) -> threading.Event:
        """Refund interrupted generations and purge expired photos now and then (a daemon thread)."""
        stop = threading.Event()
        every = interval or self.leases.lease / 3  # a dead process's work is refunded ~1 lease after

        def sweep() -> None:
            while not stop.wait(every):
                try:
                    self.recover_stale()
                    if self.photos is not None:
                        self.photos.purge()  # photos past their retention
                except Exception:  # noqa: BLE001 - keep sweeping; the next round retries
                    log.exception("generation.sweeper_failed")

        threading.Thread(target=sweep, name="generation-sweeper", daemon=True).start()
        return stop
