"""Hugging Face engine: FLUX through huggingface_hub's provider helpers, honestly.

Each call is built by the library itself (`get_provider_helper(...).prepare_request`: the Hub
mapping lookup, the routed URL, auth headers, the provider payload including `lora_weights` /
`loras`), exactly as `InferenceClient.text_to_image` builds it (huggingface_hub 2.4
`inference/_client.py`: prepare_request -> _inner_post -> get_response). The last two steps are
ours, because the library's `get_response` loses money on pay-per-image providers: Replicate's
returns a bare `TimeoutError` when a prediction is still `starting` (the prediction keeps running
and is billed, and its `urls.get` is lost) and downloads results without a status check. Here
(`hf_results.ResultFetcher`) a prediction's `output` is taken whatever its status (recorded:
"processing" with the image there), one without output yet is polled, never re-submitted, and a
failed download is retried as a download.
What a result claims (LoRA, scale, provider model, size) comes from the route's `Plan`.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from typing import Any

from huggingface_hub.inference._providers import get_provider_helper  # pinned: huggingface-hub==2.4.0
from huggingface_hub.utils import get_session, hf_raise_for_status

from avatar_core.engines.base import EngineError, ErrorKind, Plan, RenderRequest, RenderResult, RouteTarget
from avatar_core.engines.hf_errors import (
    PAID_AGAIN,
    Failure,
    ProviderFailure,
    RetryPolicy,
    classify,
    error_kind,
    user_message,
)
from avatar_core.engines.hf_results import Received, ResultFetcher, decode, fal_output
from avatar_core.engines.hub import MappingCache, hub_lookup
from avatar_core.engines.routes import FAL, REPLICATE, Call, RouteConfig, build_call, plan_route

log = logging.getLogger("avatar_core.engines.hf")
PAY_PER_IMAGE = (REPLICATE, FAL)


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
        self.fetcher = ResultFetcher(
            timeout=timeout,
            poll_interval=poll_interval,
            download_retries=download_retries,
            sleep=sleep,
            clock=clock,
        )
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
        if request.resume:  # sent before this process: wait on that request, never send again
            try:
                return self._result(self._resumed(call, request, deadline), plan, call, request, 1)
            except Exception as exc:  # noqa: BLE001 - classified, re-raised as EngineError
                raise self._final(classify(exc), 1) from None
        policy = self.paid_policy if plan.route in PAY_PER_IMAGE else self.policy
        attempt, bad_outputs, paid_retries, failure = 0, 0, 0, Failure("timeout")
        while True:
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise self._final(failure, attempt, out_of_time=True)
            if request.hooks is not None and request.hooks.cancelled():  # nothing more is sent
                raise self._final(Failure("cancelled", detail="the job was cancelled or taken over"), attempt)
            attempt += 1
            try:
                got = self._attempt(plan, call, request, min(self.timeout, remaining), deadline)
                return self._result(got, plan, call, request, attempt)
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

    @staticmethod
    def _result(got: Received, plan: Plan, call: Call, request: RenderRequest, attempt: int) -> RenderResult:
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

    def _prepare(self, call: Call, prompt: str) -> Any:
        """The request as the library builds it (URL, auth headers, provider payload)."""
        helper = get_provider_helper(call.provider, task=call.task, model=call.model)  # type: ignore[arg-type]
        return helper.prepare_request(
            inputs=call.image if call.image is not None else prompt,
            parameters=call.parameters,
            headers={"accept": "image/png"},
            model=call.model,
            api_key=self.token,
        )

    def _attempt(
        self, plan: Plan, call: Call, request: RenderRequest, timeout: float, deadline: float
    ) -> Received:
        """One submission: the library builds the request; we post it and collect the image. The
        job hears of it before it is sent, and of the provider's request id before we wait on it."""
        params, hooks = self._prepare(call, request.prompt), request.hooks
        if hooks is not None:
            hooks.submitting()
        response = get_session().post(
            params.url, json=params.json, content=params.data, headers=params.headers, timeout=timeout
        )
        hf_raise_for_status(response)
        stop = hooks.cancelled if hooks is not None else None
        if plan.route == REPLICATE:
            body = response.json()
            urls = body.get("urls") or {}
            if hooks is not None and urls.get("get"):
                ref = {
                    "route": REPLICATE,
                    "id": body.get("id"),
                    "get": urls["get"],
                    "cancel": urls.get("cancel"),
                }
                hooks.submitted(json.dumps(ref))
            url = self.fetcher.replicate_output(body, params.url, params.headers, deadline, stop)
            return self.fetcher.download(url, deadline)
        if plan.route == FAL:
            body = response.json()
            if "request_id" in body and "images" not in body:  # a queued job (image-to-image)
                if hooks is not None:
                    hooks.submitted(json.dumps({"route": FAL, "queued": body}))
                body = self.fetcher.fal_result(body, params.url, params.headers, deadline)
            return self.fetcher.download(fal_output(body), deadline)
        return decode(response.content)

    def _resumed(self, call: Call, request: RenderRequest, deadline: float) -> Received:
        """Wait on a provider request sent by an earlier run of the job (its committed id)."""
        ref, params = json.loads(request.resume or "{}"), self._prepare(call, request.prompt)
        stop = request.hooks.cancelled if request.hooks is not None else None
        if ref.get("route") == REPLICATE:
            pending = {
                "id": ref.get("id"),
                "status": "starting",
                "urls": {"get": ref["get"], "cancel": ref.get("cancel")},
            }
            url = self.fetcher.replicate_output(pending, params.url, params.headers, deadline, stop)
            return self.fetcher.download(url, deadline)
        if ref.get("route") == FAL:
            body = self.fetcher.fal_result(ref["queued"], params.url, params.headers, deadline)
            return self.fetcher.download(fal_output(body), deadline)
        raise ProviderFailure("rejected", f"cannot resume a {ref.get('route')!r} request")

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
