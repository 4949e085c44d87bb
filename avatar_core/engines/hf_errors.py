"""Failures of one Hugging Face call: classification, the retry policy and the messages.

Classification follows what huggingface_hub 2.4 raises (checked in its source): HTTP statuses as
`HfHubHTTPError` (400 as `BadRequestError`), slow calls as `InferenceTimeoutError`, dropped
connections as raw `httpx2` errors, undecodable bodies as PIL errors. Users get a plain sentence;
operators get the detail (token, licence, subscription advice goes to logs, `verify` and admins).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import httpx2
from huggingface_hub.errors import HfHubHTTPError, InferenceTimeoutError, OfflineModeIsEnabled
from huggingface_hub.utils import parse_ratelimit_headers
from PIL import UnidentifiedImageError

from avatar_core.engines.base import ErrorKind

RETRYABLE = frozenset({"loading", "rate_limited", "server", "timeout", "connection", "bad_output"})
# Failures after which a pay-per-image provider may already have run (and billed) the image.
PAID_AGAIN = frozenset({"loading", "server", "timeout", "connection", "bad_output"})
CONTENT_WORDS = re.compile(r"nsfw|safety|content (filter|policy|moderation)|sensitive|flagged", re.I)


class BadImageError(Exception):
    """The provider answered but the body did not decode as a complete image."""


class ProviderFailure(Exception):
    """The provider ran the request and reported a failure (e.g. a failed Replicate prediction)."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind


BAD_OUTPUT_ERRORS = (
    BadImageError,
    UnidentifiedImageError,
    json.JSONDecodeError,
    KeyError,
    IndexError,
    TypeError,
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
    max_paid_retries: int | None = None  # pay-per-image routes: at most this many re-submits

    def backoff(self, attempt: int, rand: float) -> float:
        """Exponential backoff for `attempt` (1-based) plus up to `jitter` x that much, capped."""
        base = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
        return min(self.backoff_max, base * (1.0 + self.jitter * rand))

    def delay(
        self,
        failure: Failure,
        *,
        attempt: int,
        bad_outputs: int = 0,
        rand: float = 0.0,
        paid_retries: int = 0,
    ) -> float | None:
        """Seconds to wait before attempt `attempt + 1`, or None when the failure is final.

        `paid_retries` counts earlier re-submits after failures in PAID_AGAIN.
        """
        if failure.kind not in RETRYABLE or attempt > self.max_retries:
            return None
        if failure.kind == "bad_output" and bad_outputs > self.max_bad_output_retries:
            return None
        if (
            self.max_paid_retries is not None
            and failure.kind in PAID_AGAIN
            and paid_retries >= self.max_paid_retries
        ):
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


def rate_limit_wait(headers: httpx2.Headers) -> float | None:
    """The wait a 429 asks for: `Retry-After`, else HF's `RateLimit: "api";r=0;t=<s>` header."""
    wait = parse_retry_after(headers.get("retry-after"))
    if wait is not None:
        return wait
    info = parse_ratelimit_headers(headers)
    return float(info.reset_in_seconds) if info is not None else None


def classify(exc: BaseException) -> Failure:
    """Map whatever one call raised into a Failure."""
    detail = f"{type(exc).__name__}: {exc}"[:2000]
    if isinstance(exc, ProviderFailure):
        return Failure(exc.kind, None, None, str(exc)[:2000])
    if isinstance(exc, HfHubHTTPError) and exc.response is not None:
        response = exc.response
        status = response.status_code
        detail = f"HTTP {status} {detail} | {_text(response)[:1000]}"
        if status == 503:
            estimated = _estimated_time(response)
            loading = estimated is not None or "loading" in _text(response).lower()
            return Failure("loading" if loading else "server", status, estimated, detail)
        if status == 429:
            return Failure("rate_limited", status, rate_limit_wait(response.headers), detail)
        if status >= 500 or status == 408:
            return Failure("server", status, None, detail)
        return Failure("rejected", status, None, detail)
    if isinstance(exc, (InferenceTimeoutError, httpx2.TimeoutException, TimeoutError)):
        return Failure("timeout", None, None, detail)
    if isinstance(exc, OfflineModeIsEnabled):
        return Failure("offline", None, None, detail)
    if isinstance(exc, BAD_OUTPUT_ERRORS):
        return Failure("bad_output", None, None, detail)
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


def provider_reason(detail: str) -> str:
    """The provider's own words from a failure detail, trimmed for showing to a user."""
    text = detail.split(" | ", 1)[-1]
    try:
        body = json.loads(text)
        text = str(body.get("error") or body.get("detail") or text) if isinstance(body, dict) else text
    except ValueError:
        pass
    text = re.sub(r"https?://\S+", "", text)
    return " ".join(text.split())[:200]


def error_kind(failure: Failure) -> ErrorKind:
    """The ErrorKind of a final failure."""
    by_status = {
        401: ErrorKind.AUTH,
        402: ErrorKind.CREDITS,
        403: ErrorKind.FORBIDDEN,
        404: ErrorKind.NOT_FOUND,
        422: ErrorKind.INVALID,
    }
    if failure.kind == "content" or (failure.kind == "rejected" and failure.status in (None, 400)):
        content = failure.kind == "content" or CONTENT_WORDS.search(failure.detail)
        return ErrorKind.CONTENT if content else ErrorKind.REFUSED
    if failure.status in by_status:
        return by_status[failure.status]
    if failure.kind in ("loading", "server", "connection"):
        return ErrorKind.UNAVAILABLE
    if failure.kind in {k.value for k in ErrorKind}:
        return ErrorKind(failure.kind)
    return ErrorKind.FAILED


def user_message(kind: ErrorKind, failure: Failure) -> str:
    """A sentence for the end user: no tokens, licences, URLs or stack traces."""
    if kind is ErrorKind.CONTENT:
        reason = provider_reason(failure.detail)
        if not reason:
            return "The image service's safety filter refused this request. Try a different prompt."
        return f"The image service's safety filter refused this request: {reason}" + (
            "" if reason[-1] in ".!?" else "."
        )
    messages = {
        ErrorKind.REFUSED: "The image service refused this request.",
        ErrorKind.FORBIDDEN: "This model is not available right now.",
        ErrorKind.INVALID: "The image service refused this request.",
        ErrorKind.RATE_LIMITED: "The image service is busy right now. Try again shortly.",
        ErrorKind.TIMEOUT: "The image service did not answer in time. Try again later.",
        ErrorKind.BAD_OUTPUT: "The image service did not return a usable image. Try again.",
    }
    return messages.get(kind, "The image service is not available right now. Try again later.")
