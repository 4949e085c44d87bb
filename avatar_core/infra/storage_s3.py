"""Avatars in S3-compatible object storage (AWS S3, MinIO, R2...) through fsspec's `s3fs`.

Each image is one PUT, which S3 makes visible whole or not at all. A generation PUTs its original;
no reader can look for it before the database row that names its key, which is written only after
the PUT succeeded (the app never lists the bucket). The thumbnail is made from the original and
PUT the first time the gallery asks for it (`Gallery.image`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PIL import Image

from avatar_core.config import Settings
from avatar_core.infra.blobs import PHOTO_PREFIX, BlobStore, LocalBlobStore
from avatar_core.infra.storage import ImageStore, LocalImageStore, StoredImage, image_keys, png_bytes

# A save must fail (and be refunded) in seconds when the store is unreachable, not hang a worker.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 30.0
RETRIES = 2  # botocore attempts per call (standard mode), and s3fs's own retries on top
MEDIA_TYPES = {".png": "image/png", ".webp": "image/webp"}


def split_s3_url(url: str) -> tuple[str, str]:
    """`s3://bucket/some/prefix` -> ("bucket", "some/prefix")."""
    if not url.lower().startswith("s3://"):
        raise ValueError(f"not an s3:// URL: {url!r}")
    bucket, _, prefix = url[5:].strip("/").partition("/")
    if not bucket:
        raise ValueError("an s3:// URL needs a bucket")
    return bucket, prefix.strip("/")


def s3_options(aws: Mapping[str, str]) -> dict[str, Any]:
    """s3fs options from the AWS_* settings; what is unset is left to botocore's credential chain."""
    endpoint = aws.get("AWS_ENDPOINT_URL_S3") or aws.get("AWS_ENDPOINT_URL")
    region = aws.get("AWS_DEFAULT_REGION") or aws.get("AWS_REGION")
    options: dict[str, Any] = {
        "key": aws.get("AWS_ACCESS_KEY_ID"),
        "secret": aws.get("AWS_SECRET_ACCESS_KEY"),
        "token": aws.get("AWS_SESSION_TOKEN"),
        "endpoint_url": endpoint,
        "client_kwargs": {"region_name": region} if region else {},
        "config_kwargs": {
            "connect_timeout": CONNECT_TIMEOUT,
            "read_timeout": READ_TIMEOUT,
            "retries": {"max_attempts": RETRIES, "mode": "standard"},
        },
    }
    return {k: v for k, v in options.items() if v is not None}


def _sync(loop: Any, func: Any, *args: Any) -> Any:
    """fsspec's bridge from this thread into the filesystem's event loop (imported when used)."""
    from fsspec.asyn import sync

    return sync(loop, func, *args)


class S3ImageStore:
    """Avatars under `s3://<bucket>/<prefix>/<owner>/<name>.png` plus `<name>.thumb.webp`."""

    def __init__(self, url: str, options: Mapping[str, Any] | None = None, retries: int = RETRIES) -> None:
        import s3fs  # imported here: local-only deployments never load aiobotocore

        self.bucket, self.prefix = split_s3_url(url)
        self.fs = s3fs.S3FileSystem(skip_instance_cache=True, use_listings_cache=False, **dict(options or {}))
        self.fs.retries = max(1, retries)

    def _object(self, key: str) -> str:
        """The bucket path of `key`; refuses keys that could leave the prefix."""
        parts = key.split("/")
        if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
            raise ValueError("invalid image key")
        return "/".join(p for p in (self.bucket, self.prefix, key) if p)

    async def _put(self, key: str, data: bytes) -> None:
        content_type = MEDIA_TYPES.get(Path(key).suffix, "application/octet-stream")
        await self.fs._pipe_file(self._object(key), data, ContentType=content_type)

    def save(
        self,
        owner_id: int,
        name: str,
        image: Image.Image,
        recipe: Mapping[str, object],
        source_png: bytes | None = None,
    ) -> StoredImage:
        """PUT the original; the thumbnail is made and PUT when first asked for (`Gallery.image`)."""
        keys = image_keys(owner_id, name)
        self.put(keys.image_key, png_bytes(image, recipe, source_png))
        return keys

    def put(self, key: str, data: bytes) -> None:
        """One PUT of `data` (S3 makes an object visible whole or not at all)."""
        _sync(self.fs.loop, self._put, key, data)

    def read(self, key: str) -> bytes:
        """The object's bytes in one GET; FileNotFoundError when there is no such object."""
        data: bytes = self.fs.cat_file(self._object(key))
        return data

    def delete(self, key: str) -> None:
        """Remove one object (S3 deletes are idempotent: a missing one is fine)."""
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm_file(self._object(key))

    def location(self, key: str) -> str:
        """The object's `s3://` URL."""
        return f"s3://{self._object(key)}"


class PrefixedBlobs:
    """A `BlobStore` inside a shared store, under one key prefix (photos beside the avatars)."""

    def __init__(self, store: S3ImageStore, prefix: str) -> None:
        self.store, self.prefix = store, prefix

    def put(self, key: str, data: bytes) -> None:
        """PUT under the prefix."""
        self.store.put(f"{self.prefix}/{key}", data)

    def read(self, key: str) -> bytes:
        """GET under the prefix."""
        return self.store.read(f"{self.prefix}/{key}")

    def delete(self, key: str) -> None:
        """DELETE under the prefix."""
        self.store.delete(f"{self.prefix}/{key}")


def make_photo_store(settings: Settings, images: ImageStore) -> BlobStore:
    """Where users' photos live: beside the avatars in object storage, else the private directory."""
    if isinstance(images, S3ImageStore):
        return PrefixedBlobs(images, PHOTO_PREFIX)
    return LocalBlobStore(settings.photo_dir)


def make_store(settings: Settings) -> ImageStore:
    """The store AVATAR_STORAGE_URL asks for: S3 for `s3://...`, else a local directory."""
    url = settings.storage_url.strip()
    if url.lower().startswith("s3://"):
        return S3ImageStore(url, s3_options(settings.storage_aws))
    if url.lower().startswith("file://"):
        return LocalImageStore(Path(url[7:]))
    return LocalImageStore(Path(url) if url else settings.image_dir)
