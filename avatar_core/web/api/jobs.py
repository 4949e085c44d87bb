"""API routes that follow a generation's job: its status and place in the queue, and cancel.

`POST …/avatars/generate` answers `202 Accepted` with the job (`Location` names
`/api/v1/generations/{id}`) as soon as it is queued; `Prefer: wait=N` (RFC 7240, capped at
MAX_WAIT s) waits up to N s and answers the finished avatar (201) when it is ready by then.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse

from avatar_core.bootstrap import App
from avatar_core.domain.status import FINISHED
from avatar_core.services.generation_jobs import CANCELLED
from avatar_core.services.generation_result import GenerationResult
from avatar_core.web.api.auth import Who
from avatar_core.web.api.errors import db_id, error, example
from avatar_core.web.api.schemas import GENERATION_EXAMPLE, generation_json

MAX_WAIT = 60  # seconds a request may wait (proxies and CDNs cut at 60-100 s)
JOB_EXAMPLE = {
    "id": 42,
    "status": "queued",
    "position": 3,
    "stage": "",
    "url": "/api/v1/generations/42",
    "cancel_url": "/api/v1/generations/42/cancel",
}
WAIT = re.compile(r"(?:^|[,;\s])wait\s*=\s*(\d{1,6})(?:$|[,;\s])", re.IGNORECASE)


def wanted_wait(prefer: str | None) -> int:
    """The seconds a `Prefer: wait=N` header asks for, capped at MAX_WAIT (0 without one)."""
    match = WAIT.search(prefer or "")
    return min(int(match.group(1)), MAX_WAIT) if match else 0


def job_json(app: App, result: GenerationResult) -> dict[str, Any]:
    """A generation still queued or running, as the API shows it."""
    gen_id = result.generation_id
    state = app.generations.queue.state(gen_id)
    return {
        "id": gen_id,
        "status": str(result.status),
        "position": app.generations.queue.position(gen_id),
        "stage": state[1] if state else "",
        "url": f"/api/v1/generations/{gen_id}",
        "cancel_url": f"/api/v1/generations/{gen_id}/cancel",
    }


def answer(
    app: App, result: GenerationResult, *, created: bool, waited: int | None = None, owner: int | None = None
) -> Any:
    """201 (or 200) with a finished avatar, 502 with a failed one, else 202 with the job. With the
    `owner`, a finished avatar carries the prompt its model was sent (`final_prompt`)."""
    headers = {"Preference-Applied": f"wait={waited}"} if waited else {}
    if result.status not in FINISHED:
        body = job_json(app, result)
        return JSONResponse(body, status_code=202, headers={"Location": body["url"], **headers})
    if not result.ok:
        message = result.error or "The generation failed."
        return error(502, "generation_failed", message, generation=generation_json(result))
    sent = app.gallery.get(owner, result.generation_id).prompt if owner is not None else None
    body = generation_json(result, sent)
    return JSONResponse(body, status_code=201 if created else 200, headers=headers)


def jobs_router(app: App) -> APIRouter:
    """GET /v1/generations/{id}, POST /v1/generations/{id}/cancel."""
    router = APIRouter()

    @router.get(
        "/v1/generations/{generation_id}",
        summary="A generation: its place in the queue while it waits, the avatar once made",
        responses=example(JOB_EXAMPLE, 202),
        description="202 with the job (status queued or running, position, stage) while it runs; "
        "200 with the avatar once completed; 502 with the error once failed or cancelled "
        "(refunded). `Prefer: wait=N` waits up to N s (at most 60).",
    )
    def status(who: Who, generation_id: int, prefer: Annotated[str | None, Header()] = None) -> Any:
        wait = wanted_wait(prefer)
        result = app.generations.result(who.user.id, db_id(generation_id), within=wait)
        return answer(app, result, created=False, waited=wait, owner=who.user.id)

    @router.post(
        "/v1/generations/{generation_id}/cancel",
        summary="Cancel a queued or running generation (refunded)",
        responses=example(
            GENERATION_EXAMPLE | {"status": "failed", "error": CANCELLED, "credits_charged": 0}
        ),
        description="A queued job is dropped; a running one is cancelled at the provider where its "
        "API allows (what the provider still charges is recorded as our cost). Either way the "
        "credits are refunded at once. 422 when it has already finished.",
    )
    def cancel(who: Who, generation_id: int) -> Any:
        result = app.generations.cancel(app.accounts.get(who.user.id), db_id(generation_id))
        return generation_json(result)  # it carries the status ("failed": refunded)

    return router
