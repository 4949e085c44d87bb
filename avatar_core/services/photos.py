"""Users' source photos for likeness avatars: personal data, checked, cleaned, kept briefly.

A photo is decoded and re-encoded by us before anything is stored or sent (EXIF, GPS and every
other metadata gone), stored privately in a `BlobStore` (0600 files under `<data dir>/private-photos`,
or under `private-photos/` in the cluster's object store; never in Gradio's cache, never served to
anyone), and deleted after `AVATAR_PHOTO_RETENTION_HOURS` by the sweeper or
`avatar-creator photos purge`, or at once by its owner. See docs/likeness.md.
"""

from __future__ import annotations

import io
import secrets
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from PIL import Image, ImageOps
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from avatar_core.domain.errors import NotFound, ValidationError
from avatar_core.infra.blobs import BlobStore
from avatar_core.infra.db import Database, lock_user
from avatar_core.infra.job_table import Job
from avatar_core.infra.models import Photo, ThrottleEvent, utcnow
from avatar_core.services.auth import UserInfo
from avatar_core.services.catalog import list_models
from avatar_core.services.generation_choice import choose
from avatar_core.services.generation_request import GenerationRequest

FORMATS = {"JPEG", "PNG", "WEBP"}
MIN_SIDE, MAX_SIDE = 256, 1536  # shorter side at least; longer side scaled down to at most
MAX_PIXELS = 50_000_000  # a 48 MP phone photo fits; judged from the header, before decoding
PHOTO = "photo"  # throttle_events kind: one row per upload attempt of a user
CONSENT = "I am the person in this photo or have their permission"
IN_USE_GRACE = timedelta(minutes=15)  # a replaced photo a queued avatar still needs is kept this long
THUMB_SIDE = 160  # the owner's own view of the attached photo (never served: sent inline)


@dataclass(frozen=True)
class PhotoView:
    """A stored photo as the UI and CLI see it (never its bytes or path)."""

    id: int
    width: int
    height: int
    expires_at: datetime


def clean_photo(data: bytes, max_bytes: int) -> tuple[bytes, int, int]:
    """The photo re-encoded as a metadata-free JPEG, upright; ValidationError for bad input."""
    if not data:
        raise ValidationError("Choose a photo to upload.")
    if len(data) > max_bytes:
        raise ValidationError(f"The photo is too large: at most {max_bytes // (1024 * 1024)} MB.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data))  # reads the header only
            kind = opened.format
    except Exception:  # noqa: BLE001 - PIL raises many kinds for bad bytes
        raise ValidationError("That file is not a photo we can read (use JPEG, PNG or WebP).") from None
    if kind not in FORMATS:
        raise ValidationError("Use a JPEG, PNG or WebP photo.")
    check_size(*opened.size)  # an 87 KB PNG may declare 349000×255: refused before it is decoded
    try:
        opened.draft("RGB", (MAX_SIDE, MAX_SIDE))  # JPEG: decode at 1/2, 1/4 or 1/8 when that is enough
        opened.load()
    except Exception:  # noqa: BLE001 - truncated or corrupt pixel data
        raise ValidationError("That file is not a photo we can read (use JPEG, PNG or WebP).") from None
    image = ImageOps.exif_transpose(opened).convert("RGB")  # upright, then every tag dropped
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=92)  # no exif=, no icc_profile=: nothing but pixels
    return out.getvalue(), image.width, image.height


def check_size(width: int, height: int) -> None:
    """ValidationError for a photo too small or too large, from its declared size."""
    if min(width, height) < MIN_SIDE:
        raise ValidationError(f"The photo is too small: at least {MIN_SIDE} pixels on the short side.")
    if width * height > MAX_PIXELS:
        raise ValidationError(f"The photo is too large: at most {MAX_PIXELS // 1_000_000} megapixels.")


