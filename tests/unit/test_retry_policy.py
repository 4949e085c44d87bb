"""The pure retry policy and failure classification of the HF engine."""

from __future__ import annotations

import httpx2
import pytest
from huggingface_hub.errors import BadRequestError, HfHubHTTPError, InferenceTimeoutError
from PIL import UnidentifiedImageError

from avatar_core.engines.base import ErrorKind
from avatar_core.engines.hf_errors import (
    Failure,
    ProviderFailure,
    RetryPolicy,
    classify,
    error_kind,
    parse_retry_after,
    user_message,
)

POLICY = RetryPolicy(max_retries=3, max_hint_wait=60.0, backoff_base=1.0, backoff_max=30.0, jitter=0.25)


def http_error(status: int, json: object = None, headers: dict[str, str] | None = None) -> HfHubHTTPError:
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


def test_hf_ratelimit_header_is_honoured_without_retry_after() -> None:
    headers = {"RateLimit": '"api";r=0;t=7', "RateLimit-Policy": '"fixed window";"api";q=500;w=300'}
    failure = classify(http_error(429, {"error": "slow down"}, headers))
    assert (failure.kind, failure.hint) == ("rate_limited", 7.0)
    assert POLICY.delay(failure, attempt=1) == 7.0


@pytest.mark.parametrize("kind", ["server", "timeout", "connection", "loading", "bad_output"])
def test_pay_per_image_routes_resubmit_at_most_once(kind: str) -> None:
    paid = RetryPolicy(max_retries=3, max_paid_retries=1)
    assert paid.delay(Failure(kind), attempt=1, paid_retries=0) is not None
    assert paid.delay(Failure(kind), attempt=2, bad_outputs=1, paid_retries=1) is None


def test_rate_limits_are_not_paid_resubmits() -> None:
    paid = RetryPolicy(max_retries=3, max_paid_retries=1)
    assert paid.delay(Failure("rate_limited", 429, 2.0), attempt=3, paid_retries=1) == 2.0


@pytest.mark.parametrize(
    ("failure", "kind"),
    [
        (Failure("rejected", 400, detail='x | {"error": "NSFW content detected"}'), ErrorKind.CONTENT),
        (Failure("rejected", 400, detail='x | {"error": "bad"}'), ErrorKind.REFUSED),
        (Failure("rejected", 401), ErrorKind.AUTH),
        (Failure("rejected", 402), ErrorKind.CREDITS),
        (Failure("rejected", 403), ErrorKind.FORBIDDEN),
        (Failure("rejected", 422), ErrorKind.INVALID),
        (classify(ProviderFailure("content", "flagged")), ErrorKind.CONTENT),
        (Failure("server", 500), ErrorKind.UNAVAILABLE),
        (Failure("loading", 503), ErrorKind.UNAVAILABLE),
    ],
)
def test_error_kinds(failure: Failure, kind: ErrorKind) -> None:
    assert error_kind(failure) is kind


def test_messages_never_give_end_users_operator_advice() -> None:
    for status in (400, 401, 402, 403, 404, 422, 500):
        failure = Failure("rejected", status, detail="token hf_x licence https://huggingface.co/x")
        text = user_message(error_kind(failure), failure)
        assert not any(w in text.lower() for w in ("token", "licen", "http", "subscription", "hf_"))


def test_content_refusals_show_the_providers_reason_without_urls() -> None:
    failure = Failure("rejected", 400, detail='400 | {"error": "NSFW content detected, see https://x.y"}')
    text = user_message(ErrorKind.CONTENT, failure)
    assert "NSFW content detected" in text and "https" not in text
