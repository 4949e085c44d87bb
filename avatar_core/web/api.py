"""The REST API under /api/v1: the design's HTTP API, with personal access tokens.

Authentication is `Authorization: Bearer <token>` only: the session cookie is never read here, so
a browser cannot be tricked into calling it cross-site (no CSRF surface), and CORS stays closed.
Every route calls the same services as the UI. Errors are `{"error": {"code", "message"}}`.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from avatar_core.bootstrap import App
from avatar_core.domain.errors import (
    AvatarError,
    InsufficientCredits,
    NoModelsAvailable,
    NotFound,
    PermissionDenied,
    RateLimited,
    TierRefused,
    ValidationError,
)
from avatar_core.domain.selection import can_access, price_for
from avatar_core.engines.base import RouteTarget
from avatar_core.services.auth import UserInfo
from avatar_core.services.gallery import AvatarItem
from avatar_core.services.generation import GenerationRequest, GenerationResult

log = logging.getLogger("avatar_core.api")
STATUS = {
    ValidationError: (422, "invalid"),
    NotFound: (404, "not_found"),
    InsufficientCredits: (402, "insufficient_credits"),
    TierRefused: (403, "tier"),
    PermissionDenied: (403, "forbidden"),
    RateLimited: (429, "rate_limited"),
    NoModelsAvailable: (503, "unavailable"),
}
DESCRIPTION = """Generate avatars over HTTP. Create a token in the app (API section) or with
`avatar-creator tokens create USER`, then send `Authorization: Bearer <token>`.

```
curl -X POST http://127.0.0.1:7860/api/v1/projects/1/avatars/generate \\
  -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \\
  -d '{"prompt": "a friendly astronaut", "name": "Astro", "width": 1024, "height": 1024}'
```
"""


class ApiError(Exception):
    """An HTTP error with a code and a message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    """The API's error shape."""
    return JSONResponse({"error": {"code": code, "message": message, **extra}}, status_code=status)


@dataclass(frozen=True)
class Caller:
    """Who is calling: the token's user and the token id (logged with every call)."""

    user: UserInfo
    token_id: int


class RateLimit:
    """At most `per_minute` calls per token per minute in this process (a sliding window)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._calls: dict[int, list[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, token_id: int) -> int:
        """0 when the call may go ahead (and count it), else seconds to wait."""
        now = time.monotonic()
        with self._lock:
            recent = [t for t in self._calls.get(token_id, []) if t > now - 60]
            if len(recent) >= self.per_minute:
                self._calls[token_id] = recent
                return int(recent[0] + 60 - now) + 1
            self._calls[token_id] = [*recent, now]
            return 0


class GenerateBody(BaseModel):
    """The design's body plus the choices the app offers."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"prompt": "a friendly astronaut", "name": "Astro", "width": 1024, "height": 1024},
                {"preset": "yoga-instructor", "name": "Studio", "prefer_realism": True, "seed": 42},
            ]
        },
    )
    prompt: str = Field("", max_length=4000, description="what the avatar should look like")
    name: str = Field("", max_length=200, description="the avatar's name (default: preset or prompt)")
    width: int | None = Field(None, ge=256, le=2048, description="asked width; ≥ 1024 asks for HD")
    height: int | None = Field(None, ge=256, le=2048, description="asked height")
    preset: str | None = Field(None, max_length=100, description="a preset key or name")
    model: str | None = Field(None, max_length=100, description="a model key (default: Auto)")
    seed: int | None = Field(None, ge=0, le=2**31 - 1)
    prefer_realism: bool = False
    prefer_hd: bool = False
    fast: bool = False
    photo_id: int | None = Field(
        None,
        ge=1,
        lt=2**31,
        description="make it from this uploaded photo (POST /v1/photos): an avatar of the person in it",
    )


class RatingBody(BaseModel):
    """A 👍/👎 for an avatar, with an optional reason."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"rating": "up"}, {"rating": "down", "reason": "the hands look wrong"}]
        },
    )
    rating: Literal["up", "down", "none"]
    reason: str = Field("", max_length=500)


class ProjectBody(BaseModel):
    """A project's name."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "Team"}]})
    name: str = Field(max_length=200)


