"""The `jobs` table: work that outlives the request that asked for it (migration 0012).

A job row is the queue's view of one piece of work (today: one generation); the generation row
stays the business record. Claimed by a worker with a lease it renews (`lease_until`) and a fencing
token (`fence`, raised on every claim) that every write of a result must still match.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from avatar_core.infra.models import Base, utcnow


class Job(Base):
    """One queued or running piece of work and who holds it."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_status_priority", "status", "priority", "id"),
        Index("ix_jobs_user_status", "user_id", "status"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), default="generation")
    generation_id: Mapped[int | None] = mapped_column(
        ForeignKey("generations.id", ondelete="CASCADE"), unique=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # queued -> running -> done | failed | cancelled (the subject's own row says how it ended)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    priority: Mapped[int] = mapped_column(Integer, default=0)  # higher first (per tier)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # claims so far (poison after N)
    fence: Mapped[int] = mapped_column(Integer, default=0)  # raised by every claim and cancel
    worker: Mapped[str] = mapped_column(String(64), default="")
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Where a run got to: "" (not sent), "submitting" (sent, no id yet), "waiting" (the provider's
    # request id is in provider_ref), "storing" (the image is in hand).
    stage: Mapped[str] = mapped_column(String(16), default="")
    provider_ref: Mapped[str | None] = mapped_column(Text)  # JSON: how to resume the provider call
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
