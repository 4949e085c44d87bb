"""The one interface every image engine implements, and the values that cross it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from PIL import Image


@dataclass(frozen=True)
class RenderRequest:
    """Everything an engine needs to render one image; engines never see the database."""

    prompt: str
    width: int
    height: int
    steps: int
    guidance_scale: float
    seed: int
    model_id: str
    negative_prompt: str = ""
    lora_model: str | None = None
    lora_scale: float | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RenderResult:
    """A rendered image and how it was really made."""

    image: Image.Image
    engine: str
    model_used: str
    lora_applied: bool = False
    lora_scale_applied: float | None = None
    attempts: int = 1
    notes: tuple[str, ...] = ()
    source_png: bytes | None = None  # the provider's PNG as received (stored without re-encoding)


class EngineError(Exception):
    """A render that failed; `user_message` is safe to show, `status` is the HTTP status if any."""

    def __init__(
        self,
        user_message: str,
        *,
        status: int | None = None,
        kind: str = "failed",
        attempts: int = 1,
    ) -> None:
        super().__init__(user_message)
        self.user_message = user_message
        self.status = status
        self.kind = kind
        self.attempts = attempts

    @property
    def refused(self) -> bool:
        """True when the provider refused the request itself (licence, subscription, bad input)."""
        return self.status in (400, 403)


class Engine(Protocol):
    """Renders one image or raises EngineError; must finish by `deadline` (time.monotonic())."""

    name: str

    def render(self, request: RenderRequest, *, deadline: float) -> RenderResult: ...