class AvatarPatch(BaseModel):
    """Rename, move or (un)favourite an avatar."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "Profile picture", "project_id": 2, "favourite": True}]},
    )
    name: str | None = Field(None, max_length=200)
    project_id: int | None = None
    favourite: bool | None = None


AVATAR_EXAMPLE = {
    "id": 42,
    "name": "Astro",
    "project_id": 1,
    "prompt": "a smiling astronaut",
    "preset": None,
    "model_key": "avatar-creator:flux-dev-hd-realism",
    "seed": 1234,
    "width": 1024,
    "height": 1024,
    "credits_charged": 15,
    "favourite": False,
    "provider": "replicate",
    "provider_model": "black-forest-labs/flux-dev-lora",
    "lora": {"repo": "XLabs-AI/flux-RealismLora", "scale": 0.9},
    "from_photo": False,
    "created_at": "2026-11-27 10:00 UTC",
    "rating": None,
    "image_url": "/api/v1/avatars/42/image",
}
GENERATION_EXAMPLE = {
    "generation_id": 42,
    "status": "completed",
    "model_key": "avatar-creator:flux-dev-hd-realism",
    "engine": "hf:replicate",
    "offline_preview": False,
    "credits_charged": 15,
    "balance": 35,
    "seed": 1234,
    "seconds": 7.9,
    "reason": "pro tier, HD requested (size) → FLUX.1-dev HD + Realism LoRA, 15 credits",
    "lora_applied": True,
    "notes": [],
    "width": 1024,
    "height": 1024,
    "provider": "replicate",
    "provider_model": "black-forest-labs/flux-dev-lora",
    "lora": {"repo": "XLabs-AI/flux-RealismLora", "scale": 0.9},
    "name": "Astro",
    "project_id": 1,
    "image_url": "/api/v1/avatars/42/image",
}


def error_example(code: str, message: str) -> dict[str, Any]:
    """An OpenAPI response entry showing the error shape."""
    return {"content": {"application/json": {"example": {"error": {"code": code, "message": message}}}}}


def example(value: Any, status: int = 200, **errors: dict[str, Any]) -> dict[int | str, Any]:
    """OpenAPI `responses` with an example for `status` (and error examples keyed by status)."""
    out: dict[int | str, Any] = {status: {"content": {"application/json": {"example": value}}}}
    out.update({int(k.lstrip("e")): v for k, v in errors.items()})
    return out


BEARER = HTTPBearer(auto_error=False)


def caller(
    request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]
) -> Caller:
    """The token's user; 401 without a valid token, 429 past the token's rate."""
    app: App = request.app.state.app
    if creds is None:
        raise ApiError(401, "unauthorized", "Send Authorization: Bearer <token>.")
    found = app.tokens.authenticate(creds.credentials)
    if found is None:
        raise ApiError(401, "invalid_token", "The token is unknown or revoked.")
    wait = request.app.state.limit.retry_after(found[1])
    if wait:
        raise ApiError(429, "rate_limited", f"Too many calls with this token; retry in {wait} s.")
    log.info("api.call token=%s user=%s %s %s", found[1], found[0].username, request.method, request.url.path)
    return Caller(*found)


Who = Annotated[Caller, Depends(caller)]


def avatar_json(a: AvatarItem) -> dict[str, Any]:
    """One avatar as the API shows it."""
    return {
        "id": a.id,
        "name": a.name,
        "project_id": a.project_id,
        "prompt": a.user_prompt,
        "preset": a.preset_key,
        "model_key": a.model_key,
        "seed": a.seed,
        "width": a.width,
        "height": a.height,
        "credits_charged": a.credits_charged,
        "favourite": a.favourite,
        "provider": a.provider or None,
        "provider_model": a.provider_model or None,
        "lora": {"repo": a.lora_model, "scale": a.lora_scale} if a.lora_applied else None,
        "from_photo": a.from_photo,
        "created_at": a.created_at,
        "rating": {1: "up", -1: "down"}.get(a.rating or 0),
        "image_url": f"/api/v1/avatars/{a.id}/image",
    }


def generation_json(result: GenerationResult) -> dict[str, Any]:
    """A generation as `generate --json` shows it, plus name, project and image URL."""
    image = f"/api/v1/avatars/{result.generation_id}/image" if result.ok else None
    return result.as_dict() | {"name": result.name, "project_id": result.project_id, "image_url": image}


def build_api(app: App, per_minute: int = 60) -> FastAPI:
    """The API app, mounted by the web server at /api (docs at /api/docs)."""
    api = FastAPI(
        title="Avatar Creator API",
        version="1",
        description=DESCRIPTION,
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    api.state.app, api.state.limit = app, RateLimit(per_minute)

    @api.exception_handler(ApiError)
    async def on_api_error(_request: Request, exc: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {}
        response = error(exc.status, exc.code, exc.message)
        response.headers.update(headers)
        return response

    @api.exception_handler(AvatarError)
    async def on_avatar_error(_request: Request, exc: AvatarError) -> JSONResponse:
        status, code = next((v for k, v in STATUS.items() if isinstance(exc, k)), (400, "refused"))
        return error(status, code, str(exc))

    @api.exception_handler(RequestValidationError)
    async def on_invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return error(422, "invalid", f"{where}: {first.get('msg', 'invalid input')}".strip(": "))

    @api.get(
        "/v1/me",
        summary="The caller: username, tier and balance",
        responses=example({"username": "alice", "tier": "pro", "balance": 50}),
    )
    def me(who: Who) -> dict[str, Any]:
        user = app.accounts.get(who.user.id)
        return {"username": user.username, "tier": user.tier, "balance": user.balance}

    @api.get(
        "/v1/models",
        summary="The models this user can see, with this user's price",
        responses=example(
            [
                {
                    "key": "avatar-creator:flux-dev-realism",
                    "name": "FLUX.1-dev + Realism LoRA",
                    "price": 12,
                    "width": 1024,
                    "height": 1024,
                    "lora": {"repo": "XLabs-AI/flux-RealismLora", "scale": 0.9},
                    "locked": False,
                    "tier_needed": "basic",
                }
            ]
        ),
    )
    def models(who: Who) -> list[dict[str, Any]]:
        tier = app.accounts.get(who.user.id).tier
        out = []
        for m in app.generations.sold_models():
            if not m.enabled:
                continue
            plan = app.engine.plan(RouteTarget.of(m))
            out.append(
                {
                    "key": m.model_key,
                    "name": m.name,
                    "price": price_for(m, tier),
                    "width": plan.width,
                    "height": plan.height,
                    "lora": {"repo": plan.lora, "scale": plan.lora_scale} if plan.lora else None,
                    "locked": not can_access(tier, m.tier),
                    "tier_needed": m.tier,
                }
            )
        return out

    @api.get(
        "/v1/presets",
        summary="The presets",
        responses=example(
            [
                {
                    "key": "yoga-instructor",
                    "name": "Yoga Instructor",
                    "category": "fitness",
                    "description": "Calm teacher in a bright studio.",
                }
            ]
        ),
    )
    def presets(who: Who) -> list[dict[str, Any]]:
        return [
            {"key": p.key, "name": p.name, "category": p.category, "description": p.description}
            for p in app.catalog.presets()
        ]

    @api.get(
        "/v1/projects",
        summary='The caller\'s projects ("My avatars" always exists)',
        responses=example(
            [{"id": 1, "name": "My avatars", "created_at": "2026-11-27T10:00:00Z", "avatars": 3}]
        ),
    )
    def projects(who: Who) -> list[dict[str, Any]]:
        return [vars(p) for p in app.projects.of_user(who.user.id)]

    @api.post(
        "/v1/projects",
        status_code=201,
        summary="Create a project",
        responses=example({"id": 2, "name": "Team", "created_at": "2026-11-27T10:00:00Z", "avatars": 0}, 201),
    )
    def create_project(who: Who, body: ProjectBody) -> dict[str, Any]:
        return vars(app.projects.create(who.user.id, body.name))

    @api.patch(
        "/v1/projects/{project_id}",
        summary="Rename a project",
        responses=example({"id": 2, "name": "Crew", "created_at": "2026-11-27T10:00:00Z", "avatars": 0}),
    )
    def rename_project(who: Who, project_id: int, body: ProjectBody) -> dict[str, Any]:
        return vars(app.projects.rename(who.user.id, _id(project_id), body.name))

    @api.delete(
        "/v1/projects/{project_id}",
        status_code=204,
        summary="Delete a project",
        description='Its avatars move to "My avatars", or are deleted with `with_avatars=true`.',
    )
    def delete_project(who: Who, project_id: int, with_avatars: bool = False) -> Response:
        for avatar_id in app.projects.delete(who.user.id, _id(project_id), with_avatars=with_avatars):
            app.gallery.delete(who.user.id, avatar_id)
        return Response(status_code=204)

    @api.post(
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
        description="201 with the generation; 402 not enough credits, 403 model above the "
        "tier, 422 bad input, 502 the provider failed (refunded), 429 too many calls. "
        "An `Idempotency-Key` header makes retries safe: the same key returns the first "
        "generation and never charges twice.",
    )
    def generate(
        who: Who, project_id: int, body: GenerateBody, idempotency_key: Annotated[str | None, Header()] = None
    ) -> Any:
        sizes = [v for v in (body.width, body.height) if v]
        request = GenerationRequest(
            prompt=body.prompt,
            preset=body.preset,
            model=body.model,
            seed=body.seed,
            prefer_realism=body.prefer_realism,
            prefer_hd=body.prefer_hd,
            fast=body.fast,
            size=max(sizes) if sizes else None,
            project_id=_id(project_id),
            name=body.name,
            idempotency_key=idempotency_key,
            from_photo=body.photo_id is not None,
            photo_id=body.photo_id,
        )
        result = app.generations.generate(app.accounts.get(who.user.id), request)
        if not result.ok:
            return error(
                502,
                "generation_failed",
                result.error or "The generation failed.",
                generation=generation_json(result),
            )
        return generation_json(result)

    @api.post(
        "/v1/photos",
        status_code=201,
        summary="Upload a photo of yourself (for likeness avatars)",
        responses=example(
            {"photo_id": 7, "width": 800, "height": 1000, "expires_at": "2026-11-28T10:00:00+00:00"}, 201
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
            "expires_at": kept.expires_at.isoformat(),
        }

    @api.delete("/v1/photos/{photo_id}", status_code=204, summary="Delete your photo now")
    def delete_photo(who: Who, photo_id: int) -> Response:
        app.photos.delete(who.user.id, _id(photo_id))
        return Response(status_code=204)

    @api.get(
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

    @api.get("/v1/avatars/{avatar_id}", summary="One avatar", responses=example(AVATAR_EXAMPLE))
    def avatar(who: Who, avatar_id: int) -> dict[str, Any]:
        return avatar_json(app.gallery.get(who.user.id, _id(avatar_id)))

    @api.patch(
        "/v1/avatars/{avatar_id}",
        summary="Rename, move or (un)favourite an avatar",
        responses=example(AVATAR_EXAMPLE),
    )
    def patch_avatar(who: Who, avatar_id: int, body: AvatarPatch) -> dict[str, Any]:
        uid, aid = who.user.id, _id(avatar_id)
        if body.name is not None or body.project_id is not None:
            app.projects.update_avatar(uid, aid, name=body.name, project_id=body.project_id)
        if body.favourite is not None:
            app.gallery.set_favourite(uid, aid, body.favourite)
        return avatar_json(app.gallery.get(uid, aid))

    @api.post(
        "/v1/avatars/{avatar_id}/rating",
        summary="Rate an avatar 👍/👎 (or clear with none)",
        responses=example({**AVATAR_EXAMPLE, "rating": "up"}),
    )
    def rate(who: Who, avatar_id: int, body: RatingBody) -> dict[str, Any]:
        value = {"up": 1, "down": -1}.get(body.rating)
        return avatar_json(app.gallery.rate(who.user.id, _id(avatar_id), value, body.reason))

    @api.delete("/v1/avatars/{avatar_id}", status_code=204, summary="Delete an avatar")
    def delete_avatar(who: Who, avatar_id: int) -> Response:
        app.gallery.delete(who.user.id, _id(avatar_id))
        return Response(status_code=204)

    @api.get(
        "/v1/avatars/{avatar_id}/image", summary="The avatar's PNG (owner only)", response_class=Response
    )
    def image(who: Who, avatar_id: int) -> Response:
        data = app.gallery.image(who.user.id, _id(avatar_id))
        return Response(data, media_type="image/png", headers={"Cache-Control": "private"})

    return api


def _id(value: int) -> int:
    """A database id; anything out of range is simply not found (never a 500)."""
    if not 0 < value < 2**31:
        raise NotFound("Not found.")
    return value
