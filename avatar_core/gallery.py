"""The private gallery: a user's own avatars, newest first, paged by an index."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select, update

from .db import Database
from .errors import NotFound, ValidationError
from .generation import GenerationRequest
from .models import Generation, User
from .storage import ImageStore

PAGE_SIZE = 24


@dataclass(frozen=True)
class AvatarItem:
    """One avatar in the gallery with its recipe."""

    id: int
    user_prompt: str
    prompt: str
    preset_key: str | None
    model_key: str
    engine: str
    lora_model: str | None
    lora_scale: float | None
    lora_applied: bool
    seed: int
    width: int
    height: int
    steps: int
    guidance_scale: float
    credits_charged: int
    seconds: float | None
    favourite: bool
    created_at: str
    notes: str

    @classmethod
    def of(cls, g: Generation) -> AvatarItem:
        """Copy a generation row."""
        return cls(g.id, g.user_prompt, g.prompt, g.preset_key, g.model_key, g.engine,
                   g.lora_model, g.lora_scale, g.lora_applied, g.seed, g.width, g.height,
                   g.steps, g.guidance_scale, g.credits_charged, g.seconds, g.favourite,
                   g.created_at.strftime("%Y-%m-%d %H:%M UTC"), g.notes)  # fmt: skip

    def settings(self) -> GenerationRequest:
        """'Use these settings again': the request that reproduces this avatar."""
        return GenerationRequest(prompt=self.user_prompt, preset=self.preset_key,
                                 model=self.model_key, seed=self.seed)  # fmt: skip


@dataclass(frozen=True)
class Page:
    """One page of a gallery."""

    items: list[AvatarItem]
    page: int
    pages: int
    total: int


class Gallery:
    """Reads and changes a user's own avatars; every call is scoped to the owner."""

    def __init__(self, db: Database, store: ImageStore) -> None:
        self.db, self.store = db, store

    def page(self, owner_id: int, page: int = 1, page_size: int = PAGE_SIZE,
             favourites_only: bool = False) -> Page:  # fmt: skip
        """Completed avatars of `owner_id`, newest first; pages start at 1.

        The total comes from `users.gallery_count` (no COUNT over the whole gallery), and a page
        in the older half is read from the oldest end, so the first and the last page of 10,000
        avatars cost what a page of 10 does; only pages near the middle skip many index entries.
        """
        if page < 1 or not 1 <= page_size <= 100:
            raise ValidationError("Page numbers start at 1; a page has 1 to 100 avatars.")
        where = [Generation.user_id == owner_id, Generation.status == "completed"]
        if favourites_only:
            where.append(Generation.favourite.is_(True))
        with self.db.read() as session:
            if favourites_only:
                counted = select(func.count()).select_from(Generation).where(*where)
            else:
                counted = select(User.gallery_count).where(User.id == owner_id)
            total = int(session.scalar(counted) or 0)
            skip = (page - 1) * page_size
            take = min(page_size, total - skip)
            newest = (Generation.created_at.desc(), Generation.id.desc())
            oldest = (Generation.created_at.asc(), Generation.id.asc())
            if take > 0 and total - skip - take < skip:  # nearer the oldest end: seek from there
                query = select(Generation).where(*where).order_by(*oldest)
                rows = list(session.scalars(query.offset(total - skip - take).limit(take)))[::-1]
            else:
                query = select(Generation).where(*where).order_by(*newest)
                rows = list(session.scalars(query.offset(skip).limit(page_size)))
            items = [AvatarItem.of(g) for g in rows]
        return Page(items, page, max(1, math.ceil(total / page_size)), total)

    def _own(self, session: object, owner_id: int, avatar_id: int) -> Generation:
        if not 0 < avatar_id < 2**31:  # bigger ids overflow the database's integer: not found
            raise NotFound("No such avatar.")
        gen = session.get(Generation, avatar_id)  # type: ignore[attr-defined]
        if gen is None or gen.user_id != owner_id or gen.status != "completed":
            raise NotFound("No such avatar.")
        return gen

    def get(self, owner_id: int, avatar_id: int) -> AvatarItem:
        """One of the owner's avatars (NotFound for anyone else's)."""
        with self.db.read() as session:
            return AvatarItem.of(self._own(session, owner_id, avatar_id))

    def image_path(self, owner_id: int, avatar_id: int, thumb: bool = False) -> Path:
        """The stored file of one of the owner's avatars."""
        with self.db.read() as session:
            gen = self._own(session, owner_id, avatar_id)
            key = gen.thumb_path if thumb else gen.image_path
        if not key:
            raise NotFound("No such avatar.")
        path = self.store.path(key)
        if not path.is_file():
            raise NotFound("The image file is missing.")
        return path

    def set_favourite(self, owner_id: int, avatar_id: int, favourite: bool) -> AvatarItem:
        """Mark or unmark a favourite."""
        with self.db.transaction() as session:
            gen = self._own(session, owner_id, avatar_id)
            gen.favourite = favourite
            return AvatarItem.of(gen)

    def delete(self, owner_id: int, avatar_id: int) -> None:
        """Remove the row, then the files; credits are not touched."""
        with self.db.transaction() as session:
            gen = self._own(session, owner_id, avatar_id)
            keys = [k for k in (gen.image_path, gen.thumb_path) if k]
            session.delete(gen)
            session.execute(update(User).where(User.id == owner_id)
                            .values(gallery_count=User.gallery_count - 1))  # fmt: skip
        for key in keys:
            self.store.delete(key)
