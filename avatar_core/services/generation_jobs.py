"""Generations as jobs: how a worker runs a claim, and how a job ends without running.

A claim is rebuilt into the Attempt that was reserved (the row, and the job's payload: the model
as chosen, its price and reason, the photo) and run by `GenerationService.finish` with the job's
hooks, so the engine commits "submitting" before a paid request and the provider's request id
before waiting on it. A takeover (the earlier claim's worker died) therefore:
- resumes waiting on the committed request id (never a second paid request);
- refunds when a request was sent but no id was committed (nobody can resume it);
- runs again when nothing was sent (free);
- refunds a job claimed more than `max_attempts` times (poison).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Protocol

from sqlalchemy import exists, select, update

from avatar_core.domain.errors import NotFound, ValidationError
from avatar_core.domain.selection import ModelSpec, Selection
from avatar_core.domain.status import ACTIVE, GenerationStatus
from avatar_core.engines.base import Plan
from avatar_core.infra.db import Database, lock_user
from avatar_core.infra.models import Generation, Job, User, utcnow
from avatar_core.jobs.queue import FAILED, Claim, JobQueue, LostLease, settle
from avatar_core.jobs.worker import JobHooks
from avatar_core.services import credits
from avatar_core.services.catalog import Catalog, find_preset
from avatar_core.services.generation_attempt import Attempt, render_request
from avatar_core.services.generation_choice import servable
from avatar_core.services.generation_request import Draft, Source
from avatar_core.services.generation_result import GenerationResult, result_of
from avatar_core.services.generation_waits import Waits
from avatar_core.services.photos import PhotoService

log = logging.getLogger("avatar_core.services.generation")
POISON = "The image engine failed on this avatar several times; your credits were refunded."
INTERRUPTED = "The generation was interrupted; your credits were refunded."
CANCELLED = "Cancelled; your credits were refunded."


class Runs(Protocol):
    """What `JobRunner` uses of its GenerationService (declared here, so neither imports the other)."""

    db: Database
    catalog: Catalog
    queue: JobQueue
    waits: Waits
    photos: PhotoService | None

    def plan(self, model: ModelSpec) -> Plan: ...

    def finish(
        self,
        attempt: Attempt,
        models: list[ModelSpec] | Callable[[], list[ModelSpec]],
        progress: Callable[[str, float], None] | None = None,
    ) -> GenerationResult: ...


class JobRunner:
    """Runs generation jobs for a worker (a `jobs.worker.Run`)."""

    def __init__(self, service: Runs) -> None:
        self.service = service

    def __call__(self, claim: Claim, hooks: JobHooks) -> None:
        try:
            result = self.run(claim, hooks)
            if result is not None:
                self.service.waits.deliver(result)
        finally:
            if claim.generation_id is not None:
                self.service.waits.ended(claim.generation_id)

    def run(self, claim: Claim, hooks: JobHooks | None = None) -> GenerationResult | None:
        """Run (or resume, or end) one claimed job; None when the claim was lost meanwhile."""
        s = self.service
        try:
            if claim.attempts > s.queue.max_attempts:
                return self.end(claim, POISON, "poison: claimed more than max_attempts times")
            if claim.stage == "submitting" and claim.provider_ref is None:
                return self.end(claim, INTERRUPTED, "interrupted after the request was sent")
            attempt = self.attempt_of(claim)
        except (NotFound, ValidationError) as err:
            return self.end(claim, f"{err} Your credits were refunded.", f"not runnable: {err}")
        except LostLease:
            return None
        attempt = replace(attempt, render=replace(attempt.render, resume=claim.provider_ref, hooks=hooks))
        gen_id = attempt.gen_id

        def stage(text: str, fraction: float) -> None:
            s.waits.stage(gen_id, text, fraction)

        p = claim.payload

        def sold() -> list[ModelSpec]:  # for a fallback only: the catalog as sold to it now
            return servable(
                s.catalog.models(), s.plan, p.get("asked_model"), bool(p.get("from_photo")), p["aspect"]
            )

        try:
            return s.finish(attempt, sold, stage)
        except LostLease:
            log.info("generation.lost_lease generation=%s job=%s", gen_id, claim.job_id)
            return None

    def attempt_of(self, claim: Claim) -> Attempt:
        """The Attempt reserved for the claim's generation."""
        s, p = self.service, claim.payload
        with s.db.read() as session:
            gen = session.get(Generation, claim.generation_id)
            if gen is None or gen.status not in ACTIVE:
                raise LostLease(f"generation {claim.generation_id} has ended")
            preset = find_preset(session, gen.preset_key) if gen.preset_key else None
        source = None
        if p.get("photo_id") is not None:
            if s.photos is None:
                raise NotFound("Photos are not kept on this server.")
            source = Source(*s.photos.read(claim.user_id, int(p["photo_id"])))
        model = ModelSpec(**p["model"])
        selection = Selection(model, int(p["price"]), str(p["reason"]), p.get("arm"))
        draft = Draft(gen.user_prompt, preset, gen.seed, source)
        return Attempt(
            gen_id=gen.id,
            user_id=claim.user_id,
            tier=str(p["tier"]),
            draft=draft,
            selection=selection,
            model=model,
            charged=selection.price,
            render=render_request(draft, model, s.plan(model)),
            name=gen.name,
            project_id=gen.project_id,
            quote=None,
            job=claim,
        )

    def end(self, claim: Claim, message: str, detail: str) -> GenerationResult | None:
        """Fail and refund the claim's generation without running it (exactly once: fenced)."""
        with self.service.db.transaction() as session:
            lock_user(session, claim.user_id)
            settle(session, claim, FAILED)
            gen = session.get(Generation, claim.generation_id)
            if gen is None:
                return None
            if gen.status in ACTIVE:
                credits.release(session, claim.user_id, gen.id, reason="interrupted; refunded")
                gen.status, gen.finished_at = GenerationStatus.FAILED, utcnow()
                gen.error, gen.error_detail = message, detail
            balance = int(session.scalar(select(User.balance).where(User.id == claim.user_id)) or 0)
            result = result_of(gen, balance)
        log.info("generation.ended generation=%s job=%s detail=%r", claim.generation_id, claim.job_id, detail)
        return result


