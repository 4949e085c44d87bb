"""Tier hierarchy and model selection: pure functions over catalog specs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from avatar_core.domain.errors import ConfigError, NoModelsAvailable, TierRefused, ValidationError


class Tier(StrEnum):
    """The plans, lowest first; a tier reaches its own models and every lower tier's."""

    FREE = "free"
    BASIC = "basic"
    PRO = "pro"
    ENTERPRISE = "enterprise"  # pays nothing per image (price_for)


TIERS: tuple[Tier, ...] = tuple(Tier)
# How a dedicated endpoint treats a LoRA: the toolkit's "default" handler cannot apply one (it
# fails on `lora_weights`); "avatar-creator" (deploy/endpoint/handler.py) applies it or refuses.
ENDPOINT_HANDLERS = ("default", "avatar-creator")
HD_THRESHOLD = 1024


@dataclass(frozen=True)
class ModelSpec:
    """The parts of a catalog row that selection and generation need."""

    model_key: str
    name: str
    tier: str
    credit_cost: int
    model_id: str
    lora_model: str | None
    lora_scale: float | None
    width: int
    height: int
    steps: int
    guidance_scale: float
    enabled: bool = True
    expected_seconds: int = 30
    endpoint_url: str | None = None  # a dedicated Inference Endpoint for this row
    endpoint_handler: str | None = None  # "default" toolkit handler or "avatar-creator"
    license: str = ""
    realism: bool = False  # photoreal without a LoRA (e.g. FLUX.1-Krea-dev), set by an admin
    likeness: bool = False  # edits the user's photo (image-to-image); only for "From my photo"
    cost_usd: float = 0.0  # what the provider charges us per image (admin-editable)
    fallback_key: str | None = None  # the row to run instead when the provider refuses this one

    @property
    def is_realism(self) -> bool:
        """True for models that run with a (realism) LoRA, or that an admin marked photoreal."""
        return bool(self.lora_model) or self.realism

    @property
    def is_fast(self) -> bool:
        """True for the few-step schnell models."""
        return "schnell" in self.model_id.lower()


@dataclass(frozen=True)
class Preferences:
    """What the user asked for besides an explicit model."""

    realism: bool = False
    hd: bool = False
    fast: bool = False


@dataclass(frozen=True)
class Selection:
    """The chosen model, what it costs this user, and a one-line human reason."""

    model: ModelSpec
    price: int
    reason: str
    arm: str | None = None  # the A/B experiment arm that chose it, e.g. "exp3:B"


def tier_rank(tier: str) -> int:
    """Position of `tier` in the hierarchy; ValidationError for an unknown tier."""
    try:
        return TIERS.index(tier)
    except ValueError:
        raise ValidationError(f"Unknown tier {tier!r}; use one of {', '.join(TIERS)}.") from None


def can_access(user_tier: str, model_tier: str) -> bool:
    """A tier reaches its own models and every lower tier's."""
    return tier_rank(user_tier) >= tier_rank(model_tier)


def accessible_models(models: Sequence[ModelSpec], tier: str, likeness: bool = False) -> list[ModelSpec]:
    """Enabled models of one mode (text, or likeness from a photo) the tier reaches, in order."""
    return [m for m in models if m.enabled and m.likeness == likeness and can_access(tier, m.tier)]


def price_for(model: ModelSpec, tier: str) -> int:
    """Enterprise pays nothing; everyone else pays the model's credit cost."""
    return 0 if tier == Tier.ENTERPRISE else model.credit_cost


def _quality(model: ModelSpec) -> tuple[int, int, int, int]:
    """Sort key for 'best': higher tier, realism, resolution, then steps."""
    return (tier_rank(model.tier), int(model.is_realism), model.width * model.height, model.steps)


def _best(models: Sequence[ModelSpec]) -> ModelSpec:
    return max(models, key=_quality)


def _default_for_tier(usable: list[ModelSpec], tier: str) -> ModelSpec:
    """Free → base, basic → realism, pro → HD realism, enterprise → best; else the next best."""
    slow = [m for m in usable if not m.is_fast] or usable
    own = [m for m in slow if m.tier == tier]
    return _best(own or slow)


def _preferred(usable: list[ModelSpec], prefs: Preferences, want_hd: bool) -> tuple[ModelSpec | None, str]:
    """The model the preferences ask for, or None and why it is unavailable."""
    if prefs.fast:
        fast = [m for m in usable if m.is_fast]
        return (_best(fast), "fast requested") if fast else (None, "fast unavailable")
    if want_hd or prefs.realism:
        realism = [m for m in usable if m.is_realism]
        if not realism:
            return None, "realism unavailable"
        if want_hd:
            return max(realism, key=lambda m: (m.width * m.height, _quality(m))), "HD requested"
        cheapest = min(realism, key=lambda m: (tier_rank(m.tier), m.width * m.height))
        return cheapest, "realism requested"
    return None, "default"


def select_model(
    models: Sequence[ModelSpec],
    tier: str,
    preferences: Preferences = Preferences(),
    explicit: str | None = None,
    requested_size: int | None = None,
    likeness: bool = False,
) -> Selection:
    """Pick the model for one request following the catalog rules (DESIGN.md §1).

    Text requests choose among text-to-image rows; `likeness` requests among the photo rows.
    """
    tier_rank(tier)
    enabled = [m for m in models if m.enabled and m.likeness == likeness]
    if not enabled:
        raise NoModelsAvailable("No models are available right now. Please try again later.")
    if explicit:
        return _explicit(enabled, tier, explicit)
    usable = accessible_models(enabled, tier, likeness)
    if not usable:
        # Every tier reaches the free models, so this means they are disabled too; a model above
        # the user's tier is never handed out as a fallback (that would bypass the tier).
        raise NoModelsAvailable(
            f"No model for the {tier} tier is available right now. Please try again later."
        )
    want_hd = preferences.hd or (
        requested_size is not None and requested_size >= HD_THRESHOLD and tier_rank(tier) >= 2
    )
    choice, why = _preferred(usable, preferences, want_hd)
    if why == "HD requested" and not preferences.hd:
        why = "HD requested (size)"
    return _selection(choice or _default_for_tier(usable, tier), tier, why)


def _explicit(enabled: list[ModelSpec], tier: str, key: str) -> Selection:
    model = next((m for m in enabled if m.model_key == key), None)
    if model is None:
        raise ValidationError(f"Model {key[:80]!r} is unknown or disabled.")
    if not can_access(tier, model.tier):
        raise TierRefused(f"{model.name} needs the {model.tier} tier or higher; your tier is {tier}.")
    return _selection(model, tier, "chosen")


def _selection(model: ModelSpec, tier: str, why: str) -> Selection:
    price = price_for(model, tier)
    unit = "credit" if price == 1 else "credits"
    reason = f"{tier} tier, {why} → {model.name}, {price} {unit}"
    return Selection(model=model, price=price, reason=reason)


def priorities(raw: str) -> dict[str, int]:
    """`enterprise=2,pro=1` -> {"enterprise": 2, "pro": 1} (tiers not named: 0)."""
    found: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        tier, _, value = part.partition("=")
        if tier.strip() not in TIERS or not value.strip().lstrip("-").isdigit():
            raise ConfigError(f"AVATAR_TIER_PRIORITY must look like 'enterprise=2,pro=1', got {part!r}.")
        found[tier.strip()] = int(value)
    return found
