"""Several of a user's avatars at once: a zip to download (each image named after its avatar,
with its recipe), delete, move to a project. Every id is checked against the owner; one that is
not theirs (or gone) fails the whole call before anything changes."""

from __future__ import annotations

import json
import re
import tempfile
import zipfile
from collections.abc import Iterable
from typing import IO

from avatar_core.domain.errors import NotFound, ValidationError
from avatar_core.services.gallery import AvatarItem, Gallery
from avatar_core.services.projects import ProjectService

MAX_SELECTED = 60  # one zip or one bulk action (more than a gallery page, fewer than a whole library)
SPOOL_BYTES = 8 << 20  # a zip bigger than this goes to a temporary file, not memory


def parse_ids(raw: str | Iterable[object]) -> list[int]:
    """Avatar ids from "3,5,9" (or a list): distinct, in order; ValidationError for anything else."""
    parts = raw.split(",") if isinstance(raw, str) else list(raw)
    ids: list[int] = []
    for part in parts:
        text = str(part).strip()
        if not text:
            continue
        if len(text) > 10 or not (text.isascii() and text.isdigit()) or not 0 < int(text) < 2**31:
            raise ValidationError("Avatars are chosen by their numbers.")
        if int(text) not in ids:
            ids.append(int(text))
    if not ids:
        raise ValidationError("Select one or more avatars first.")
    if len(ids) > MAX_SELECTED:
        raise ValidationError(f"At most {MAX_SELECTED} avatars at once.")
    return ids


def file_name(item: AvatarItem) -> str:
    """The download's name: the avatar's own name made safe ("Sunny headshot" → sunny-headshot-42.png)."""
    slug = re.sub(r"[^a-z0-9]+", "-", (item.name or "").lower()).strip("-")[:60].strip("-")
    return f"{slug}-{item.id}.png" if slug else f"avatar-{item.id}.png"


def recipe(item: AvatarItem) -> dict[str, object]:
    """What made the image, as the user may see it (never the A/B arm or server paths)."""
    return {
        "id": item.id,
        "name": item.name,
        "prompt": item.user_prompt,
        "prompt_sent": item.prompt,
        "preset": item.preset_key,
        "model": item.model_key,
        "lora": item.lora_model if item.lora_applied else None,
        "lora_scale": item.lora_scale if item.lora_applied else None,
        "seed": item.seed,
        "size": f"{item.width}x{item.height}",
        "steps": item.steps,
        "guidance": item.guidance_scale,
        "credits": item.credits_charged,
        "offline_preview": item.offline,
        "from_photo": item.from_photo,
        "created_at": item.created_at,
    }


class GalleryBulk:
    """Bulk actions over one owner's avatars."""

    def __init__(self, gallery: Gallery, projects: ProjectService) -> None:
        self.gallery, self.projects = gallery, projects

    def _items(self, owner_id: int, ids: list[int]) -> list[AvatarItem]:
        return [self.gallery.get(owner_id, i) for i in ids]  # NotFound for any that is not theirs

    def zip(self, owner_id: int, raw_ids: str | Iterable[object]) -> IO[bytes]:
        """A zip of the chosen avatars (PNG + recipe JSON each), rewound, to stream and close."""
        items = self._items(owner_id, parse_ids(raw_ids))
        out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - the caller closes it
        try:
            with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:  # PNGs are compressed
                for item in items:
                    name = file_name(item)
                    archive.writestr(name, self.gallery.image(owner_id, item.id))
                    archive.writestr(name.removesuffix(".png") + ".json", json.dumps(recipe(item), indent=2))
        except Exception:
            out.close()
            raise
        out.seek(0)
        return out

    def delete(self, owner_id: int, raw_ids: str | Iterable[object]) -> int:
        """Delete the chosen avatars (images gone, records kept); how many."""
        ids = parse_ids(raw_ids)
        self._items(owner_id, ids)  # all theirs, or nothing is deleted
        for avatar_id in ids:
            try:
                self.gallery.delete(owner_id, avatar_id)
            except NotFound:  # deleted meanwhile (another tab): already what was asked
                continue
        return len(ids)

    def move(self, owner_id: int, raw_ids: str | Iterable[object], project_id: int) -> int:
        """Move the chosen avatars to one of the owner's projects; how many."""
        ids = parse_ids(raw_ids)
        self._items(owner_id, ids)
        for avatar_id in ids:
            self.projects.update_avatar(owner_id, avatar_id, project_id=project_id)
        return len(ids)
