"""Personal access tokens for the REST API: shown once, stored as SHA-256, revocable.

Tokens are 256 random bits, so a fast hash is enough (no password stretching needed); a lookup is
one indexed query on the hash.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from avatar_core.domain.errors import NotFound, ValidationError
from avatar_core.infra.db import Database, lock_user
from avatar_core.infra.models import ApiToken, User, utcnow
from avatar_core.services.auth import UserInfo, info

PREFIX = "avc_"
MAX_ACTIVE = 20  # unrevoked tokens per user
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often per token


@dataclass(frozen=True)
class TokenView:
    """A token as its owner sees it later (never the secret)."""

    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


def digest(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _view(t: ApiToken) -> TokenView:
    return TokenView(t.id, t.name, t.prefix, t.created_at, t.last_used_at, t.revoked_at is not None)


class TokenService:
    """Create, list, revoke and check tokens."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, user_id: int, name: str = "") -> tuple[TokenView, str]:
        """A new token for the user: its view and the secret, which is never shown again."""
        name = " ".join((name or "").split())
        if len(name) > 80:
            raise ValidationError("A token name is at most 80 characters.")
        secret = PREFIX + secrets.token_urlsafe(32)
        with self.db.transaction() as session:
            lock_user(session, user_id)  # NotFound for no such user; creates take turns
            active = session.scalar(
                select(func.count()).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
            )
            if (active or 0) >= MAX_ACTIVE:
                raise ValidationError(f"You have {MAX_ACTIVE} active tokens; revoke one first.")
            token = ApiToken(
                user_id=user_id, name=name, token_hash=digest(secret), prefix=secret[:10], created_at=utcnow()
            )
            session.add(token)
            session.flush()
            return _view(token), secret

    def of_user(self, user_id: int) -> list[TokenView]:
        """The user's tokens, newest first."""
        with self.db.read() as session:
            rows = session.scalars(
                select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())
            )
            return [_view(t) for t in rows]

    def revoke(self, token_id: int, owner_id: int | None = None) -> TokenView:
        """Revoke one token (of `owner_id`, when given); revoking twice is harmless."""
        with self.db.transaction() as session:
            token = session.get(ApiToken, token_id)
            if token is None or (owner_id is not None and token.user_id != owner_id):
                raise NotFound("No such token.")
            token.revoked_at = token.revoked_at or utcnow()
            return _view(token)

    def authenticate(self, secret: str) -> tuple[UserInfo, int] | None:
        """(user, token id) for a valid, unrevoked token; None otherwise."""
        if not secret.startswith(PREFIX) or len(secret) > 100:
            return None
        now = utcnow()
        with self.db.read() as session:
            row = session.execute(
                select(ApiToken, User)
                .join(User, User.id == ApiToken.user_id)
                .where(ApiToken.token_hash == digest(secret))
            ).first()
            if row is None or row[0].revoked_at is not None:
                return None
            token, user = row
            stale = token.last_used_at is None or _aware(token.last_used_at) < now - TOUCH_EVERY
            result = (info(user), token.id)
        if stale:
            with self.db.transaction() as session:
                session.execute(update(ApiToken).where(ApiToken.id == result[1]).values(last_used_at=now))
        return result


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for timezone-aware columns; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
