"""One generation attempt as one object, and the rows it writes when it opens and settles."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from avatar_core.domain.likeness import likeness_instruction
from avatar_core.domain.prompts import BuiltPrompt, build_prompt
from avatar_core.domain.selection import ModelSpec, Selection
from avatar_core.domain.status import GenerationStatus
from avatar_core.engines.base import Plan, RenderRequest, RenderResult
from avatar_core.infra.db import lock_user
from avatar_core.infra.models import Generation, User, utcnow
from avatar_core.infra.storage import StoredImage
from avatar_core.jobs.queue import DONE, FAILED, Claim, settle
from avatar_core.services import credits
from avatar_core.services.generation_request import Draft
from avatar_core.services.generation_result import GenerationResult


@dataclass(frozen=True)
class Attempt:
    """One reserved generation: its row, what was chosen, and what the engine runs for it."""

    gen_id: int
    user_id: int
    tier: str
    draft: Draft
    selection: Selection  # what was chosen and reserved
    model: ModelSpec  # what runs: the selection's model, or its fallback
    charged: int  # what a success costs
    render: RenderRequest
    name: str
    project_id: int | None
    quote: Selection | None  # what a quote for the same request answers now
    sold: tuple[ModelSpec, ...] = ()  # the catalog as sold when it was chosen (for the next quote)
    started: float = 0.0
    notes: tuple[str, ...] = ()
    job: Claim | None = None  # the worker's claim on the job running it (its writes are fenced)

    @property
    def image_name(self) -> str:
        """The stored image's name: a later claim of the same job (a takeover) writes its own."""
        fence = self.job.fence if self.job is not None else 1
        return f"gen-{self.gen_id}" if fence <= 1 else f"gen-{self.gen_id}-{fence}"

    def fall_back(self, model: ModelSpec, charged: int, render: RenderRequest, note: str) -> Attempt:
        """The same attempt running `model` instead (never charging more than was reserved)."""
        return replace(self, model=model, charged=charged, render=render, notes=(*self.notes, note))

    @property
    def fell_back(self) -> bool:
        """True when a fallback runs instead of the chosen model."""
        return self.model != self.selection.model


@dataclass(frozen=True)
class Opened:
    """One click's images, reserved: their attempts and the catalog as sold to them (or, for an
    idempotent request seen before, the first answer)."""

    attempts: list[Attempt]
    models: list[ModelSpec]
    replayed: GenerationResult | None = None


def outcome(
    attempt: Attempt, status: GenerationStatus, *, balance: int, seconds: float, **what: Any
) -> GenerationResult:
    """A result with what every outcome of `attempt` shares (its id, seed, name, project and the
    next quote); `what` is the outcome's own part (model, charge, image, error...)."""
    return GenerationResult(
        generation_id=attempt.gen_id,
        status=status,
        balance=balance,
        seed=attempt.render.seed,
        seconds=seconds,
        name=attempt.name,
        project_id=attempt.project_id,
        quote=attempt.quote,
        tier=attempt.tier,
        sold=attempt.sold,
        **what,
    )


def render_request(draft: Draft, model: ModelSpec, plan: Plan) -> RenderRequest:
    """What the engine renders for `draft` with `model` (a likeness edit or a built prompt)."""
    preset = draft.preset
    if draft.source is not None:  # an edit instruction that keeps who the person is
        built = BuiltPrompt(likeness_instruction(draft.text, preset), "")
    else:
        built = build_prompt(draft.text, preset=preset, realism=model.is_realism)
    return RenderRequest(
        prompt=built.prompt,
        negative_prompt=built.negative_prompt if plan.negative_prompt else "",
        width=model.width,
        height=model.height,
        steps=model.steps,
        guidance_scale=model.guidance_scale,
        seed=draft.seed,
        model_id=model.model_id,
        lora_model=model.lora_model,
        lora_scale=model.lora_scale,
        attributes=preset.attributes.as_dict() if preset else {},
        endpoint_url=model.endpoint_url,
        endpoint_handler=model.endpoint_handler,
        image=draft.source.image if draft.source else None,
    )


