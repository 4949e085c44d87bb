"""API routes for the caller's photo (likeness avatars): upload and delete."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from avatar_core.bootstrap import App
from avatar_core.domain.errors import ValidationError
from avatar_core.web.api.auth import Who
from avatar_core.web.api.errors import db_id, example
from avatar_core.web.api.schemas import utc_stamp


def photos_router(app: App) -> APIRouter:
    """Upload a photo (multipart) and delete it now."""
    router = APIRouter()

    @router.post(
        "/v1/photos",
        status_code=201,
        summary="Upload a photo of yourself (for likeness avatars)",
        responses=example(
            {"photo_id": 7, "width": 800, "height": 1000, "expires_at": "2026-11-28T10:00:00Z"}, 201
        ),
        description="multipart/form-data: `photo` (JPEG/PNG/WebP, ≤ AVATAR_MAX_UPLOAD_MB, ≥ 256 px) "
        'and `consent=true` ("I am the person in this photo or have their permission"). '
        "The photo is re-encoded without metadata, kept privately for "
        "AVATAR_PHOTO_RETENTION_HOURS, never shown; use its id as `photo_id` in generate.",
    )
    async def upload_photo(who: Who, request: Request) -> dict[str, Any]:
        limit = app.settings.max_upload_mb * 1024 * 1024
        form = await request.form(max_files=1, max_fields=4, max_part_size=limit + 1)
        photo, consent = form.get("photo"), str(form.get("consent", "")).lower() in ("true", "1", "yes")
        if photo is None or isinstance(photo, str):
            raise ValidationError("Send the photo as the multipart field `photo`.")
        data = await photo.read(limit + 1)
        kept = await run_in_threadpool(
            app.photos.upload, app.accounts.get(who.user.id), data, consent=consent
        )
        return {
            "photo_id": kept.id,
            "width": kept.width,
            "height": kept.height,
            "expires_at": utc_stamp(kept.expires_at),
        }

    @router.delete("/v1/photos/{photo_id}", status_code=204, summary="Delete your photo now")
    def delete_photo(who: Who, photo_id: int) -> Response:
        app.photos.delete(who.user.id, db_id(photo_id))
        return Response(status_code=204)

    return router
