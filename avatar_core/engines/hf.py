"""Hugging Face engine: FLUX through huggingface_hub's provider helpers, honestly.

Each call is built by the library itself (`get_provider_helper(...).prepare_request`: the Hub
mapping lookup, the routed URL, auth headers, the provider payload including `lora_weights` /
`loras`), exactly as `InferenceClient.text_to_image` builds it (huggingface_hub 2.4
`inference/_client.py`: prepare_request -> _inner_post -> get_response). The last two steps are
ours, because the library's `get_response` loses money on pay-per-image providers: Replicate's
returns a bare `TimeoutError` when a prediction is still `starting` (the prediction keeps running
and is billed, and its `urls.get` is lost) and downloads results without a status check. Here a
pending prediction is polled, never re-submitted, and a failed download is retried as a download.
What a result claims (LoRA, scale, provider model, size) comes from the route's `Plan`.
"""

from __future__ import annotations

import io
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx2
from huggingface_hub.inference._providers import get_provider_helper  # pinned: huggingface-hub==2.4.0
from huggingface_hub.utils import get_session, hf_raise_for_status
from PIL import Image

from avatar_core.engines.base import EngineError, ErrorKind, Plan, RenderRequest, RenderResult, RouteTarget
from avatar_core.engines.hf_errors import (
    PAID_AGAIN,
    BadImageError,
    Failure,
    ProviderFailure,
    RetryPolicy,
    classify,
    error_kind,
    user_message,
)
from avatar_core.engines.hub import MappingCache, hub_lookup
from avatar_core.engines.routes import FAL, REPLICATE, Call, RouteConfig, build_call, plan_route

log = logging.getLogger("avatar_core.engines.hf")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PAY_PER_IMAGE = (REPLICATE, FAL)


@dataclass(frozen=True)
class Received:
    """One decoded image and, when it came as PNG, its bytes as received."""

    image: Image.Image
    png: bytes | None


