"""Sign-up invite codes: made by admins, each with a number of uses and optional credits."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from avatar_core.domain.errors import NotFound, ValidationError
from avatar_core.infra.db import Database
from avatar_core.infra.models import Invite, User
from avatar_core.services import credits

MAX_USES, MAX_INVITE_CREDITS = 10_000, 100_000


@dataclass(frozen=True)
class InviteInfo:
    """An invite as admins see it; `code` only right after creation (only a hash is kept)."""

    id: int
    hint: str
    max_uses: int
    uses: int
    credits: int
    revoked: bool
    created_at: str
    code: str | None = None


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().encode("utf-8", "surrogatepass")).hexdigest()


def _info(row: Invite, code: str | None = None) -> InviteInfo:
    return InviteInfo(
        row.id,
        row.hint,
        row.max_uses,
        row.uses,
        row.credits,
        row.revoked,
        row.created_at.strftime("%Y-%m-%d %H:%M"),
        code,
    )


def _whole(value: object, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(f"{name} must be a whole number from {low} to {high}.")
    return value


class Invites:
    """Create, list, revoke and redeem invites; owns its transactions (redeem joins the caller's)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, uses: int = 1, credit_amount: int = 0, actor_id: int | None = None) -> InviteInfo:
        """A new invite; its code is shown once."""
        uses = _whole(uses, "Uses", 1, MAX_USES)
        credit_amount = _whole(credit_amount, "Credits", 0, MAX_INVITE_CREDITS)
        code = secrets.token_urlsafe(12)
        with self.db.transaction() as session:
            row = Invite(
                code_hash=_hash(code),
                hint=code[:4],
                max_uses=uses,
                uses=0,
                credits=credit_amount,
                created_by=actor_id,
                revoked=False,
            )
            session.add(row)
            session.flush()
            return _info(row, code)

    def list(self, limit: int = 200) -> list[InviteInfo]:
        """The newest invites first."""
        with self.db.read() as session:
            rows = session.scalars(select(Invite).order_by(Invite.id.desc()).limit(limit))
            return [_info(r) for r in rows]

    def revoke(self, invite_id: int) -> InviteInfo:
        """Stop an invite from being used again."""
        with self.db.transaction() as session:
            row = session.get(Invite, invite_id) if 0 < invite_id < 2**31 else None
            if row is None:
                raise NotFound(f"No invite #{invite_id}.")
            row.revoked = True
            return _info(row)

    def redeem(self, session: Session, code: str, user: User) -> None:
        """Inside the sign-up's transaction: use one of the code's uses and grant its credits."""
        stmt = select(Invite).where(Invite.code_hash == _hash(code or ""))
        if session.get_bind().dialect.name != "sqlite":
            stmt = stmt.with_for_update()
        row = session.scalars(stmt).one_or_none()
        if row is None or row.revoked or row.uses >= row.max_uses:
            raise ValidationError("That invite code is not valid (wrong, used up or revoked).")
        row.uses += 1
        if row.credits > 0:
            credits.grant(session, user.id, row.credits, key=f"invite:{row.id}", reason=f"invite #{row.id}")
