"""The private gallery: a user's own avatars, newest first, paged by an index."""

from __future__ import annotations

import io
import logging
import math
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy import func, or_, select, update

from avatar_core.domain.errors import NotFound, ValidationError
from avatar_core.engines.base import OFFLINE_ROUTE
from avatar_core.infra.db import Database
from avatar_core.infra.models import Generation, User, utcnow
from avatar_core.infra.storage import FileBacked, ImageStore, thumbnail_bytes
from avatar_core.services.gallery_cursor import decode_cursor, encode_cursor
from avatar_core.services.generation import GenerationRequest
from avatar_core.services.generation_request import recipe_request

PAGE_SIZE = 24
log = logging.getLogger(__name__)


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
    provider: str = ""
    provider_model: str = ""
    from_photo: bool = False  # made from the user's photo (which is not kept with it)
    name: str = ""
    project_id: int | None = None
    rating: int | None = None

    @property
    def offline(self) -> bool:
        """An offline preview (rows older than migration 0004 recorded only the engine's name)."""
        return self.provider == OFFLINE_ROUTE or (not self.provider and self.engine == "local")

    @classmethod
    def of(cls, g: Generation) -> AvatarItem:
        """Copy a generation row: every field of the same name, plus the derived ones."""
        derived: dict[str, Any] = {
            "created_at": g.created_at.strftime("%Y-%m-%d %H:%M UTC"),
            "from_photo": g.photo_consent_at is not None,
        }
        copied: dict[str, Any] = {f.name: getattr(g, f.name) for f in fields(cls) if f.name not in derived}
        return cls(**copied, **derived)


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

    def page(
        self,
        owner_id: int,
        page: int = 1,
        page_size: int = PAGE_SIZE,
        favourites_only: bool = False,
        project_id: int | None = None,
    ) -> Page:
        """Completed avatars of `owner_id`, newest first; pages start at 1.

        The total comes from `users.gallery_count` (no COUNT over the whole gallery), and a page
        in the older half is read from the oldest end, so the first and the last page of 10,000
        avatars cost what a page of 10 does; only pages near the middle skip many index entries.
        """
        if page < 1 or not 1 <= page_size <= 100:
            raise ValidationError("Page numbers start at 1; a page has 1 to 100 avatars.")
        where = [Generation.user_id == owner_id, Generation.shown()]
        if favourites_only:
            where.append(Generation.favourite.is_(True))
        if project_id is not None:
            where.append(Generation.project_id == project_id)
        with self.db.read() as session:
            if favourites_only or project_id is not None:
                counted = select(func.count()).select_from(Generation).where(*where)
            else:
                counted = select(User.gallery_count).where(User.id == owner_id)
            total = int(session.scalar(counted) or 0)
            pages = max(1, math.ceil(total / page_size))
            if page > pages:  # past the end: empty (no OFFSET that overflows the database's integer)
                return Page([], page, pages, total)
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

    def after(
        self,
        owner_id: int,
        cursor: str | None = None,
        limit: int = 20,
        *,
        project_id: int | None = None,
        favourite: bool | None = None,
    ) -> tuple[list[AvatarItem], str | None]:
        """Keyset paging, newest first: a page after `cursor` and the next cursor (None at the end).

        The cursor names the last row's (created_at, id), so a deep page costs what the first
        does (one index range scan on ix_generations_user_status_created), unlike an OFFSET.
        """
        if not 1 <= limit <= 100:
            raise ValidationError("A page has 1 to 100 avatars.")
        where = [Generation.user_id == owner_id, Generation.shown()]
        if project_id is not None:
            where.append(Generation.project_id == project_id)
        if favourite is not None:
            where.append(Generation.favourite.is_(favourite))
        if cursor:
            at, last_id = decode_cursor(cursor)
            # `created_at <= at` bounds the index range scan; the OR only filters within it.
            where += [Generation.created_at <= at, or_(Generation.created_at < at, Generation.id < last_id)]
        query = (
            select(Generation)
            .where(*where)
            .order_by(Generation.created_at.desc(), Generation.id.desc())
            .limit(limit + 1)
        )
        with self.db.read() as session:
            rows = list(session.scalars(query))
            items = [AvatarItem.of(g) for g in rows[:limit]]
            more = len(rows) > limit
            tail = rows[limit - 1] if more else None
            next_cursor = encode_cursor(tail.created_at, tail.id) if tail is not None else None
        return items, next_cursor

    def _own(self, session: object, owner_id: int, avatar_id: int) -> Generation:
        if not 0 < avatar_id < 2**31:  # bigger ids overflow the database's integer: not found
            raise NotFound("No such avatar.")
        gen = session.get(Generation, avatar_id)  # type: ignore[attr-defined]
        if gen is None or gen.user_id != owner_id or not gen.is_shown:
            raise NotFound("No such avatar.")
        return gen

    def get(self, owner_id: int, avatar_id: int) -> AvatarItem:
        """One of the owner's avatars (NotFound for anyone else's)."""
        with self.db.read() as session:
            return AvatarItem.of(self._own(session, owner_id, avatar_id))

    def settings(self, owner_id: int, avatar_id: int) -> GenerationRequest:
        """'Use these settings again': the request that makes one of the owner's avatars again."""
        with self.db.read() as session:
            return recipe_request(self._own(session, owner_id, avatar_id))

    def _keys(self, owner_id: int, avatar_id: int) -> tuple[str, str]:
        """(original, thumbnail) keys of one of the owner's avatars."""
        with self.db.read() as session:
            gen = self._own(session, owner_id, avatar_id)
            image_key, thumb_key = gen.image_path, gen.thumb_path
        if not image_key or not thumb_key:
            raise NotFound("No such avatar.")
        return image_key, thumb_key

    def image(self, owner_id: int, avatar_id: int, thumb: bool = False) -> bytes:
        """The stored bytes of one of the owner's avatars (NotFound when the object is missing).

        The thumbnail is made from the original the first time it is asked for, then kept: a
        generation does not decode its image (see `engines.hf_results.decode`), and an avatar
        nobody opens in the gallery never costs a thumbnail.
        """
        image_key, thumb_key = self._keys(owner_id, avatar_id)
        try:
            return self.store.read(thumb_key if thumb else image_key)
        except FileNotFoundError:
            if not thumb:
                raise NotFound("The image file is missing.") from None
        data = self._make_thumbnail(image_key, thumb_key)
        try:
            self._keys(owner_id, avatar_id)
        except NotFound:
            # Deleted meanwhile, and its delete may have run before our put: without this the
            # thumbnail would stay in the store, unreachable. (If the row is still there now, the
            # delete removes the row first and the objects after, so it will remove ours.)
            self._remove(thumb_key)
            raise
        return data

    def _make_thumbnail(self, image_key: str, thumb_key: str) -> bytes:
        """Decode the original, shrink it, keep the thumbnail (a failure to keep it only logs).

        Two processes asked at once both make it and write the same bytes (each write is whole).
        """
        try:
            original = self.store.read(image_key)
        except FileNotFoundError:
            raise NotFound("The image file is missing.") from None
        try:
            data = thumbnail_bytes(Image.open(io.BytesIO(original)))
        except Exception as exc:  # noqa: BLE001 - Pillow raises OSError, SyntaxError, ValueError...
            log.warning("gallery.thumbnail_failed %s: %s", image_key, exc)
            raise NotFound("The image file is unreadable.") from None
        try:
            self.store.put(thumb_key, data)
        except Exception:
            log.warning("gallery.thumbnail_not_kept %s", thumb_key, exc_info=True)
        return data

    def image_path(self, owner_id: int, avatar_id: int, thumb: bool = False) -> Path:
        """The local file of one of the owner's avatars (stores with local files only)."""
        if not isinstance(self.store, FileBacked):
            raise TypeError("this image store keeps no local files; use Gallery.image")
        image_key, thumb_key = self._keys(owner_id, avatar_id)
        key = thumb_key if thumb else image_key
        if thumb and not self.store.path(key).is_file():
            self.image(owner_id, avatar_id, thumb=True)  # made on first request
        path = self.store.path(key)  # (a caching store fetches it here)
        if not path.is_file():
            raise NotFound("The image file is missing.")
        return path

    def rate(self, owner_id: int, avatar_id: int, rating: int | None, reason: str = "") -> AvatarItem:
        """Thumbs up (+1), down (-1) or clear (None), with an optional reason (≤ 500 characters)."""
        if rating not in (1, -1, None):
            raise ValidationError("A rating is up, down or none.")
        reason = " ".join((reason or "").split())
        if len(reason) > 500:
            raise ValidationError("A rating reason is at most 500 characters.")
        with self.db.transaction() as session:
            gen = self._own(session, owner_id, avatar_id)
            gen.rating, gen.rating_reason = rating, reason if rating else ""
            return AvatarItem.of(gen)

    def set_favourite(self, owner_id: int, avatar_id: int, favourite: bool) -> AvatarItem:
        """Mark or unmark a favourite."""
        with self.db.transaction() as session:
            gen = self._own(session, owner_id, avatar_id)
            gen.favourite = favourite
            return AvatarItem.of(gen)

    def delete(self, owner_id: int, avatar_id: int) -> None:
        """Take the avatar out of the gallery and delete its image and thumbnail. The row stays
        (marked deleted, without image keys): usage, costs, per-model stats and A/B results keep
        what happened, and credits are not touched.

        Once the row is hidden nobody can reach the images, so a store that fails now (a bucket
        that is down) leaves unreachable objects behind and a warning, not an error for the user.
        """
        with self.db.transaction() as session:
            gen = self._own(session, owner_id, avatar_id)
            keys = [k for k in (gen.thumb_path, gen.image_path) if k]
            gen.deleted_at, gen.image_path, gen.thumb_path = utcnow(), None, None
            session.execute(
                update(User).where(User.id == owner_id).values(gallery_count=User.gallery_count - 1)
            )
        for key in keys:
            self._remove(key)

    def _remove(self, key: str) -> None:
        """Delete one object of a deleted avatar; a store failure leaves it, logged."""
        try:
            self.store.delete(key)
        except Exception:
            log.warning("gallery.delete_left_object %s", key, exc_info=True)
