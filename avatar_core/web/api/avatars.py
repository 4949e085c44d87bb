"""API routes for the caller's avatars: list, read, edit, rate, delete, download."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from avatar_core.bootstrap import App
from avatar_core.web.api.auth import Who
from avatar_core.web.api.errors import db_id, example
from avatar_core.web.api.schemas import AVATAR_EXAMPLE, AvatarPatch, RatingBody, avatar_json


def avatars_router(app: App) -> APIRouter:
    """The caller's avatars (owner-checked by the gallery service)."""
    router = APIRouter()

    @router.get(
        "/v1/avatars",
        summary="The caller's avatars, newest first, keyset-paged",
        responses=example({"items": [AVATAR_EXAMPLE], "next_cursor": "MjAyNi0xMS0yN1QxMDowMHw0Mg"}),
    )
    def avatars(
        who: Who,
        project: int | None = Query(None, ge=1, lt=2**31),
        favourite: bool | None = None,
        cursor: str | None = Query(None, max_length=200),
        limit: int = Query(20, ge=1, le=100),
    ) -> dict[str, Any]:
        items, next_cursor = app.gallery.after(
            who.user.id, cursor, limit, project_id=project, favourite=favourite
        )
        return {"items": [avatar_json(a) for a in items], "next_cursor": next_cursor}

    @router.get("/v1/avatars/{avatar_id}", summary="One avatar", responses=example(AVATAR_EXAMPLE))
    def avatar(who: Who, avatar_id: int) -> dict[str, Any]:
        return avatar_json(app.gallery.get(who.user.id, db_id(avatar_id)))

    @router.patch(
        "/v1/avatars/{avatar_id}",
        summary="Rename, move or (un)favourite an avatar",
        responses=example(AVATAR_EXAMPLE),
    )
    def patch_avatar(who: Who, avatar_id: int, body: AvatarPatch) -> dict[str, Any]:
        uid, aid = who.user.id, db_id(avatar_id)
        if body.name is not None or body.project_id is not None:
            app.projects.update_avatar(uid, aid, name=body.name, project_id=body.project_id)
        if body.favourite is not None:
            app.gallery.set_favourite(uid, aid, body.favourite)
        return avatar_json(app.gallery.get(uid, aid))

    @router.post(
        "/v1/avatars/{avatar_id}/rating",
        summary="Rate an avatar 👍/👎 (or clear with none)",
        responses=example({**AVATAR_EXAMPLE, "rating": "up"}),
    )
    def rate(who: Who, avatar_id: int, body: RatingBody) -> dict[str, Any]:
        value = {"up": 1, "down": -1}.get(body.rating)
        return avatar_json(app.gallery.rate(who.user.id, db_id(avatar_id), value, body.reason))

    @router.delete("/v1/avatars/{avatar_id}", status_code=204, summary="Delete an avatar")
    def delete_avatar(who: Who, avatar_id: int) -> Response:
        app.gallery.delete(who.user.id, db_id(avatar_id))
        return Response(status_code=204)

    @router.get(
        "/v1/avatars/{avatar_id}/image", summary="The avatar's PNG (owner only)", response_class=Response
    )
    def image(who: Who, avatar_id: int) -> Response:
        data = app.gallery.image(who.user.id, db_id(avatar_id))
        return Response(data, media_type="image/png", headers={"Cache-Control": "private"})

    return router