class PhotoService:
    """Upload, read, delete and purge users' photos; every read is scoped to the owner."""

    def __init__(
        self,
        db: Database,
        blobs: BlobStore,
        *,
        retention_hours: float,
        max_bytes: int,
        per_hour: int,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db, self.blobs = db, blobs
        self.retention = timedelta(hours=retention_hours)
        self.max_bytes, self.per_hour, self.clock = max_bytes, per_hour, clock

    def upload(self, user: UserInfo, data: bytes, *, consent: bool) -> PhotoView:
        """Check, clean and keep one photo for `user`; nothing is stored when anything is wrong."""
        if not consent:
            raise ValidationError(f"Please confirm: “{CONSENT}”.")
        self._admit(user.id)
        cleaned, width, height = clean_photo(data, self.max_bytes)
        now = self.clock()
        with self.db.transaction() as session:
            key = f"{user.id}/{secrets.token_hex(16)}.jpg"
            self.blobs.put(key, cleaned)
            photo = Photo(
                user_id=user.id,
                key=key,
                width=width,
                height=height,
                consent_at=now,
                created_at=now,
                expires_at=now + self.retention,
            )
            session.add(photo)
            try:
                session.flush()
            except Exception:
                self.blobs.delete(key)
                raise
            replaced = self._retire_others(session, user.id, photo.id, now)
            kept = PhotoView(photo.id, width, height, photo.expires_at)
        for old_key in replaced:  # once the rows say so (a failed commit leaves them kept, files too)
            self.blobs.delete(old_key)
        return kept

    def _retire_others(self, session: Session, user_id: int, keep: int, now: datetime) -> list[str]:
        """A new photo replaces the user's others: marked deleted now (their files' keys are
        returned, to delete after the commit), or, when an avatar still queued or running needs
        one, kept only `IN_USE_GRACE` longer, for the sweeper to delete."""
        others = list(
            session.scalars(
                select(Photo).where(Photo.user_id == user_id, Photo.deleted_at.is_(None), Photo.id != keep)
            )
        )
        if not others:
            return []
        payloads = session.scalars(
            select(Job.payload).where(Job.user_id == user_id, Job.status.in_(("queued", "running")))
        )
        needed = {p.get("photo_id") for p in payloads if isinstance(p, dict)}
        cutoff, gone = now + IN_USE_GRACE, []
        for old in others:
            if old.id in needed:  # only ever shortened (in SQL: SQLite hands back naive times)
                mine = (Photo.id == old.id) & (Photo.expires_at > cutoff)
                fetch = {"synchronize_session": "fetch"}  # no Python comparison of the times
                session.execute(update(Photo).where(mine).values(expires_at=cutoff), execution_options=fetch)
            else:
                gone.append(old.key)
                old.deleted_at = now
        return gone

    def _admit(self, user_id: int) -> None:
        """Before the photo is even decoded: the user's tier can make avatars from a photo, and
        this is one of their `per_hour` attempts (refused ones count too: decoding costs)."""
        now, since, key = self.clock(), self.clock() - timedelta(hours=1), f"user:{user_id}"
        with self.db.transaction() as session:
            user = lock_user(session, user_id)  # one user's attempts are counted one at a time
            choose(list_models(session), user.tier, GenerationRequest(from_photo=True))  # or refused
            mine = (ThrottleEvent.kind == PHOTO) & (ThrottleEvent.key == key)
            session.execute(delete(ThrottleEvent).where(mine, ThrottleEvent.created_at < since))
            recent = session.scalar(select(func.count()).where(mine, ThrottleEvent.created_at >= since))
            if (recent or 0) >= self.per_hour:
                raise ValidationError(f"At most {self.per_hour} photos per hour. Try again later.")
            session.add(ThrottleEvent(kind=PHOTO, key=key, created_at=now))

    def read(self, owner_id: int, photo_id: int) -> tuple[bytes, datetime]:
        """The cleaned photo bytes and the consent time; NotFound unless the owner's and kept."""
        with self.db.read() as session:
            photo = session.get(Photo, photo_id)
            if photo is None or photo.user_id != owner_id or photo.deleted_at is not None:
                raise NotFound("That photo is no longer available; upload it again.")
            key, consent = photo.key, photo.consent_at
        try:
            return self.blobs.read(key), consent
        except OSError:
            raise NotFound("That photo is no longer available; upload it again.") from None

    def thumbnail(self, owner_id: int, photo_id: int) -> bytes:
        """A small JPEG of the owner's photo, for the owner's own page only (NotFound otherwise)."""
        image = Image.open(io.BytesIO(self.read(owner_id, photo_id)[0]))
        image.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        image.convert("RGB").save(out, format="JPEG", quality=85)
        return out.getvalue()

    def current(self, owner_id: int) -> PhotoView | None:
        """The owner's newest photo that is still kept, if any."""
        with self.db.read() as session:
            photo = session.scalars(
                select(Photo)
                .where(Photo.user_id == owner_id, Photo.deleted_at.is_(None))
                .order_by(Photo.id.desc())
            ).first()
            return PhotoView(photo.id, photo.width, photo.height, photo.expires_at) if photo else None

    def delete(self, owner_id: int, photo_id: int) -> None:
        """Delete one of the owner's photos now (file first, then the row is marked)."""
        with self.db.transaction() as session:
            photo = session.get(Photo, photo_id)
            if photo is None or photo.user_id != owner_id:
                raise NotFound("No such photo.")
            if photo.deleted_at is None:
                self.blobs.delete(photo.key)
                photo.deleted_at = self.clock()

    def purge(self) -> int:
        """Delete every photo past its retention; returns how many."""
        now = self.clock()
        with self.db.transaction() as session:
            expired = list(
                session.scalars(select(Photo).where(Photo.deleted_at.is_(None), Photo.expires_at <= now))
            )
            for photo in expired:
                self.blobs.delete(photo.key)
                photo.deleted_at = now
        return len(expired)
