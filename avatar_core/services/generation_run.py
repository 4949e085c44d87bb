"""The transactions of one attempt: open (select, insert, reserve), then complete or fail it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from avatar_core.domain.selection import ModelSpec, Selection
from avatar_core.domain.status import GenerationStatus
from avatar_core.engines.base import Engine, Plan, RenderRequest, RenderResult
from avatar_core.infra.db import Database, lock_user
from avatar_core.infra.metrics import Metrics
from avatar_core.infra.models import Generation, User
from avatar_core.infra.storage import ImageStore
from avatar_core.jobs.queue import JobQueue, LostLease
from avatar_core.services import credits
from avatar_core.services.generation_attempt import (
    Attempt,
    completed,
    new_row,
    outcome,
    recipe,
    render_request,
    settle_completed,
    settle_failed,
)
from avatar_core.services.generation_batch import short_of
from avatar_core.services.generation_choice import choose, experiment_choice
from avatar_core.services.generation_jobs import record_cost
from avatar_core.services.generation_request import Draft, GenerationRequest, KeyReused, Replay, avatar_name
from avatar_core.services.generation_result import GenerationResult
from avatar_core.services.projects import default_project, owned_project


class Host(Protocol):
    """What `Attempts` uses of its GenerationService (declared here, so neither imports the other)."""

    db: Database
    engine: Engine
    store: ImageStore
    metrics: Metrics | None
    admit: Callable[[Session, User], None] | None
    clock: Callable[[], float]
    priorities: dict[str, int]

    def plan(self, model: ModelSpec) -> Plan: ...


log = logging.getLogger("avatar_core.services.generation")


def fields(**values: object) -> str:
    """`key=value` pairs for a log line (values with spaces quoted)."""
    return " ".join(
        f"{k}={v!r}" if isinstance(v, str) and " " in v else f"{k}={v}" for k, v in values.items()
    )


class Attempts:
    """Opens and settles attempts for a GenerationService (its database, engine, store, hooks)."""

    def __init__(self, service: Host) -> None:
        self.service = service

    @property
    def engine_name(self) -> str:
        """The engine's name for results and logs."""
        return getattr(self.service.engine, "name", "?")

    def open(
        self, user_id: int, request: GenerationRequest, draft: Draft, models: list[ModelSpec]
    ) -> Attempt:
        """One transaction: select for the user's current tier, insert the row, reserve its price."""
        return self.open_many(user_id, [(request, draft)], models)[0]

    def open_many(
        self, user_id: int, items: list[tuple[GenerationRequest, Draft]], models: list[ModelSpec]
    ) -> list[Attempt]:
        """One transaction for a click's images: one selection (the first request's) for the
        user's current tier, then a row and a reserve per image. The whole batch is refused, and
        nothing charged, when the balance does not cover every image (InsufficientCredits)."""
        s, first = self.service, items[0][0]
        with s.db.transaction() as session:
            user = lock_user(session, user_id)  # serialises this user's requests, retries included
            if first.idempotency_key:
                replay(session, user_id, first)
            selection = experiment_choice(session, models, user.id, user.tier, first) or choose(
                models, user.tier, first
            )
            if user.balance < selection.price * len(items):
                raise short_of(user.balance, selection.price, len(items))
            plan = s.plan(selection.model)
            project_id = (
                owned_project(session, user_id, first.project_id).id
                if first.project_id
                else default_project(session, user_id)
            )
            rows = [
                self._insert(session, user, request, draft, selection, plan, project_id)
                for request, draft in items
            ]
            username, tier = user.username, user.tier
        attempts = []
        for gen, render, draft in rows:
            log_selected(gen.id, username, selection, self.engine_name)
            attempts.append(
                Attempt(
                    gen_id=gen.id,
                    user_id=user_id,
                    tier=tier,
                    draft=draft,
                    selection=selection,
                    model=selection.model,
                    charged=selection.price,
                    render=render,
                    name=gen.name,
                    project_id=gen.project_id,
                    quote=selection,  # what a quote for the same request answers now
                    sold=tuple(models),
                )
            )
        return attempts

    def _insert(
        self,
        session: Session,
        user: User,
        request: GenerationRequest,
        draft: Draft,
        selection: Selection,
        plan: Plan,
        project_id: int,
    ) -> tuple[Generation, RenderRequest, Draft]:
        """One image's row (leased to this process) and its reserve, inside `open_many`."""
        s = self.service
        if s.admit is not None:
            s.admit(session, user)  # counts the rows this batch already added
        render = render_request(draft, selection.model, plan)
        gen = new_row(user.id, draft, selection, plan, render)
        gen.project_id, gen.name = project_id, avatar_name(request, draft)
        gen.idempotency_key = request.idempotency_key or None
        gen.request_digest = request.digest if request.idempotency_key else None
        session.add(gen)
        session.flush()
        credits.reserve(session, user.id, selection.price, gen.id, locked=user, new=True)
        JobQueue.enqueue(
            session,
            user_id=user.id,
            generation_id=gen.id,
            payload=job_payload(request, selection, user.tier),
            priority=s.priorities.get(user.tier, 0),
        )
        return gen, render, draft

    def fail(
        self, attempt: Attempt, message: str, detail: str = "", kind: str = "failed"
    ) -> GenerationResult:
        """Refund the attempt in full and record why it failed."""
        s = self.service
        seconds = round(s.clock() - attempt.started, 3)
        with s.db.transaction() as session:
            balance = settle_failed(session, attempt, message, detail, seconds)
        selection = attempt.selection
        if s.metrics is not None:
            s.metrics.failed(selection.model.model_key, selection.price, str(kind))
        log.info(
            "generation.failed %s",
            fields(
                generation=attempt.gen_id,
                model=selection.model.model_key,
                seconds=seconds,
                refunded=selection.price,
                error=message,
                detail=(detail or message)[:500],
            ),
        )
        return outcome(
            attempt,
            GenerationStatus.FAILED,
            balance=balance,
            seconds=seconds,
            model_key=selection.model.model_key,
            model_name=selection.model.name,
            engine=self.engine_name,
            credits_charged=0,
            reason=selection.reason,
            error=message,
        )

    def complete(self, attempt: Attempt, result: RenderResult) -> GenerationResult:
        """Store the image, then capture the price and record what ran (refund if storing fails)."""
        s, model = self.service, attempt.model
        try:
            stored = s.store.save(
                attempt.user_id,
                attempt.image_name,
                result.image,
                recipe(attempt, result),
                source_png=result.source_png,
            )
        except Exception:
            log.exception("generation.store_failed generation=%s", attempt.gen_id)
            return self.fail(
                attempt, "The image could not be saved; your credits were refunded.", kind="storage"
            )
        seconds = round(s.clock() - attempt.started, 3)
        try:
            with s.db.transaction() as session:
                balance = settle_completed(session, attempt, result, stored, seconds)
        except LostLease:  # cancelled, or taken over by another worker: its files, not ours
            for key in (stored.image_key, stored.thumb_key):
                s.store.delete(key)
            if not result.offline:  # the provider made (and billed) it: our cost all the same
                record_cost(s.db, attempt.gen_id, model.cost_usd)
            raise
        if s.metrics is not None:
            s.metrics.completed(model.model_key, seconds, attempt.charged)
        log.info(
            "generation.completed %s",
            fields(
                generation=attempt.gen_id,
                model=model.model_key,
                engine=result.engine,
                seconds=seconds,
                charged=attempt.charged,
                attempts=result.attempts,
                lora_applied=result.lora_applied,
            ),
        )
        return completed(attempt, result, stored.image_key, stored.thumb_key, balance, seconds)


