"""The transactions of one attempt: open (select, insert, reserve), then complete or fail it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from avatar_core.domain.selection import ModelSpec, Selection
from avatar_core.domain.status import GenerationStatus
from avatar_core.engines.base import Engine, Plan, RenderResult
from avatar_core.infra.db import Database, lock_user
from avatar_core.infra.metrics import Metrics
from avatar_core.infra.models import Generation, User
from avatar_core.infra.storage import ImageStore
from avatar_core.services import credits
from avatar_core.services.generation_attempt import (
    Attempt,
    applied_lora,
    new_row,
    outcome,
    render_request,
    settle_completed,
    settle_failed,
)
from avatar_core.services.generation_choice import choose, experiment_choice, next_quote
from avatar_core.services.generation_request import Draft, GenerationRequest, Replay, avatar_name
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
        s = self.service
        with s.db.transaction() as session:
            user = lock_user(session, user_id)  # serialises this user's requests, retries included
            if request.idempotency_key:
                same_key = Generation.idempotency_key == request.idempotency_key
                earlier = session.scalar(select(Generation.id).where(Generation.user_id == user_id, same_key))
                if earlier is not None:
                    raise Replay(earlier)
            if s.admit is not None:
                s.admit(session, user)
            selection = experiment_choice(session, models, user.id, user.tier, request) or choose(
                models, user.tier, request
            )
            model = selection.model
            plan = s.plan(model)
            render = render_request(draft, model, plan)
            gen = new_row(user.id, draft, selection, plan, render)
            gen.project_id = (
                owned_project(session, user_id, request.project_id).id
                if request.project_id
                else default_project(session, user_id)
            )
            gen.name = avatar_name(request, draft)
            gen.idempotency_key = request.idempotency_key or None
            session.add(gen)
            session.flush()
            credits.reserve(session, user.id, selection.price, gen.id, locked=user, new=True)
            username, tier = user.username, user.tier
        log_selected(gen.id, username, selection, self.engine_name)
        return Attempt(
            gen_id=gen.id,
            user_id=user_id,
            tier=tier,
            draft=draft,
            selection=selection,
            model=model,
            charged=selection.price,
            render=render,
            name=gen.name,
            project_id=gen.project_id,
            quote=next_quote(models, tier, request, selection),
            sold=tuple(models),
        )

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
                f"gen-{attempt.gen_id}",
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
        with s.db.transaction() as session:
            balance = settle_completed(session, attempt, result, stored, seconds)
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


def recipe(attempt: Attempt, result: RenderResult) -> dict[str, object]:
    """What the stored PNG records about how it was made."""
    model, render, lora = attempt.model, attempt.render, applied_lora(attempt, result)
    preset = attempt.draft.preset
    return {
        "prompt": render.prompt,
        "negative_prompt": render.negative_prompt,
        "model": model.model_key,
        "model_id": result.model_used,
        "lora": lora,
        "lora_scale": result.lora_scale_applied if lora else None,
        "seed": render.seed,
        "steps": model.steps,
        "guidance": model.guidance_scale,
        "size": f"{result.image.width}x{result.image.height}",
        "engine": result.engine,
        "provider": result.provider,
        "provider_model": result.provider_model,
        "preset": preset.key if preset else None,
        "source": "from your photo" if render.image is not None else "prompt",
        "arm": attempt.selection.arm,
    }


def completed(
    attempt: Attempt, result: RenderResult, image_key: str, thumb_key: str, balance: int, seconds: float
) -> GenerationResult:
    """The result of a completed attempt."""
    model, selection, lora = attempt.model, attempt.selection, applied_lora(attempt, result)
    reason = selection.reason
    if attempt.fell_back:
        reason = f"{selection.reason}; fell back to {model.name}, {attempt.charged} credits"
    width, height = result.image.size
    return outcome(
        attempt,
        GenerationStatus.COMPLETED,
        balance=balance,
        seconds=seconds,
        model_key=model.model_key,
        model_name=model.name,
        engine=result.engine,
        credits_charged=attempt.charged,
        reason=reason,
        image_key=image_key,
        thumb_key=thumb_key,
        lora_applied=lora is not None,
        notes=attempt.notes + result.notes,
        width=width,
        height=height,
        provider=result.provider,
        provider_model=result.provider_model,
        lora=lora,
        lora_scale=result.lora_scale_applied if lora else None,
    )