def cancel(db: Database, user_id: int, generation_id: int) -> None:
    """End one of the user's queued or running generations now and refund it; a worker still
    running it loses its claim (it can write nothing; the provider's cost is still recorded)."""
    with db.transaction() as session:
        lock_user(session, user_id)
        gen = session.get(Generation, generation_id)
        if gen is None or gen.user_id != user_id:
            raise NotFound("No such generation.")
        if gen.status not in ACTIVE:
            raise ValidationError("This avatar has already finished; there is nothing to cancel.")
        JobQueue.stop(session, generation_id)
        credits.release(session, user_id, generation_id, reason="cancelled")
        gen.status, gen.finished_at = GenerationStatus.FAILED, utcnow()
        gen.error, gen.error_detail = CANCELLED, "cancelled by its user"


def cancel_all(db: Database, user_id: int) -> int:
    """Cancel every generation of the user's still queued or running; how many."""
    cancelled = 0
    for gen_id in in_progress(db, user_id):
        with contextlib.suppress(ValidationError):  # it finished meanwhile
            cancel(db, user_id, gen_id)
            cancelled += 1
    return cancelled


def in_progress(db: Database, user_id: int) -> list[int]:
    """The user's generations still queued or running, oldest first."""
    with db.read() as session:
        mine = (Generation.user_id == user_id) & Generation.status.in_(ACTIVE)
        return list(session.scalars(select(Generation.id).where(mine).order_by(Generation.id)))


def latest_finished(db: Database, user_id: int, within: float) -> list[int]:
    """The user's newest avatar if it was made in the last `within` seconds (shown again when the
    page is reopened: it may have finished after the tab was closed)."""
    since = utcnow() - timedelta(seconds=within)
    with db.read() as session:
        newest = session.scalars(
            select(Generation.id)
            .where(Generation.user_id == user_id, Generation.shown(), Generation.finished_at >= since)
            .order_by(Generation.id.desc())
            .limit(1)
        ).first()
    return [newest] if newest is not None else []


def record_cost(db: Database, generation_id: int, cost_usd: float) -> None:
    """What the provider charged for an image that was made after its job was cancelled."""
    with db.transaction() as session:
        ended = (Generation.id == generation_id) & (Generation.status == GenerationStatus.FAILED)
        session.execute(update(Generation).where(ended).values(cost_usd=cost_usd))


def recover_jobless(db: Database, older_than: float) -> int:
    """Fail and refund queued or running generations without a job row (from before the job
    queue, 0012) older than `older_than` seconds; how many."""
    cutoff = utcnow() - timedelta(seconds=older_than)
    jobless = ~exists().where(Job.generation_id == Generation.id)
    with db.read() as session:
        stale = session.execute(
            select(Generation.id, Generation.user_id).where(
                Generation.status.in_(ACTIVE), Generation.created_at < cutoff, jobless
            )
        ).all()
    refunded = 0
    for gen_id, user_id in stale:
        with db.transaction() as session:
            lock_user(session, user_id)
            gen = session.get(Generation, gen_id)
            if gen is None or gen.status not in ACTIVE:
                continue  # settled meanwhile
            credits.release(session, user_id, gen_id, reason="interrupted; refunded")
            gen.status, gen.finished_at, gen.error = GenerationStatus.FAILED, utcnow(), INTERRUPTED
            refunded += 1
        log.info("generation.recovered generation=%s", gen_id)
    return refunded
