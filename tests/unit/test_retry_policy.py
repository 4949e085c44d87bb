"""The pure retry policy and failure classification of the HF engine."""

from __future__ import annotations

import httpx2
import pytest
from huggingface_hub.errors import BadRequestError, HfHubHTTPError, InferenceTimeoutError
from PIL import UnidentifiedImageError

from avatar_core.engines.hf import Failure, RetryPolicy, classify, parse_retry_after, user_message

POLICY = RetryPolicy(
    max_retries=3, max_hint_wait=60.0, backoff_base=1.0, backoff_max=30.0, jitter=0.25
)


def http_error(
    status: int, json: object = None, headers: dict[str, str] | None = None
) -> HfHubHTTPError:
    """An HfHubHTTPError as hf_raise_for_status builds it."""
    response = httpx2.Response(
        status, json=json, headers=headers, request=httpx2.Request("POST", "http://x/models/m")
    )
    cls = BadRequestError if status == 400 else HfHubHTTPError
    return cls(f"{status} error", response=response)


def test_loading_waits_estimated_time_growing_and_capped() -> None:
    failure = Failure("loading", 503, hint=20.0)
    assert [POLICY.delay(failure, attempt=n) for n in (1, 2, 3)] == [20.0, 40.0, 60.0]


def test_rate_limit_waits_retry_after_capped() -> None:
    assert POLICY.delay(Failure("rate_limited", 429, hint=7.0), attempt=1) == 7.0
    assert POLICY.delay(Failure("rate_limited", 429, hint=600.0), attempt=1) == 60.0


def test_missing_hint_falls_back_to_backoff() -> None:
    assert POLICY.delay(Failure("loading", 503), attempt=2, rand=0.0) == 2.0
    assert POLICY.delay(Failure("rate_limited", 429), attempt=1, rand=0.0) == 1.0


@pytest.mark.parametrize("kind", ["server", "timeout", "connection"])
def test_transient_failures_back_off_exponentially_with_jitter(kind: str) -> None:
    failure = Failure(kind)
    assert [POLICY.delay(failure, attempt=n, rand=0.0) for n in (1, 2, 3)] == [1.0, 2.0, 4.0]
    assert POLICY.delay(failure, attempt=3, rand=1.0) == 5.0
    assert POLICY.delay(failure, attempt=4) is None


def test_backoff_is_capped() -> None:
    policy = RetryPolicy(max_retries=20, backoff_max=30.0)
    assert policy.delay(Failure("server"), attempt=10, rand=1.0) == 30.0


@pytest.mark.parametrize("kind", ["rejected", "unsupported", "offline", "failed"])
def test_final_failures_are_never_retried(kind: str) -> None:
    assert POLICY.delay(Failure(kind, 400), attempt=1) is None


def test_bad_output_retried_at_most_once() -> None:
    failure = Failure("bad_output")
    assert POLICY.delay(failure, attempt=1, bad_outputs=1) is not None
    assert POLICY.delay(failure, attempt=2, bad_outputs=2) is None


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("3", 3.0), ("0.5", 0.5), ("-1", 0.0), (None, None), ("Wed, 21 Oct 2015 07:28:00 GMT", None)],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value) == seconds


@pytest.mark.parametrize(
    ("exc", "kind", "status", "hint"),
    [
        (
            http_error(503, {"error": "Model m is currently loading", "estimated_time": 12.5}),
            "loading",
            503,
            12.5,
        ),
        (http_error(503, {"error": "upstream down"}), "server", 503, None),
        (http_error(429, {"error": "slow down"}, {"Retry-After": "4"}), "rate_limited", 429, 4.0),
        (http_error(500), "server", 500, None),
        (http_error(400), "rejected", 400, None),
        (http_error(401), "rejected", 401, None),
        (InferenceTimeoutError("slow"), "timeout", None, None),
        (TimeoutError("replicate: no output"), "timeout", None, None),
        (httpx2.RemoteProtocolError("dropped"), "connection", None, None),
        (httpx2.ConnectError("refused"), "connection", None, None),
        (UnidentifiedImageError("garbage"), "bad_output", None, None),
        (ValueError("Model m is not supported by provider replicate."), "unsupported", None, None),
    ],
)
def test_classify(exc: BaseException, kind: str, status: int | None, hint: float | None) -> None:
    failure = classify(exc)
    assert (failure.kind, failure.status, failure.hint) == (kind, status, hint)


def test_messages_are_user_safe() -> None:
    dev = "black-forest-labs/FLUX.1-dev"
    assert "token was rejected" in user_message(Failure("rejected", 401), dev, "replicate")
    assert "licence" in user_message(Failure("rejected", 403), dev, "replicate")
    assert "licence" not in user_message(
        Failure("rejected", 403), "black-forest-labs/FLUX.1-schnell", "replicate"
    )
    assert "not found" in user_message(Failure("rejected", 404), dev, "endpoint")
