"""API routes for projects, and generating an avatar into one."""

from __future__ import annotations

import contextlib
from typing import Annotated, Any

from fastapi import APIRouter, Header
from fastapi.responses import Response

from avatar_core.bootstrap import App
from avatar_core.domain.errors import NotFound
from avatar_core.services.generation import GenerationRequest
from avatar_core.web.api.auth import Who
from avatar_core.web.api.errors import db_id, error_example, example
from avatar_core.web.api.jobs import answer, wanted_wait
from avatar_core.web.api.schemas import GENERATION_EXAMPLE, GenerateBody, ProjectBody, project_json


def projects_router(app: App) -> APIRouter:
    """List, create, rename and delete projects."""
    router = APIRouter()

    @router.get(
        "/v1/projects",
        summary='The caller\'s projects ("My avatars" always exists)',
        responses=example(
            [{"id": 1, "name": "My avatars", "created_at": "2026-11-27T10:00:00Z", "avatars": 3}]
        ),
    )
    def projects(who: Who) -> list[dict[str, Any]]:
        return [project_json(p) for p in app.projects.of_user(who.user.id)]

    @router.post(
        "/v1/projects",
        status_code=201,
        summary="Create a project",
        responses=example({"id": 2, "name": "Team", "created_at": "2026-11-27T10:00:00Z", "avatars": 0}, 201),
    )
    def create_project(who: Who, body: ProjectBody) -> dict[str, Any]:
        return project_json(app.projects.create(who.user.id, body.name))

    @router.patch(
        "/v1/projects/{project_id}",
        summary="Rename a project",
        responses=example({"id": 2, "name": "Crew", "created_at": "2026-11-27T10:00:00Z", "avatars": 0}),
    )
    def rename_project(who: Who, project_id: int, body: ProjectBody) -> dict[str, Any]:
        return project_json(app.projects.rename(who.user.id, db_id(project_id), body.name))

    @router.delete(
        "/v1/projects/{project_id}",
        status_code=204,
        summary="Delete a project",
        description='Its avatars move to "My avatars", or are deleted with `with_avatars=true`.',
    )
    def delete_project(who: Who, project_id: int, with_avatars: bool = False) -> Response:
        for avatar_id in app.projects.delete(who.user.id, db_id(project_id), with_avatars=with_avatars):
            with contextlib.suppress(NotFound):  # deleted meanwhile by another request
                app.gallery.delete(who.user.id, avatar_id)
        return Response(status_code=204)

    return router


def generate_router(app: App) -> APIRouter:
    """POST /v1/projects/{id}/avatars/generate."""
    router = APIRouter()

    @router.post(
        "/v1/projects/{project_id}/avatars/generate",
        status_code=201,
        summary="Generate an avatar in a project",
        responses=example(
            GENERATION_EXAMPLE,
            201,
            e402=error_example(
                "insufficient_credits", "Not enough credits: this image costs 15 and your balance is 3."
            ),
            e403=error_example(
                "tier", "FLUX.1-dev HD + Realism LoRA needs the pro tier or higher; your tier is basic."
            ),
            e422=error_example("invalid", "Write a prompt or pick a preset."),
            e502=error_example(
                "generation_failed", "The image service is not available right now. Try again later."
            ),
        ),
        description="202 with the queued job (`Location`: /api/v1/generations/{id}, to follow or "
        "cancel it); with `Prefer: wait=N` (N <= 60) 201 with the avatar when it is made within "
        "N s. 402 not enough credits, 403 model above the tier, 422 bad input, 502 the provider failed "
        "(refunded), 429 too many calls. The month's free top-up, if due, is applied first. "
        "An `Idempotency-Key` header makes retries safe: the same key returns the first "
        "generation and never charges twice.",
    )
    def generate(
        who: Who,
        project_id: int,
        body: GenerateBody,
        idempotency_key: Annotated[str | None, Header()] = None,
        prefer: Annotated[str | None, Header()] = None,
    ) -> Any:
        sizes = [v for v in (body.width, body.height) if v]
        request = GenerationRequest(
            prompt=body.prompt,
            preset=body.preset,
            model=body.model,
            seed=body.seed,
            aspect=body.aspect_ratio,
            prefer_realism=body.prefer_realism,
            prefer_hd=body.prefer_hd,
            fast=body.fast,
            size=max(sizes) if sizes else None,
            project_id=db_id(project_id),
            name=body.name,
            idempotency_key=idempotency_key,
            from_photo=body.photo_id is not None,
            photo_id=body.photo_id,
        )
        app.topup.apply(who.user.id)  # an API-only user gets the month's top-up as a page load would
        user = app.accounts.get(who.user.id)
        gen_id = app.generations.submit(user, request)
        done = app.generations.result(user.id, gen_id, within=(wait := wanted_wait(prefer)))
        return answer(app, done, created=True, waited=wait, owner=user.id)

    return router
