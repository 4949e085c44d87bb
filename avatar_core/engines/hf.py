"""Hugging Face engine: FLUX via InferenceClient, plus the retries and deadline it lacks."""

from __future__ import annotations

import io
import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx2
from huggingface_hub import InferenceClient
from huggingface_hub.errors import HfHubHTTPError, InferenceTimeoutError, OfflineModeIsEnabled
from PIL import Image, UnidentifiedImageError

from avatar_core.engines.base import EngineError, RenderRequest, RenderResult

RETRYABLE = frozenset({"loading", "rate_limited", "server", "timeout", "connection", "bad_output"})
LORA_PROVIDERS = ("replicate", "fal-ai")
GATED_MODELS = ("black-forest-labs/FLUX.1-dev",)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
T = TypeVar("T")
KIND_BY_STATUS = {
    400: "refused",
    401: "auth",
    402: "credits",
    403: "refused",
    404: "not_found",
    422: "invalid",
}


class BadImageError(Exception):
    """The provider answered 200 but the body did not decode as a complete image."""


BAD_OUTPUT_ERRORS = (
    BadImageError,
    UnidentifiedImageError,
    json.JSONDecodeError,
    KeyError,
    IndexError,
)


@dataclass(frozen=True)
class Failure:
    """One failed attempt: `kind` drives the retry decision, `hint` is a server-given wait."""

    kind: str
    status: int | None = None
    hint: float | None = None
    detail: str = ""


