"""Jobs in the database: enqueue with the reserve, claim round-robin, lease, fence, cancel.

- **Claim.** The next job is the one of highest priority whose user has the fewest jobs running,
  oldest first (so a batch of 4 from one user interleaves with everyone else's clicks), among
  users below `user_concurrency` running jobs. On PostgreSQL the user's row is locked before the
  job row (FOR UPDATE, then the job FOR UPDATE SKIP LOCKED, then the user's running jobs counted
  again), so two workers never run more than the cap of one user's jobs, and the lock order is
  always user, then job; SQLite's one writer (BEGIN IMMEDIATE) takes turns anyway.
- **Lease and fence.** A claim sets `lease_until` and raises `fence`; the worker renews the lease
  every lease / 3 s. A running job whose lease ran out is claimable again (its worker died): the
  new claim raises the fence, and every write of the old worker (`mark`, `settle`) names the fence
  it holds and fails (LostLease) once it no longer matches. So a worker that lost its lease can
  never write a result.
- **Poison.** `attempts` counts claims; a job claimed more than `max_attempts` times is failed by
  the runner instead of run again.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, aliased

from avatar_core.infra.db import Database, lock_user
from avatar_core.infra.models import Generation, Job, utcnow

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
LEASE = 30.0  # seconds (AVATAR_GENERATION_LEASE)
MAX_ATTEMPTS = 3  # claims before a job is poison


class LostLease(RuntimeError):
    """The job was claimed by another worker (or cancelled) since this worker claimed it."""


@dataclass(frozen=True)
class Claim:
    """A job held by one worker: what to run and the fencing token its writes must name."""

    job_id: int
    generation_id: int | None
    user_id: int
    fence: int
    attempts: int
    stage: str
    provider_ref: str | None
    payload: dict[str, Any] = field(default_factory=dict)


class JobQueue:
    """The queue over the `jobs` table of `db`."""

    def __init__(
        self,
        db: Database,
        *,
        lease: float = LEASE,
        user_concurrency: int = 4,
        max_attempts: int = MAX_ATTEMPTS,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db, self.lease, self.user_concurrency = db, lease, user_concurrency
        self.max_attempts, self.clock = max_attempts, clock

    def until(self) -> datetime:
        """When a lease taken or renewed now runs out."""
        return self.clock() + timedelta(seconds=self.lease)

    @staticmethod
    def enqueue(
        session: Session, *, user_id: int, generation_id: int, payload: dict[str, Any], priority: int = 0
    ) -> Job:
        """A queued job for a generation, inside the transaction that reserves its credits."""
        job = Job(
            user_id=user_id, generation_id=generation_id, payload=payload, priority=priority, status=QUEUED
        )
        session.add(job)
        return job

    def claim(self, only: Collection[int] | None = None) -> Claim | None:
        """The next job for this worker (among the jobs of generations `only`, if given), or None."""
        now = self.clock()
        with self.db.transaction() as session:
            for job in session.scalars(self._candidates(now, only)).all():
                if not self.db.is_sqlite:  # SQLite's one writer (BEGIN IMMEDIATE) already takes turns
                    lock_user(session, job.user_id)  # user before job, as everywhere
                    locked = session.scalars(self._lock_job(job.id, now)).first()
                    if locked is None or self._running(session, job.user_id, now) >= self.user_concurrency:
                        continue
                job.status, job.fence, job.attempts = RUNNING, job.fence + 1, job.attempts + 1
                job.lease_until, job.started_at = self.until(), job.started_at or now
                if job.generation_id is not None:
                    session.execute(
                        update(Generation).where(Generation.id == job.generation_id).values(status=RUNNING)
                    )
                return claim_of(job)
        return None

    def _candidates(self, now: datetime, only: Collection[int] | None) -> Any:
        other = aliased(Job)
        running = (
            select(func.count())
            .select_from(other)
            .where(other.user_id == Job.user_id, other.status == RUNNING, other.lease_until >= now)
            .scalar_subquery()
        )
        stmt = (
            select(Job)
            .where(ready(now), running < self.user_concurrency)
            .order_by(Job.priority.desc(), running, Job.id)
            .limit(1 if self.db.is_sqlite else 16)
            .execution_options(populate_existing=True)
        )
        return stmt.where(Job.generation_id.in_(list(only))) if only is not None else stmt

    @staticmethod
    def _lock_job(job_id: int, now: datetime) -> Any:
        stmt = select(Job).where(Job.id == job_id, ready(now)).execution_options(populate_existing=True)
        return stmt.with_for_update(skip_locked=True)

    @staticmethod
    def _running(session: Session, user_id: int, now: datetime) -> int:
        live = (Job.user_id == user_id) & (Job.status == RUNNING) & (Job.lease_until >= now)
        return int(session.scalar(select(func.count()).select_from(Job).where(live)) or 0)

    def renew(self, claims: Collection[Claim]) -> set[int]:
        """Extend the leases of `claims`; the job ids whose claim no longer holds (lost or ended)."""
        lost = set()
        with self.db.transaction() as session:
            for claim in claims:
                if not session.execute(held(claim).values(lease_until=self.until())).rowcount:  # type: ignore[attr-defined]
                    lost.add(claim.job_id)
        return lost

    def mark(self, claim: Claim, stage: str, provider_ref: str | None = None) -> None:
        """Commit where the run got to (and how to resume its provider call) before going on."""
        values: dict[str, Any] = {"stage": stage, "lease_until": self.until()}
        if provider_ref is not None:
            values["provider_ref"] = provider_ref
        with self.db.transaction() as session:
            if not session.execute(held(claim).values(**values)).rowcount:  # type: ignore[attr-defined]
                raise LostLease(f"job {claim.job_id} is no longer held by this worker")

    @staticmethod
    def stop(session: Session, generation_id: int) -> None:
        """Cancel a generation's queued or running job now, raising its fence so a worker still
        running it can write nothing. The caller holds the user's lock and settles the
        generation in the same transaction."""
        job = session.scalars(
            select(Job).where(Job.generation_id == generation_id).execution_options(populate_existing=True)
        ).first()
        if job is None or job.status not in (QUEUED, RUNNING):
            return
        job.status, job.fence = CANCELLED, job.fence + 1
        job.finished_at, job.lease_until = utcnow(), None

    def position(self, generation_id: int) -> int | None:
        """How many queued jobs would be claimed before this one (None unless it is queued)."""
        with self.db.read() as session:
            job = session.scalars(select(Job).where(Job.generation_id == generation_id)).first()
            if job is None or job.status != QUEUED:
                return None
            ahead = (Job.status == QUEUED) & or_(
                Job.priority > job.priority, (Job.priority == job.priority) & (Job.id < job.id)
            )
            return int(session.scalar(select(func.count()).select_from(Job).where(ahead)) or 0)

    def state(self, generation_id: int) -> tuple[str, str] | None:
        """(status, stage) of a generation's job, or None when it has none."""
        with self.db.read() as session:
            row = session.execute(
                select(Job.status, Job.stage).where(Job.generation_id == generation_id)
            ).first()
        return (row[0], row[1]) if row else None


def settle(session: Session, claim: Claim, status: str) -> None:
    """End the job inside the transaction that settles its generation; LostLease (rolling the
    settlement back) when this worker's claim no longer holds."""
    done = held(claim).values(status=status, finished_at=utcnow(), lease_until=None)
    if not session.execute(done).rowcount:  # type: ignore[attr-defined]
        raise LostLease(f"job {claim.job_id} is no longer held by this worker")


def ready(now: datetime) -> Any:
    """Claimable: queued, or running under a lease that ran out (its worker died)."""
    expired = (Job.status == RUNNING) & (Job.lease_until < now)
    return (Job.status == QUEUED) | expired


def held(claim: Claim) -> Any:
    """An UPDATE of the job that matches only while `claim` still holds it."""
    return update(Job).where(Job.id == claim.job_id, Job.fence == claim.fence, Job.status == RUNNING)


def claim_of(job: Job) -> Claim:
    """The claim a worker keeps for `job` (just claimed)."""
    return Claim(
        job_id=job.id,
        generation_id=job.generation_id,
        user_id=job.user_id,
        fence=job.fence,
        attempts=job.attempts,
        stage=job.stage,
        provider_ref=job.provider_ref,
        payload=dict(job.payload or {}),
    )
