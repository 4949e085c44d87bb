"""Files received by Gradio's upload route, per user: the only server files an event may name.

Gradio copies whatever path an event's `FileData` names into its cache and serves it at
`/gradio_api/file=` (its guard `processing_utils._check_allowed` is skipped in a mounted app, whose
Blocks never "launch"). `gradio_gate.GradioGate` records here what `/gradio_api/upload` answered
each signed-in user and lets events name, and `/file=` serve, only those files of that user.

Kept per process: nginx keeps a session on one process, and the files are on that process's disk.
Unused uploads are deleted after `ttl` seconds; a user has at most `max_pending` waiting (the
oldest goes first) and may upload `bytes_per_hour`.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from avatar_core.domain.errors import RateLimited

TTL = 600.0  # seconds an upload waits for the event that uses it
MAX_PENDING = 4  # uploads a user may have waiting at once (a photo, a retry, ...)
HOUR = 3600.0


class UploadQuota(RateLimited):
    """A user uploaded more than their hourly allowance."""

    def __init__(self, retry_after: int, megabytes: int) -> None:
        super().__init__(retry_after)
        self.message = (
            f"Upload limit reached ({megabytes} MB per hour). Try again in {retry_after // 60 + 1} min."
        )
        self.args = (self.message,)


@dataclass
class _User:
    pending: dict[str, float] = field(default_factory=dict)  # path -> time received, oldest first
    sent: list[tuple[float, int]] = field(default_factory=list)  # (time, bytes) of the last hour


class Uploads:
    """Who uploaded which file, how much each user uploaded, and the clean-up of unused files."""

    def __init__(
        self,
        bytes_per_hour: int,
        *,
        ttl: float = TTL,
        max_pending: int = MAX_PENDING,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bytes_per_hour, self.ttl, self.max_pending, self.clock = bytes_per_hour, ttl, max_pending, clock
        self._users: dict[int, _User] = {}
        self._owner: dict[str, int] = {}
        self._lock = threading.Lock()

    def admit(self, user_id: int, incoming: int = 0) -> None:
        """UploadQuota when `incoming` more bytes (0: unknown) would take the user past
        `bytes_per_hour` in the last hour."""
        now = self.clock()
        with self._lock:
            sent = self._recent(user_id, now)
            if sum(size for _at, size in sent) + max(incoming, 1) > self.bytes_per_hour:
                left = sent[0][0] + HOUR - now if sent else HOUR
                raise UploadQuota(max(1, math.ceil(left)), self.bytes_per_hour // (1024 * 1024))

    def received(self, user_id: int, paths: list[str]) -> None:
        """Record files the upload route stored for the user (and count their bytes)."""
        now, evicted = self.clock(), []
        with self._lock:
            user = self._users.setdefault(user_id, _User())
            for path in paths:
                user.sent.append((now, _size(path)))
                user.pending[path] = now
                self._owner[path] = user_id
            while len(user.pending) > self.max_pending:
                oldest = next(iter(user.pending))
                evicted.append(oldest)
                self._drop(oldest)
        for path in evicted:
            _remove(path)

    def owns(self, user_id: int, path: str) -> bool:
        """True when `path` is, exactly, a file the upload route stored for this user and kept."""
        with self._lock:
            if self._owner.get(path) != user_id:
                return False
        if os.path.isfile(path):
            return True
        self.forget(path)  # used and deleted by its handler, or cleaned up
        return False

    def forget(self, path: str) -> None:
        """The file was used (and deleted): it is nobody's any more."""
        with self._lock:
            self._drop(path)

    def sweep(self) -> int:
        """Delete uploads nobody used within `ttl`; returns how many."""
        now, expired = self.clock(), []
        with self._lock:
            for user_id, user in self._users.items():
                expired += [p for p, at in user.pending.items() if at < now - self.ttl]
                self._recent(user_id, now)
            for path in expired:
                self._drop(path)
            for user_id in [u for u, user in self._users.items() if not user.pending and not user.sent]:
                del self._users[user_id]
        for path in expired:
            _remove(path)
        return len(expired)

    def _recent(self, user_id: int, now: float) -> list[tuple[float, int]]:
        user = self._users.get(user_id)
        if user is None:
            return []
        user.sent = [(at, size) for at, size in user.sent if at > now - HOUR]
        return user.sent

    def _drop(self, path: str) -> None:
        user_id = self._owner.pop(path, None)
        if user_id is not None and user_id in self._users:
            self._users[user_id].pending.pop(path, None)


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _remove(path: str) -> None:
    """Delete an upload and its folder (Gradio keeps each upload in a folder of its own)."""
    with contextlib.suppress(OSError):
        Path(path).unlink()
    with contextlib.suppress(OSError):
        Path(path).parent.rmdir()
