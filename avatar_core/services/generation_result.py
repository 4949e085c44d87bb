"""What one generation came to, as the UI, the CLI and the REST API show it."""

from __future__ import annotations

from dataclasses import dataclass, field

from avatar_core.domain.selection import ModelSpec, Selection
from avatar_core.domain.status import GenerationStatus
from avatar_core.engines.base import OFFLINE_ROUTE
from avatar_core.infra.models import Generation


@dataclass(frozen=True)
class GenerationResult:
    """The outcome the UI and CLI show."""

    generation_id: int
    status: GenerationStatus
    model_key: str
    model_name: str
    engine: str
    credits_charged: int
    balance: int
    seed: int
    seconds: float
    reason: str
    image_key: str | None = None
    thumb_key: str | None = None
    error: str | None = None
    lora_applied: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)
    width: int = 0  # of the stored image
    height: int = 0
    provider: str = ""  # the route that ran ("offline", "replicate", "fal-ai", "endpoint"...)
    provider_model: str = ""  # the provider's model id that ran
    lora: str | None = None  # the LoRA repo that ran, None when none did
    lora_scale: float | None = None  # its effective scale
    name: str = ""
    project_id: int | None = None
    # What `GenerationService.quote` would answer for the same request right after this one
    # (same catalog, the user's tier under the lock), so a caller need not quote again; None when
    # that request no longer quotes (e.g. the model was disabled meanwhile) or for a replay.
    quote: Selection | None = None
    tier: str = ""  # the user's tier the quote is for
    sold: tuple[ModelSpec, ...] = ()  # the catalog as sold to this user then (the quote's toggles)

    @property
    def offline(self) -> bool:
        """An offline preview (the Pillow painter), not a model's image."""
        return self.provider == OFFLINE_ROUTE

    @property
    def ok(self) -> bool:
        """True when the image was made and paid for."""
        return self.status == GenerationStatus.COMPLETED

    def as_dict(self) -> dict[str, object]:
        """The fields `generate --json` and the REST API share."""
        out: dict[str, object] = {
            "generation_id": self.generation_id,
            "status": str(self.status),
            "model_key": self.model_key,
            "engine": self.engine,
            "offline_preview": self.offline,
            "credits_charged": self.credits_charged,
            "balance": self.balance,
            "seed": self.seed,
            "seconds": self.seconds,
            "reason": self.reason,
            "lora_applied": self.lora_applied,
            "notes": list(self.notes),
            "width": self.width or None,
            "height": self.height or None,
            "provider": self.provider or None,
            "provider_model": self.provider_model or None,
            "lora": {"repo": self.lora, "scale": self.lora_scale} if self.lora else None,
        }
        if self.error:
            out["error"] = self.error
        return out


def result_of(gen: Generation, balance: int) -> GenerationResult:
    """A GenerationResult from a stored generation (for replays of an idempotent request)."""
    return GenerationResult(
        generation_id=gen.id,
        status=GenerationStatus(gen.status),
        model_key=gen.model_key,
        model_name=gen.model_key,
        engine=gen.engine,
        credits_charged=gen.credits_charged,
        balance=balance,
        seed=gen.seed,
        seconds=gen.seconds or 0.0,
        reason=gen.reason,
        image_key=gen.image_path,
        thumb_key=gen.thumb_path,
        error=gen.error,
        lora_applied=gen.lora_applied,
        notes=tuple(n for n in gen.notes.split("; ") if n),
        width=gen.width,
        height=gen.height,
        provider=gen.provider,
        provider_model=gen.provider_model,
        lora=gen.lora_model if gen.lora_applied else None,
        lora_scale=gen.lora_scale if gen.lora_applied else None,
        name=gen.name,
        project_id=gen.project_id,
    )