class HFEngine:
    """Engine over Hugging Face routes: replicate, fal-ai, dedicated endpoints, a base URL."""

    name = "hf"
    offline = False

    def __init__(
        self,
        *,
        token: str | None,
        base_url: str | None = None,
        base_url_handler: str = "default",
        provider: str | None = None,
        timeout: float = 120.0,
        max_retries: int = 3,
        max_loading_wait: float = 60.0,
        backoff_base: float = 1.0,
        poll_interval: float = 1.0,
        download_retries: int = 2,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        mappings: MappingCache | None = None,
    ) -> None:
        self.token = token
        self.config = RouteConfig(
            provider or "", base_url.rstrip("/") if base_url else None, base_url_handler
        )
        self.timeout = timeout
        self.policy = RetryPolicy(
            max_retries=max_retries, max_hint_wait=max_loading_wait, backoff_base=backoff_base
        )
        self.paid_policy = RetryPolicy(
            max_retries=max_retries,
            max_hint_wait=max_loading_wait,
            backoff_base=backoff_base,
            max_paid_retries=1,
        )
        self.poll_interval, self.download_retries = poll_interval, download_retries
        self._sleep, self._clock = sleep, clock
        self._rng = rng or random.Random()
        self.mappings = mappings or MappingCache(hub_lookup(token))

    def plan(self, target: RouteTarget) -> Plan:
        """How `target` would run here (Hub mappings looked up once, then cached)."""
        return plan_route(target, self.config, self.mappings.get)

    def render(self, request: RenderRequest, *, deadline: float) -> RenderResult:
        """Render one image, retrying what is safe to retry, and finish (or fail) by `deadline`."""
        plan = self.plan(request.target)
        if not plan.servable:
            raise EngineError(
                "This model is not available on this server right now.",
                kind=ErrorKind.UNSUPPORTED,
                attempts=0,
                detail=plan.why,
            )
        call = build_call(plan, request, self.config)
        policy = self.paid_policy if plan.route in PAY_PER_IMAGE else self.policy
        attempt, bad_outputs, paid_retries, failure = 0, 0, 0, Failure("timeout")
        while True:
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise self._final(failure, attempt, out_of_time=True)
            attempt += 1
            try:
                got = self._attempt(plan, call, request.prompt, min(self.timeout, remaining), deadline)
                return RenderResult(
                    got.image,
                    f"hf:{plan.route}",
                    request.model_id,
                    plan.lora is not None,
                    plan.lora_scale,
                    attempt,
                    plan.notes,
                    got.png,
                    plan.route,
                    plan.provider_model or call.model,
                )
            except Exception as exc:  # noqa: BLE001 - classified below, re-raised as EngineError
                failure = classify(exc)
                log.info(
                    "hf.attempt_failed route=%s attempt=%d kind=%s detail=%s",
                    plan.route,
                    attempt,
                    failure.kind,
                    failure.detail[:300],
                )
            bad_outputs += failure.kind == "bad_output"
            wait = policy.delay(
                failure,
                attempt=attempt,
                bad_outputs=bad_outputs,
                rand=self._rng.random(),
                paid_retries=paid_retries,
            )
            if wait is None:
                raise self._final(failure, attempt)
            if self._clock() + wait >= deadline:
                raise self._final(failure, attempt, out_of_time=True)
            paid_retries += failure.kind in PAID_AGAIN
            self._sleep(wait)

    def _attempt(self, plan: Plan, call: Call, prompt: str, timeout: float, deadline: float) -> Received:
        """One submission: the library builds the request; we post it and collect the image."""
        helper = get_provider_helper(call.provider, task=call.task, model=call.model)  # type: ignore[arg-type]
        params = helper.prepare_request(
            inputs=call.image if call.image is not None else prompt,
            parameters=call.parameters,
            headers={"accept": "image/png"},
            model=call.model,
            api_key=self.token,
        )
        response = get_session().post(
            params.url, json=params.json, content=params.data, headers=params.headers, timeout=timeout
        )
        hf_raise_for_status(response)
        if plan.route == REPLICATE:
            url = self._replicate_output(response.json(), params.url, params.headers, deadline)
            return self._download(url, deadline)
        if plan.route == FAL:
            body = response.json()
            if "request_id" in body and "images" not in body:  # a queued job (image-to-image)
                body = self._fal_result(body, params.url, params.headers, deadline)
            return self._download(_fal_output(body), deadline)
        return _decode(response.content)

    def _replicate_output(
        self, body: dict[str, Any], post_url: str, headers: dict[str, Any], deadline: float
    ) -> str:
        """The output URL of a prediction, polling `urls.get` while it is starting/processing."""
        while True:
            status = body.get("status")
            if status == "succeeded":
                output = body.get("output")
                return str(output[0] if isinstance(output, list) else output)
            if status in ("failed", "canceled"):
                error = str(body.get("error") or f"prediction {status}")
                raise ProviderFailure("content" if "nsfw" in error.lower() else "rejected", error)
            urls = body.get("urls") or {}
            if self._clock() + self.poll_interval >= deadline:
                self._cancel(urls.get("cancel"), post_url, headers)
                raise TimeoutError(f"prediction {body.get('id')} still {status} at the deadline")
            self._sleep(self.poll_interval)
            wait = min(self.timeout, max(1.0, deadline - self._clock()))
            poll = get_session().get(_via(post_url, urls["get"]), headers=headers, timeout=wait)
            hf_raise_for_status(poll)
            body = poll.json()

    def _fal_result(
        self, body: dict[str, Any], post_url: str, headers: dict[str, Any], deadline: float
    ) -> dict[str, Any]:
        """Poll a fal queue job until COMPLETED, then fetch its result (URLs built as the library does).

        huggingface_hub 2.4 `FalAIQueueTask.get_response` polls `<base><response_url path>/status`
        with no deadline; this is the same protocol, bounded by the generation's deadline.
        """
        parts = urlsplit(post_url)
        router = parts.netloc == "router.huggingface.co"
        base = f"{parts.scheme}://{parts.netloc}" + ("/fal-ai" if router else "")
        query = f"?{parts.query}" if parts.query else ""
        path = urlsplit(str(body.get("response_url") or "")).path
        status = body.get("status")
        while status != "COMPLETED":
            if self._clock() + self.poll_interval >= deadline:
                raise TimeoutError(f"fal job {body.get('request_id')} still {status} at the deadline")
            self._sleep(self.poll_interval)
            poll = get_session().get(f"{base}{path}/status{query}", headers=headers, timeout=self.timeout)
            hf_raise_for_status(poll)
            status = poll.json().get("status")
        result = get_session().get(f"{base}{path}{query}", headers=headers, timeout=self.timeout)
        hf_raise_for_status(result)
        return dict(result.json())

    def _cancel(self, cancel_url: str | None, post_url: str, headers: dict[str, Any]) -> None:
        """Best effort: stop a prediction we will not wait for (it would be billed)."""
        if not cancel_url:
            return
        try:
            get_session().post(_via(post_url, cancel_url), headers=headers, timeout=5.0)
        except Exception as exc:  # noqa: BLE001 - best effort; logged for operators
            log.warning("hf.cancel_failed url=%s error=%s", cancel_url, exc)

    def _download(self, url: str, deadline: float) -> Received:
        """Fetch a finished result, retrying the download itself (never the generation)."""
        last: Exception | None = None
        for attempt in range(1 + self.download_retries):
            if attempt:
                self._sleep(min(2.0, 0.5 * 2 ** (attempt - 1)))
            remaining = deadline - self._clock()
            if remaining <= 0:
                break
            try:
                response = get_session().get(url, timeout=min(self.timeout, remaining))
                response.raise_for_status()
                return _decode(response.content)
            except (httpx2.HTTPError, OSError, BadImageError) as exc:
                last = exc
        raise ProviderFailure("download", f"result download failed: {last}")

    def _final(self, failure: Failure, attempts: int, *, out_of_time: bool = False) -> EngineError:
        """The EngineError for a failure that will not be retried; the detail is for operators."""
        kind = ErrorKind.TIMEOUT if out_of_time or failure.kind == "timeout" else error_kind(failure)
        if failure.kind == "download":
            kind = ErrorKind.BAD_OUTPUT
        if failure.kind == "unsupported":
            kind = ErrorKind.UNSUPPORTED
        if failure.kind == "offline":
            kind = ErrorKind.OFFLINE
        log.warning(
            "hf.failed kind=%s status=%s attempts=%d detail=%s",
            kind,
            failure.status,
            attempts,
            failure.detail[:500],
        )
        return EngineError(
            user_message(kind, failure),
            status=failure.status,
            kind=kind,
            attempts=attempts,
            detail=failure.detail,
        )


