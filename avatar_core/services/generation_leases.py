"""Leases on running generations: a process renews the rows it is running; a row whose lease ran
out was left by a process that died (kill -9, a crash, a lost machine), and the sweeper refunds it.

A generation's row gets `lease_until = now + lease` when it is opened; while this process runs it,
a daemon thread renews the lease every `lease / 3` seconds. So a crash is refunded about one lease
(30 s by default) after it, by whichever process sweeps next, instead of after the deadline (5 min).
Rows from before leases (no `lease_until`) are judged by age against the deadline, as before.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from avatar_core.domain.status import ACTIVE
from avatar_core.infra.db import Database
from avatar_core.infra.models import Generation, utcnow

log = logging.getLogger("avatar_core.services.generation")
LEASE = 30.0  # seconds (AVATAR_GENERATION_LEASE)


class Leases:
    """The generations this process is running, and the thread that renews their leases."""

    def __init__(self, db: Database, lease: float = LEASE, clock: Callable[[], datetime] = utcnow) -> None:
        self.db, self.lease, self.clock = db, lease, clock
        self._held: set[int] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def until(self) -> datetime:
        """When a lease taken or renewed now runs out."""
        return self.clock() + timedelta(seconds=self.lease)

    def hold(self, generation_id: int) -> None:
        """This process runs the generation (its row already has a lease): keep renewing it."""
        with self._lock:
            self._held.add(generation_id)
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="generation-leases", daemon=True)
                self._thread.start()

    def drop(self, generation_id: int) -> None:
        """The generation is settled: stop renewing it."""
        with self._lock:
            self._held.discard(generation_id)

    def renew(self) -> int:
        """Extend the lease of every generation held here that is still running; how many."""
        with self._lock:
            held = sorted(self._held)
        if not held:
            return 0
        with self.db.transaction() as session:
            result = session.execute(
                update(Generation)
                .where(Generation.id.in_(held), Generation.status.in_(ACTIVE))
                .values(lease_until=self.until())
            )
        return int(getattr(result, "rowcount", 0) or 0)

    def _loop(self) -> None:
        while True:
            time.sleep(self.lease / 3)
            try:
                self.renew()
            except Exception:  # noqa: BLE001 - the database may be away for a moment: retry
                log.warning("generation.lease_renew_failed", exc_info=True)


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for timezone-aware columns; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
