"""The one interface every image engine implements, and the values that cross it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from PIL import Image

from avatar_core.domain.selection import ModelSpec


class RenderHooks(Protocol):
    """What an engine tells the job running it, so a paid call is resumed, never paid twice."""

    def submitting(self) -> None:
        """A paid request is about to be sent (committed before it is)."""

    def submitted(self, ref: str) -> None:
        """The provider's request id and how to poll it (committed before waiting on it)."""

    def cancelled(self) -> bool:
        """True once the job was cancelled or taken over: stop waiting (and cancel upstream)."""
        ...


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
    endpoint_url: str | None = None
    endpoint_handler: str | None = None
    image: bytes | None = None  # the (cleaned) source photo of a likeness avatar, as JPEG
    # A job's run: how to resume a provider call sent before (RenderHooks.submitted's value), and
    # the hooks that commit where the run got to. Engines that cannot resume ignore both.
    resume: str | None = field(default=None, compare=False)
    hooks: RenderHooks | None = field(default=None, compare=False, repr=False)

    @property
    def target(self) -> RouteTarget:
        """The routing-relevant part of this request."""
        return RouteTarget(
            self.model_id,
            self.lora_model,
            self.lora_scale,
            self.width,
            self.height,
            self.endpoint_url,
            self.endpoint_handler,
        )


@dataclass(frozen=True)
class RouteTarget:
    """What decides where a model runs and what it can produce: one catalog row's routing fields."""

    model_id: str
    lora_model: str | None = None
    lora_scale: float | None = None
    width: int = 1024
    height: int = 1024
    endpoint_url: str | None = None
    endpoint_handler: str | None = None

    @classmethod
    def of(cls, model: ModelSpec) -> RouteTarget:
        """The routing fields of a catalog row."""
        return cls(
            model.model_id,
            model.lora_model,
            model.lora_scale,
            model.width,
            model.height,
            model.endpoint_url,
            model.endpoint_handler,
        )


@dataclass(frozen=True)
class Plan:
    """How an engine would serve one catalog row, with the evidence for what it claims.

    `lora` / `lora_scale` are what would really run (None when no LoRA runs); `width` x `height`
    is the size the route can produce for the row's size; `servable` is False when the row cannot
    be served as sold (then `why` says why, for `verify`, the admin tab and the logs).
    """

    route: str  # "offline" | "replicate" | "fal-ai" | "endpoint" | "serverless" | a provider name
    provider_model: str  # the model id on the provider's side ("" when unknown)
    width: int
    height: int
    lora: str | None = None
    lora_scale: float | None = None
    servable: bool = True
    why: str = ""
    status: str = "live"  # Hub mapping status: live | staging | error | unmapped | unknown | n/a
    notes: tuple[str, ...] = ()
    negative_prompt: bool = True  # False where the route has no negative prompt (it is not sent)

    @property
    def size(self) -> str:
        """The achievable size as WxH."""
        return f"{self.width}x{self.height}"


@dataclass(frozen=True)
class RenderResult:
    """A rendered image and how it was really made (from the route's evidence, not from hopes)."""

    image: Image.Image
    engine: str
    model_used: str
    lora_applied: bool = False
    lora_scale_applied: float | None = None
    attempts: int = 1
    notes: tuple[str, ...] = ()
    source_png: bytes | None = None  # the provider's PNG as received (stored without re-encoding)
    provider: str = ""  # the route that ran: "offline", "replicate", "fal-ai", "endpoint", ...
    provider_model: str = ""  # the provider's model id that ran
    offline: bool = False  # an offline preview, not a model's image


OFFLINE_ROUTE = "offline"  # the route (and provider) name of an offline preview


class ErrorKind(StrEnum):
    """Why a render failed; drives refunds-with-fallback, messages and logs."""

    CONTENT = "content"  # the provider refused the prompt or the image (safety filter)
    REFUSED = "refused"  # 400: the provider refused the request
    FORBIDDEN = "forbidden"  # 403 / gated: licence or permission (schnell fallback applies)
    AUTH = "auth"  # 401: token rejected
    CREDITS = "credits"  # 402: provider credits exhausted
    NOT_FOUND = "not_found"
    INVALID = "invalid"  # 422: parameters rejected
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"  # 5xx, loading, connection
    TIMEOUT = "timeout"
    BAD_OUTPUT = "bad_output"  # no decodable image, or the result could not be downloaded
    OFFLINE = "offline"
    UNSUPPORTED = "unsupported"  # the route cannot serve this row as sold
    FAILED = "failed"


class EngineError(Exception):
    """A render that failed: a kind, a sentence safe for end users and a detail for operators."""

    def __init__(
        self,
        user_message: str,
        *,
        status: int | None = None,
        kind: ErrorKind | str = ErrorKind.FAILED,
        attempts: int = 1,
        detail: str = "",
    ) -> None:
        super().__init__(user_message)
        self.user_message = user_message
        self.status = status
        self.kind = ErrorKind(kind)
        self.attempts = attempts
        self.detail = detail or user_message

    @property
    def refused(self) -> bool:
        """True when the model itself was refused (licence, gating): a fallback may serve."""
        return self.kind is ErrorKind.FORBIDDEN


class Engine(Protocol):
    """Renders one image or raises EngineError; must finish by `deadline` (time.monotonic())."""

    name: str
    offline: bool

    def plan(self, target: RouteTarget) -> Plan:
        """How this engine would serve `target` (may look up the Hub once, then cached)."""
        ...

    def render(self, request: RenderRequest, *, deadline: float) -> RenderResult: ...
