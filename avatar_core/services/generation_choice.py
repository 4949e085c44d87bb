"""Which catalog row serves a request: the sold catalog, A/B arms, the tier rules and fallbacks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from sqlalchemy.orm import Session

from avatar_core.domain.aspects import ASPECTS, LABELS, SQUARE, Aspect, shaped
from avatar_core.domain.errors import NoModelsAvailable, NotFound, TierRefused, ValidationError
from avatar_core.domain.presets_data import PresetData
from avatar_core.domain.selection import (
    TIERS,
    ModelSpec,
    Preferences,
    Selection,
    accessible_models,
    price_for,
    select_model,
)
from avatar_core.engines.base import EngineError, Plan
from avatar_core.services.catalog import find_preset
from avatar_core.services.experiments import ExperimentView, active_for, arm_for
from avatar_core.services.generation_request import GenerationRequest, printable


def offered_aspects(rows: list[ModelSpec], plan: Callable[[ModelSpec], Plan]) -> list[Aspect]:
    """The aspect ratios some sold text-avatar row can make with `plan` (square first)."""
    offered = []
    for aspect in ASPECTS:
        try:
            if any(m.enabled for m in servable(rows, plan, None, False, aspect)):
                offered.append(aspect)
        except ValidationError:
            continue
    return offered


def servable(
    models: list[ModelSpec],
    plan: Callable[[ModelSpec], Plan],
    explicit: str | None,
    from_photo: bool = False,
    aspect: Aspect = SQUARE,
) -> list[ModelSpec]:
    """The catalog at `aspect`'s sizes, with rows the engine cannot serve as sold, or of the other
    mode, disabled.

    An explicit request for such a row is refused here, before anything is charged; so is an
    aspect ratio that no row the route could otherwise serve can make (never silently squared).
    """
    out, shape_refused, usable = [], 0, 0
    for row in models:
        m = row if row.likeness else at_aspect(row, aspect)
        route = plan(m) if m.enabled else None
        if route is not None and not route.servable:
            by_shape = aspect != SQUARE and not m.likeness and plan(at_aspect(row, SQUARE)).servable
            shape_refused += by_shape and m.likeness == from_photo
            if m.model_key == explicit:
                raise ValidationError(
                    f"{m.name} cannot make {LABELS[aspect]} images on this server ({route.why}); "
                    "pick Square 1:1."
                    if by_shape
                    else f"{m.name} is not available on this server right now."
                )
            m = replace(m, enabled=False)
        if m.likeness != from_photo:
            if m.model_key == explicit and m.enabled:
                raise ValidationError(
                    f"{m.name} makes avatars from your photo: use “From my photo”."
                    if m.likeness
                    else f"{m.name} cannot make avatars from a photo."
                )
            m = replace(m, enabled=False)
        usable += m.enabled
        out.append(m)
    if shape_refused and not usable:
        raise ValidationError(
            f"{LABELS[aspect]} is not available on this server: its models make square images only. "
            "Pick Square 1:1."
        )
    return out


def at_aspect(model: ModelSpec, aspect: Aspect) -> ModelSpec:
    """The catalog row with its size reshaped to `aspect` (about the same area, multiples of 16)."""
    width, height = shaped(model.width, model.height, aspect)
    return (
        model
        if (width, height) == (model.width, model.height)
        else replace(model, width=width, height=height)
    )


def choose(models: list[ModelSpec], tier: str, request: GenerationRequest) -> Selection:
    """Selection for one request; "From my photo" only among likeness rows, without preferences."""
    if not request.from_photo:
        prefs = Preferences(request.prefer_realism, request.prefer_hd, request.fast)
        return select_model(models, tier, prefs, request.model, request.size)
    likeness = [m for m in models if m.enabled and m.likeness]
    if not likeness:
        raise NoModelsAvailable("“From my photo” is not available on this server right now.")
    if not accessible_models(likeness, tier, likeness=True):
        needed = min((m.tier for m in likeness), key=TIERS.index)
        raise TierRefused(f"“From my photo” needs the {needed} tier or higher; your tier is {tier}.")
    return select_model(models, tier, Preferences(), request.model, likeness=True)


def experiment_choice(
    session: Session, models: list[ModelSpec], user_id: int, tier: str, request: GenerationRequest
) -> Selection | None:
    """The A/B arm's selection for an Auto request of a tier with a running experiment."""
    if not request.is_auto:
        return None
    return arm_choice(active_for(session, tier), models, user_id, tier)


def arm_choice(
    experiment: ExperimentView | None, models: list[ModelSpec], user_id: int, tier: str
) -> Selection | None:
    """The selection of the user's arm of `experiment` (for an Auto request), if it can run."""
    if experiment is None:
        return None
    arm = arm_for(user_id, experiment)
    key = experiment.model_b if arm == "B" else experiment.model_a
    model = next((m for m in accessible_models(models, tier) if m.model_key == key), None)
    if model is None:  # the arm's model is disabled, unsold or above the tier: the usual choice
        return None
    price = price_for(model, tier)
    reason = f"{tier} tier → {model.name}, {price} credits"  # the arm is recorded, never shown
    return Selection(model=model, price=price, reason=reason, arm=f"exp{experiment.id}:{arm}")


def fallback(err: EngineError, models: list[ModelSpec], model: ModelSpec, tier: str) -> ModelSpec | None:
    """The row's catalog fallback (e.g. FLUX.1-dev refused → schnell), if the tier reaches it."""
    if not err.refused or not model.fallback_key:
        return None
    return next((m for m in accessible_models(models, tier) if m.model_key == model.fallback_key), None)


def named_preset(session: Session, key: str) -> PresetData:
    """The preset a request names; ValidationError for one that does not exist."""
    try:
        if printable(key) != key:  # cannot name a preset; and NUL breaks a PostgreSQL query
            raise NotFound(key)
        return find_preset(session, key)
    except NotFound:
        raise ValidationError(f"Unknown preset {key[:60]!r}.") from None