def model_columns(model: ModelSpec, render: RenderRequest) -> dict[str, Any]:
    """The generation columns that follow the model that runs (set on insert and on fallback)."""
    return dict(
        model_key=model.model_key,
        model_id=model.model_id,
        steps=model.steps,
        guidance_scale=model.guidance_scale,
        prompt=render.prompt,
        negative_prompt=render.negative_prompt,
    )


def new_row(
    user_id: int, draft: Draft, selection: Selection, plan: Plan, render: RenderRequest
) -> Generation:
    """The generation row of a new attempt, queued for a worker with its reserve."""
    return Generation(
        user_id=user_id,
        status=GenerationStatus.QUEUED,
        **model_columns(selection.model, render),
        lora_model=plan.lora,
        lora_scale=plan.lora_scale,
        preset_key=draft.preset.key if draft.preset else None,
        user_prompt=draft.text,
        seed=draft.seed,
        width=plan.width,
        height=plan.height,
        price=selection.price,
        reason=selection.reason,
        provider=plan.route,
        provider_model=plan.provider_model,
        photo_consent_at=draft.source.consent_at if draft.source else None,
        arm=selection.arm,
    )


def fenced(session: Session, attempt: Attempt, status: str) -> None:
    """End the attempt's job first, while this worker's claim still holds (LostLease otherwise, and
    the ledger is not touched); on PostgreSQL the user row is locked before the job row, as
    everywhere (SQLite's BEGIN IMMEDIATE has already serialised the writers)."""
    if attempt.job is None:
        return
    if session.get_bind().dialect.name != "sqlite":
        lock_user(session, attempt.user_id)
    settle(session, attempt.job, status)


def settle_failed(session: Session, attempt: Attempt, message: str, detail: str, seconds: float) -> int:
    """Refund the reserve and mark the row failed; the balance after the refund (LostLease, and
    nothing written, when the job is no longer this worker's)."""
    fenced(session, attempt, FAILED)
    entry = credits.release(session, attempt.user_id, attempt.gen_id, reason="generation failed")
    session.execute(
        update(Generation)
        .where(Generation.id == attempt.gen_id)
        .values(
            status=GenerationStatus.FAILED,
            error=message,
            error_detail=(detail or message)[:2000],
            seconds=seconds,
            finished_at=utcnow(),
        )
    )
    return entry.balance_after


def settle_completed(
    session: Session, attempt: Attempt, result: RenderResult, stored: StoredImage, seconds: float
) -> int:
    """Capture what the attempt costs, count it in the gallery and record what ran; the balance
    (LostLease, and nothing written, when the job is no longer this worker's)."""
    model = attempt.model
    fenced(session, attempt, DONE)
    entry = credits.capture(session, attempt.user_id, attempt.gen_id, charged=attempt.charged)
    counted = User.gallery_count + 1
    session.execute(update(User).where(User.id == attempt.user_id).values(gallery_count=counted))
    lora = applied_lora(attempt, result)
    width, height = result.image.size
    values: dict[str, Any] = dict(
        status=GenerationStatus.COMPLETED,
        seconds=seconds,
        finished_at=utcnow(),
        credits_charged=attempt.charged,
        engine=result.engine,
        notes="; ".join(attempt.notes + result.notes),
        image_path=stored.image_key,
        thumb_path=stored.thumb_key,
        lora_applied=lora is not None,
        lora_model=lora,
        lora_scale=result.lora_scale_applied if lora else None,
        width=width,
        height=height,
        provider=result.provider,
        provider_model=result.provider_model,
        cost_usd=0.0 if result.offline else model.cost_usd,  # what the provider charges us
    )
    if attempt.fell_back:
        values.update(model_columns(model, attempt.render))
    session.execute(update(Generation).where(Generation.id == attempt.gen_id).values(**values))
    return entry.balance_after


def applied_lora(attempt: Attempt, result: RenderResult) -> str | None:
    """The LoRA that really ran, or None."""
    return attempt.model.lora_model if result.lora_applied else None


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
    }  # the A/B arm is recorded on the generation row only: the PNG is the user's


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
