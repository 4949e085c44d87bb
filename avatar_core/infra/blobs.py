"""Private byte blobs (users' source photos): the interface and the local-directory store.

In a cluster, photos live in the same object store as avatars (`S3ImageStore.put/read/delete`,
under `private-photos/`), so an upload on one process can be used by a generation on another.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Protocol

PHOTO_PREFIX = "private-photos"  # the key prefix of photos in a shared object store


class BlobStore(Protocol):
    """Keeps private bytes under opaque keys; a reader never sees half a blob."""

    def put(self, key: str, data: bytes) -> None: ...

    def read(self, key: str) -> bytes:
        """The bytes of `key`; FileNotFoundError when there is none."""
        ...

    def delete(self, key: str) -> None: ...


class LocalBlobStore:
    """Blobs as 0600 files under a 0700 directory, written via a temporary file and a rename."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError("invalid key")
        return path

    def put(self, key: str, data: bytes) -> None:
        """Write `data` atomically, readable by this user only."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def read(self, key: str) -> bytes:
        """The file's bytes; FileNotFoundError when it is missing."""
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        """Remove the file if it exists."""
        self._path(key).unlink(missing_ok=True)