def _via(post_url: str, provider_url: str) -> str:
    """`provider_url` (e.g. Replicate's urls.get) re-rooted on the base the POST went to.

    Through the HF router the POST goes to `<router>/replicate/v1/models/...`; the prediction's
    own URLs name api.replicate.com, which an HF token cannot call directly.
    """
    base = post_url[: post_url.index("/v1/")] if "/v1/" in post_url else post_url.rstrip("/")
    parts = urlsplit(provider_url)
    path = parts.path[parts.path.index("/v1/") :] if "/v1/" in parts.path else parts.path
    return base + path + (f"?{parts.query}" if parts.query else "")


def _fal_output(body: dict[str, Any]) -> str:
    """The image URL of a fal response; a safety-filtered result is a content failure."""
    if any(body.get("has_nsfw_concepts") or ()):
        raise ProviderFailure("content", "the provider's safety checker flagged the image")
    return str(body["images"][0]["url"])


def _decode(data: bytes) -> Received:
    """Decode image bytes completely (a truncated body only fails on load)."""
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except Exception as exc:  # noqa: BLE001 - PIL raises OSError, SyntaxError, ValueError...
        raise BadImageError(f"undecodable image: {exc}") from exc
    png = data if image.format == "PNG" and data.startswith(PNG_SIGNATURE) else None
    return Received(image, png)