@dataclass(frozen=True)
class RetryPolicy:
    """Pure retry decisions: how long to wait after a failure, or None to give up."""

    max_retries: int = 3
    max_hint_wait: float = 60.0
    backoff_base: float = 1.0
    backoff_max: float = 30.0
    jitter: float = 0.25
    max_bad_output_retries: int = 1

    def backoff(self, attempt: int, rand: float) -> float:
        """Exponential backoff for `attempt` (1-based) plus up to `jitter` x that much, capped."""
        base = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
        return min(self.backoff_max, base * (1.0 + self.jitter * rand))

    def delay(
        self, failure: Failure, *, attempt: int, bad_outputs: int = 0, rand: float = 0.0
    ) -> float | None:
        """Seconds to wait before attempt `attempt + 1`, or None when the failure is final."""
        if failure.kind not in RETRYABLE or attempt > self.max_retries:
            return None
        if failure.kind == "bad_output" and bad_outputs > self.max_bad_output_retries:
            return None
        if failure.kind == "loading" and failure.hint is not None:
            return min(self.max_hint_wait, max(0.0, failure.hint) * 2 ** (attempt - 1))
        if failure.kind == "rate_limited" and failure.hint is not None:
            return min(self.max_hint_wait, max(0.0, failure.hint))
        return self.backoff(attempt, rand)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds form only), else None."""
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def classify(exc: BaseException) -> Failure:
    """Map whatever InferenceClient raised into a Failure (checked against huggingface_hub 2.4)."""
    detail = f"{type(exc).__name__}: {exc}"[:2000]
    if isinstance(exc, HfHubHTTPError) and exc.response is not None:
        response = exc.response
        status = response.status_code
        if status == 503:
            estimated = _estimated_time(response)
            loading = estimated is not None or "loading" in _text(response).lower()
            kind = "loading" if loading else "server"
            return Failure(kind, status, estimated, detail)
        if status == 429:
            return Failure(
                "rate_limited",
                status,
                parse_retry_after(response.headers.get("retry-after")),
                detail,
            )
        if status >= 500 or status == 408:
            return Failure("server", status, None, detail)
        return Failure("rejected", status, None, detail)
    if isinstance(exc, (InferenceTimeoutError, httpx2.TimeoutException)):
        return Failure("timeout", None, None, detail)
    if isinstance(exc, OfflineModeIsEnabled):
        return Failure("offline", None, None, detail)
    if isinstance(exc, BAD_OUTPUT_ERRORS):
        return Failure("bad_output", None, None, detail)
    if isinstance(exc, TimeoutError):  # replicate: prediction returned without output
        return Failure("timeout", None, None, detail)
    if isinstance(exc, (httpx2.HTTPError, OSError)):
        return Failure("connection", None, None, detail)
    if isinstance(exc, ValueError):  # no provider mapping / token for a provider / task
        return Failure("unsupported", None, None, detail)
    return Failure("failed", None, None, detail)


def _text(response: httpx2.Response) -> str:
    """The error body as text, or "" when it was not read."""
    try:
        return response.text
    except Exception:  # noqa: BLE001 - httpx2.ResponseNotRead on an unread stream
        return ""


def _estimated_time(response: httpx2.Response) -> float | None:
    """The `estimated_time` of a 503 'currently loading' JSON body, if any."""
    try:
        value = json.loads(_text(response) or "{}").get("estimated_time")
        return float(value) if value is not None else None
    except (ValueError, AttributeError, TypeError):
        return None


def user_message(failure: Failure, model_id: str, provider: str) -> str:
    """A user-safe sentence for a final failure: no stack traces, no URLs."""
    if failure.status in (400, 403) and model_id in GATED_MODELS:
        return (
            f"{model_id} was refused: accept its licence on Hugging Face and check that your "
            f"subscription/credits cover the '{provider}' provider."
        )
    messages = {
        401: "The Hugging Face token was rejected. Check the configured HF token.",
        402: "Hugging Face inference credits are exhausted for this token.",
        400: f"The request for {model_id} was rejected by '{provider}'.",
        403: f"Access to {model_id} was refused; check the token's permissions.",
        404: f"Model {model_id} was not found (on '{provider}').",
        422: f"'{provider}' rejected the generation parameters for {model_id}.",
        "loading": f"{model_id} is still loading on '{provider}'. Try again in a minute.",
        "rate_limited": "Hugging Face is rate-limiting requests right now. Try again shortly.",
        "server": f"'{provider}' had a server error for {model_id}. Try again later.",
        "timeout": f"{model_id} did not answer in time. Try again later.",
        "connection": f"Could not reach '{provider}'. Try again later.",
        "bad_output": f"'{provider}' did not return a valid image for {model_id}.",
        "offline": "Hugging Face access is disabled on this server (offline mode).",
        "unsupported": f"{model_id} cannot be served by '{provider}' with this configuration.",
    }
    fallback = f"The image could not be generated with {model_id}."
    return messages.get(failure.status or 0) or messages.get(failure.kind, fallback)


def error_kind(failure: Failure) -> str:
    """EngineError.kind for a final failure."""
    if failure.status in KIND_BY_STATUS:
        return KIND_BY_STATUS[failure.status]
    return "unavailable" if failure.kind in ("loading", "server", "connection") else failure.kind


@dataclass(frozen=True)
class Route:
    """Where one request goes: client and text_to_image kwargs, and what the result claims."""

    label: str
    provider: str
    client_kwargs: dict[str, Any]
    call_kwargs: dict[str, Any]
    lora_applied: bool
    lora_scale: float | None
    notes: tuple[str, ...] = ()


class HFEngine:
    """Engine over InferenceClient: endpoint URL, replicate, fal-ai or plain provider routing."""

    name = "hf"

    def __init__(
        self,
        *,
        token: str | None,
        base_url: str | None = None,
        provider: str | None = None,
        timeout: float = 120.0,
        max_retries: int = 3,
        max_loading_wait: float = 60.0,
        backoff_base: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        client_factory: Callable[..., InferenceClient] = InferenceClient,
    ) -> None:
        self.token = token
        self.base_url = base_url.rstrip("/") if base_url else None
        self.provider = provider
        self.timeout = timeout
        self.policy = RetryPolicy(
            max_retries=max_retries, max_hint_wait=max_loading_wait, backoff_base=backoff_base
        )
        self._sleep, self._clock = sleep, clock
        self._rng = rng or random.Random()
        self._client_factory = client_factory

    def route(self, request: RenderRequest) -> Route:
        """Decide where and how `request` is sent (pure: no I/O)."""
        kwargs: dict[str, Any] = {
            "negative_prompt": request.negative_prompt or None,
            "width": request.width,
            "height": request.height,
            "num_inference_steps": request.steps,
            "guidance_scale": request.guidance_scale,
            "seed": request.seed,
        }
        lora, scale = request.lora_model, request.lora_scale
        scale = 1.0 if lora and scale is None else scale
        if self.base_url:
            if lora:
                kwargs["extra_body"] = {"lora_weights": lora, "lora_scale": scale}
            client = {"model": f"{self.base_url}/models/{request.model_id}"}
            return Route(
                "hf:endpoint", "endpoint", client, kwargs, bool(lora), scale if lora else None
            )
        if not lora:
            provider = self.provider or "auto"
            kwargs["model"] = request.model_id
            return Route(f"hf:{provider}", provider, {"provider": provider}, kwargs, False, None)
        provider = "replicate" if self.provider in (None, "auto") else self.provider
        if provider not in LORA_PROVIDERS:
            raise EngineError(
                f"{request.model_id} with LoRA {lora} cannot run on '{provider}': LoRAs need "
                "replicate, fal-ai or an endpoint URL.",
                kind="unsupported",
                attempts=0,
            )
        if provider == "replicate":
            kwargs["model"] = request.model_id
            kwargs["extra_body"] = {
                "lora_weights": f"https://huggingface.co/{lora}",
                "lora_scale": scale,
            }
            return Route("hf:replicate", provider, {"provider": provider}, kwargs, True, scale)
        kwargs["model"] = lora  # fal-ai applies a LoRA only when the LoRA repo is the model
        note = f"The configured LoRA scale {scale:g} could not be honoured"
        notes = (note + " (fal-ai fixes LoRA scale at 1.0).",) if scale != 1.0 else ()
        return Route("hf:fal-ai", provider, {"provider": provider}, kwargs, True, 1.0, notes)

    def render(self, request: RenderRequest, *, deadline: float) -> RenderResult:
        """Render one image, retrying transient failures, and finish (or fail) by `deadline`."""
        route = self.route(request)
        attempt, bad_outputs, failure = 0, 0, Failure("timeout")
        last_exc: BaseException | None = None
        while True:
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise self._final(route, request, failure, attempt, last_exc, out_of_time=True)
            attempt += 1
            try:
                image, png = self._attempt(route, request, min(self.timeout, remaining))
                return RenderResult(image, route.label, request.model_id, route.lora_applied,
                                    route.lora_scale, attempt, route.notes, png)  # fmt: skip
            except Exception as exc:  # noqa: BLE001 - classified below, re-raised as EngineError
                last_exc, failure = exc, classify(exc)
            bad_outputs += failure.kind == "bad_output"
            wait = self.policy.delay(
                failure, attempt=attempt, bad_outputs=bad_outputs, rand=self._rng.random()
            )
            if wait is None:
                raise self._final(route, request, failure, attempt, last_exc)
            if self._clock() + wait >= deadline:
                raise self._final(route, request, failure, attempt, last_exc, out_of_time=True)
            self._sleep(wait)

    def _attempt(self, route: Route, request: RenderRequest, timeout: float
                 ) -> tuple[Image.Image, bytes | None]:  # fmt: skip
        """One call to InferenceClient, bounded by `timeout` even where the library sets none.

        Also returns the PNG bytes as received (when the body was a PNG), so the store can keep
        them instead of re-encoding the same pixels.
        """
        client = self._client_factory(token=self.token, timeout=timeout, **route.client_kwargs)

        def call() -> tuple[Image.Image, bytes | None]:
            image = client.text_to_image(request.prompt, **route.call_kwargs)
            png = _received_png(image)
            try:
                image.load()  # a truncated body only fails here
            except Exception as exc:  # noqa: BLE001 - PIL raises OSError, SyntaxError, ValueError...
                raise BadImageError(f"undecodable image: {exc}") from exc
            return image, png

        return _run_bounded(call, timeout + 0.25)

    def _final(
        self,
        route: Route,
        request: RenderRequest,
        failure: Failure,
        attempts: int,
        cause: BaseException | None,
        *,
        out_of_time: bool = False,
    ) -> EngineError:
        """The EngineError for a failure that will not be retried, with detail kept for logs."""
        kind = "timeout" if out_of_time or failure.kind == "timeout" else error_kind(failure)
        message = user_message(failure, request.model_id, route.provider)
        if out_of_time and failure.kind not in ("loading", "rate_limited", "timeout"):
            message = f"{request.model_id} could not be generated in time. Try again later."
        error = EngineError(message, status=failure.status, kind=kind, attempts=attempts)
        error.detail = failure.detail  # type: ignore[attr-defined]
        error.__cause__ = cause
        return error


def _received_png(image: Image.Image) -> bytes | None:
    """The body a not-yet-loaded image is read from, if it is an in-memory PNG, else None.

    InferenceClient returns `Image.open(BytesIO(body))`; PIL drops that buffer on `load()`.
    """
    fp = getattr(image, "fp", None)
    if image.format != "PNG" or not isinstance(fp, io.BytesIO):
        return None
    data = fp.getvalue()
    return data if data.startswith(PNG_SIGNATURE) else None


def _run_bounded(fn: Callable[[], T], limit: float) -> T:
    """Run `fn` in a daemon thread; InferenceTimeoutError if not done within `limit` seconds."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target, name="hf-engine-call", daemon=True)
    thread.start()
    thread.join(max(0.0, limit))
    if thread.is_alive():
        raise InferenceTimeoutError(f"still running after {limit:.2f}s (untimed library request)")
    if "error" in box:
        raise box["error"]
    return box["value"]
