"""The API's request bodies, its JSON views of avatars and generations, and their examples."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from avatar_core.domain.aspects import SQUARE, Aspect
from avatar_core.services.gallery import AvatarItem
from avatar_core.services.generation import GenerationResult
from avatar_core.services.projects import ProjectView


class GenerateBody(BaseModel):
    """The design's body plus the choices the app offers."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"prompt": "a friendly astronaut", "name": "Astro", "width": 1024, "height": 1024},
                {"preset": "yoga-instructor", "name": "Studio", "prefer_realism": True, "seed": 42},
                {"prompt": "a chef, head and shoulders", "aspect_ratio": "4:5"},
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
    aspect_ratio: Aspect = Field(
        SQUARE,
        description="the image's shape: 1:1 square, 3:4 or 4:5 portrait, 4:3 landscape (the model's "
        "area reshaped; the generation's width/height say what was made)",
    )
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
    project_id: int | None = Field(None, ge=1, le=2**31 - 1)
    favourite: bool | None = None


FINAL_PROMPT_EXAMPLE = (  # what the model was sent: the user's words with the realism terms
    "a smiling astronaut, photorealistic, ultra detailed skin texture, natural lighting, 85mm lens, "
    "sharp focus, high resolution, head and shoulders portrait"
)
AVATAR_EXAMPLE = {
    "id": 42,
    "name": "Astro",
    "project_id": 1,
    "prompt": "a smiling astronaut",
    "final_prompt": FINAL_PROMPT_EXAMPLE,
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
    "created_at": "2026-11-27T10:00:00Z",
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
    "final_prompt": FINAL_PROMPT_EXAMPLE,
    "image_url": "/api/v1/avatars/42/image",
}


GALLERY_TIME = "%Y-%m-%d %H:%M UTC"  # AvatarItem.created_at, as the gallery shows it


def _parsed(text: str) -> datetime:
    """An ISO 8601 time, or one in the gallery's form."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return datetime.strptime(text, GALLERY_TIME)


def utc_stamp(value: datetime | str) -> str:
    """Every time the API returns, in one form: ISO 8601 in UTC to the second, with "Z"
    (2026-11-27T10:00:00Z). A naive datetime is UTC (SQLite returns them without a zone)."""
    moment = value if isinstance(value, datetime) else _parsed(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def project_json(p: ProjectView) -> dict[str, Any]:
    """One project as the API shows it."""
    return {"id": p.id, "name": p.name, "created_at": utc_stamp(p.created_at), "avatars": p.avatars}


def avatar_json(a: AvatarItem) -> dict[str, Any]:
    """One avatar as the API shows it."""
    return {
        "id": a.id,
        "name": a.name,
        "project_id": a.project_id,
        "prompt": a.user_prompt,
        "final_prompt": a.prompt,
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
        "created_at": utc_stamp(a.created_at),
        "rating": {1: "up", -1: "down"}.get(a.rating or 0),
        "image_url": f"/api/v1/avatars/{a.id}/image",
    }


def generation_json(result: GenerationResult, final_prompt: str | None = None) -> dict[str, Any]:
    """A generation as `generate --json` shows it, plus name, project, the prompt sent to the model
    (the preset's words with the user's, as recorded; None until it is made) and image URL."""
    image = f"/api/v1/avatars/{result.generation_id}/image" if result.ok else None
    extra = {"name": result.name, "project_id": result.project_id, "final_prompt": final_prompt}
    return result.as_dict() | extra | {"image_url": image}