def job_payload(request: GenerationRequest, selection: Selection, tier: str) -> dict[str, object]:
    """What a worker needs, besides the generation row, to run the job as it was chosen."""
    return {
        "model": asdict(selection.model),
        "price": selection.price,
        "reason": selection.reason,
        "arm": selection.arm,
        "tier": tier,
        "asked_model": request.model,
        "from_photo": request.from_photo,
        "aspect": request.aspect,
        "photo_id": request.photo_id,
    }


def replay(session: Session, user_id: int, request: GenerationRequest) -> None:
    """Replay (the earlier generation) when the request's idempotency key was used before;
    KeyReused when it was used for another request."""
    same_key = (Generation.user_id == user_id) & (Generation.idempotency_key == request.idempotency_key)
    earlier = session.execute(select(Generation.id, Generation.request_digest).where(same_key)).first()
    if earlier is None:
        return
    if earlier.request_digest not in (None, request.digest):  # None: made before digests (0011)
        raise KeyReused()
    raise Replay(earlier.id)


def log_selected(gen_id: int, username: str, selection: Selection, engine: str) -> None:
    """The `generation.selected` log line: who, what model, why, for how much."""
    model = selection.model
    log.info(
        "generation.selected %s",
        fields(
            generation=gen_id,
            user=username,
            model=model.model_key,
            reason=selection.reason,
            cost=selection.price,
            resolution=f"{model.width}x{model.height}",
            lora=model.lora_model,
            lora_scale=model.lora_scale,
            steps=model.steps,
            guidance=model.guidance_scale,
            engine=engine,
        ),
    )
