"""Two replicas, one database, one bucket: an avatar saved by one is served and deleted by the other.

`BucketStore` is the shape of an object-storage `ImageStore` (S3, GCS, R2...): objects live in a
shared bucket (a dict here), each replica keeps a read-through cache because the owner-checked
image route streams a local file. docs/scaling.md shows how to plug one in.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from PIL import Image

from avatar_core.infra.storage import FileBacked, ImageStore, LocalImageStore, StoredImage, png_bytes
from avatar_core.services.generation import GenerationRequest
from tests.conftest import make_app


class BucketStore(ImageStore, FileBacked):
    """An object-storage ImageStore (FileBacked): a shared bucket plus this replica's local cache."""

    def __init__(self, bucket: dict[str, bytes], cache_dir: Path) -> None:
        self.bucket, self.cache = bucket, LocalImageStore(cache_dir)

    def save(
        self,
        owner_id: int,
        name: str,
        image: Image.Image,
        recipe: Mapping[str, object],
        source_png: bytes | None = None,
    ) -> StoredImage:
        image_key, thumb_key = f"{owner_id}/{name}.png", f"{owner_id}/{name}.thumb.webp"
        self.bucket[image_key] = png_bytes(image, recipe, source_png)
        return StoredImage(image_key, thumb_key)

    def put(self, key: str, data: bytes) -> None:
        self.bucket[key] = data

    def path(self, key: str) -> Path:
        local = self.cache.path(key)  # also refuses keys that escape the cache root
        if not local.is_file() and key in self.bucket:
            local.parent.mkdir(parents=True, exist_ok=True)
            tmp = local.with_name(f".tmp-{local.name}")
            tmp.write_bytes(self.bucket[key])
            tmp.replace(local)
        return local

    def read(self, key: str) -> bytes:
        if key not in self.bucket:
            raise FileNotFoundError(key)
        return self.bucket[key]

    def location(self, key: str) -> str:
        return f"bucket://{key}"

    def delete(self, key: str) -> None:
        self.bucket.pop(key, None)
        self.cache.delete(key)


def test_replicas_share_avatars_through_the_store(tmp_path: Path, database_url: str) -> None:
    bucket: dict[str, bytes] = {}
    replicas = [
        make_app(
            tmp_path / f"replica{i}", database_url, store_impl=BucketStore(bucket, tmp_path / f"cache{i}")
        )
        for i in range(2)
    ]
    a, b = replicas
    try:
        user = a.accounts.register("shared-sam", "a-long-secret-9")
        result = a.generations.generate(user, GenerationRequest(prompt="a sailor", seed=7))
        assert result.ok and result.image_key and set(bucket) == {result.image_key}  # thumbnail: when shown

        path = b.gallery.image_path(user.id, result.generation_id)  # the other replica
        assert path.read_bytes() == bucket[result.image_key]
        assert Image.open(path).size == (512, 512)
        assert b.gallery.image_path(user.id, result.generation_id, thumb=True).is_file()
        assert set(bucket) == {result.image_key, result.thumb_key}  # made by B, kept in the bucket

        b.gallery.delete(user.id, result.generation_id)
        assert bucket == {}
        assert a.gallery.page(user.id, 1).total == 0  # gone for replica A too
    finally:
        for app in replicas:
            app.close()
