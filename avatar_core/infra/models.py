"""SQLAlchemy 2 typed models; the schema itself is created by the Alembic migrations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from avatar_core.domain.selection import Tier
from avatar_core.domain.status import GenerationStatus

APP_ID = "avatar-creator"


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base for all tables."""


class User(Base):
    """An account; `balance` caches its ledger sum, `gallery_count` its completed generations."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    tier: Mapped[str] = mapped_column(String(16), default=Tier.FREE.value)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    balance: Mapped[int] = mapped_column(Integer, default=0)
    gallery_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    hf_username: Mapped[str | None] = mapped_column(String(96), unique=True)
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AIModel(Base):
    """One row of the model catalog."""

    __tablename__ = "ai_models"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_key: Mapped[str] = mapped_column(String(96), unique=True)
    app_id: Mapped[str] = mapped_column(String(48), default=APP_ID)
    name: Mapped[str] = mapped_column(String(96))
    tier: Mapped[str] = mapped_column(String(16))
    credit_cost: Mapped[int] = mapped_column(Integer)
    model_id: Mapped[str] = mapped_column(String(160))
    lora_model: Mapped[str | None] = mapped_column(String(160))
    lora_scale: Mapped[float | None] = mapped_column(Float)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    steps: Mapped[int] = mapped_column(Integer)
    guidance_scale: Mapped[float] = mapped_column(Float)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    processing_time: Mapped[str] = mapped_column(String(32), default="")
    expected_seconds: Mapped[int] = mapped_column(Integer, default=30)
    capabilities: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    endpoint_url: Mapped[str | None] = mapped_column(String(500))
    endpoint_handler: Mapped[str | None] = mapped_column(String(32))
    license: Mapped[str] = mapped_column(String(64), default="", server_default="")
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")  # provider, per image
    fallback_key: Mapped[str | None] = mapped_column(String(96))  # the row to run when this is refused


class Preset(Base):
    """A character preset: a prompt, a persona and visual attributes."""

    __tablename__ = "presets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(96), unique=True)
    category: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    prompt: Mapped[str] = mapped_column(Text)
    persona: Mapped[dict[str, Any]] = mapped_column(JSON)
    attributes: Mapped[dict[str, str]] = mapped_column(JSON)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Generation(Base):
    """One avatar request: what was asked, what ran, what it cost and where the image is."""

    __tablename__ = "generations"
    __table_args__ = (
        Index("ix_generations_user_created", "user_id", "created_at", "id"),
        Index("ix_generations_user_status_created", "user_id", "status", "created_at", "id"),
        UniqueConstraint("user_id", "idempotency_key", name="uq_generation_user_idempotency"),
        {"sqlite_autoincrement": True},  # ids are never reused: the ledger's keys name them (0010)
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default=GenerationStatus.QUEUED, index=True)
    model_key: Mapped[str] = mapped_column(String(96))
    model_id: Mapped[str] = mapped_column(String(160))
    lora_model: Mapped[str | None] = mapped_column(String(160))
    lora_scale: Mapped[float | None] = mapped_column(Float)
    lora_applied: Mapped[bool] = mapped_column(Boolean, default=False)
    preset_key: Mapped[str | None] = mapped_column(String(64))
    user_prompt: Mapped[str] = mapped_column(Text, default="")
    prompt: Mapped[str] = mapped_column(Text, default="")
    negative_prompt: Mapped[str] = mapped_column(Text, default="")
    seed: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    steps: Mapped[int] = mapped_column(Integer)
    guidance_scale: Mapped[float] = mapped_column(Float)
    price: Mapped[int] = mapped_column(Integer)
    credits_charged: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(Text, default="")
    engine: Mapped[str] = mapped_column(String(32), default="")
    provider: Mapped[str] = mapped_column(String(32), default="", server_default="")
    provider_model: Mapped[str] = mapped_column(String(160), default="", server_default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str | None] = mapped_column(Text)
    error_detail: Mapped[str | None] = mapped_column(Text)  # for operators: provider's answer, kind
    # Likeness: the consent given for the source photo (the photo itself is never kept with it).
    photo_consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Projects and names (the design's API); a retried API call with the same key is one generation.
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    idempotency_key: Mapped[str | None] = mapped_column(String(128))
    request_digest: Mapped[str | None] = mapped_column(String(64))  # what the idempotent call asked (0011)
    # While running: held by its process until this time, renewed every few seconds (0011).
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Deleted by its owner: the image is gone, the record of what happened (cost, usage) stays (0011).
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @classmethod
    def shown(cls) -> ColumnElement[bool]:
        """The gallery's rows: completed avatars their owner has not deleted."""
        return (cls.status == GenerationStatus.COMPLETED) & cls.deleted_at.is_(None)

    @property
    def is_shown(self) -> bool:
        """This row is in its owner's gallery."""
        return self.status == GenerationStatus.COMPLETED and self.deleted_at is None

    # Operations: provider cost of this image, the user's rating, the A/B arm it was served by.
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    rating: Mapped[int | None] = mapped_column(Integer)  # +1 / -1
    rating_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    arm: Mapped[str | None] = mapped_column(String(32))  # e.g. "exp3:B"
    seconds: Mapped[float | None] = mapped_column(Float)
    image_path: Mapped[str | None] = mapped_column(String(255))
    thumb_path: Mapped[str | None] = mapped_column(String(255))
    favourite: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LedgerEntry(Base):
    """An append-only credit movement; the sum per user is the truth."""

    __tablename__ = "credit_ledger"
    __table_args__ = (
        UniqueConstraint("user_id", "idempotency_key", name="uq_ledger_user_key"),
        Index("ix_ledger_user_id", "user_id", "id"),
        Index("ix_ledger_generation", "generation_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(Integer)
    balance_after: Mapped[int] = mapped_column(Integer)
    # A plain reference, not a foreign key: the history outlives a deleted avatar.
    generation_id: Mapped[int | None] = mapped_column(Integer)
    idempotency_key: Mapped[str] = mapped_column(String(128))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Photo(Base):
    """A user's source photo for likeness avatars: personal data, kept briefly and privately.

    The row outlives the file (`deleted_at` set) so per-user upload limits can count recent uploads.
    """

    __tablename__ = "photos"
    __table_args__ = (Index("ix_photos_user_created", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(128))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    consent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Project(Base):
    """A user's folder of avatars; everyone gets "My avatars" on first use."""

    __tablename__ = "projects"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_project_user_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiToken(Base):
    """A personal access token for /api/v1: only its SHA-256 is stored; shown once at creation."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # the first characters, to recognise it
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Experiment(Base):
    """An A/B test of a tier's Auto choice: model A vs model B, split by a stable hash of the user."""

    __tablename__ = "experiments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tier: Mapped[str] = mapped_column(String(16), index=True)
    model_a: Mapped[str] = mapped_column(String(96))
    model_b: Mapped[str] = mapped_column(String(96))
    split_pct: Mapped[int] = mapped_column(Integer)  # share of users on B, 0..100
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ThrottleEvent(Base):
    """One counted event (a failed login, a sign-up, a known sign-in) for the DB-backed throttles."""

    __tablename__ = "throttle_events"
    __table_args__ = (
        Index("ix_throttle_kind_key_at", "kind", "key", "created_at"),
        Index("ix_throttle_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Invite(Base):
    """A sign-up invite code (only its SHA-256 is stored), with uses and optional credits."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(8))
    max_uses: Mapped[int] = mapped_column(Integer, default=1)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    credits: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


from avatar_core.infra.code_table import CreditCode  # noqa: E402, F401 - credit_codes, registered on Base
from avatar_core.infra.job_table import Job  # noqa: E402, F401 - the jobs table, registered on Base
