"""Sign-up invite codes: made by admins, each with a number of uses and optional credits.

An invite never expires; it works until its uses are spent or it is revoked. Who used it is known
from the ledger when it carries credits (each sign-up's grant is keyed `invite:<id>`); an invite
without credits records only how many times it was used.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from avatar_core.domain.errors import NotFound, ValidationError
from avatar_core.infra.db import Database
from avatar_core.infra.models import Invite, LedgerEntry, User
from avatar_core.services import credits

MAX_USES, MAX_INVITE_CREDITS = 10_000, 100_000


@dataclass(frozen=True)
class InviteUse:
    """One sign-up made with an invite (known for invites with credits: their ledger grant)."""

    username: str
    at: datetime


@dataclass(frozen=True)
class InviteInfo:
    """An invite as admins see it; `code` only right after creation (only a hash is kept)."""

    id: int
    hint: str
    max_uses: int
    uses: int
    credits: int
    revoked: bool
    created_at: str  # ISO 8601 to the second
    code: str | None = None
    used_by: tuple[InviteUse, ...] = ()  # oldest first; empty for an invite without credits

    @property
    def state(self) -> str:
        """unused, partly used, used up or revoked (invites do not expire)."""
        if self.revoked:
            return "revoked"
        if self.uses >= self.max_uses:
            return "used up"
        return "partly used" if self.uses else "unused"


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().encode("utf-8", "surrogatepass")).hexdigest()


def _info(row: Invite, code: str | None = None, used_by: Sequence[InviteUse] = ()) -> InviteInfo:
    return InviteInfo(
        row.id,
        row.hint,
        row.max_uses,
        row.uses,
        row.credits,
        row.revoked,
        row.created_at.isoformat(timespec="seconds"),
        code,
        tuple(used_by),
    )


def _uses(session: Session, rows: Sequence[Invite]) -> dict[str, list[InviteUse]]:
    """Who signed up with each of `rows` that carries credits, by ledger key (`invite:<id>`)."""
    return ledger_uses(session, [f"invite:{r.id}" for r in rows if r.credits > 0 and r.uses > 0])


def ledger_uses(session: Session, keys: Sequence[str]) -> dict[str, list[InviteUse]]:
    """Who got each ledger grant key in `keys` and when, oldest first (invites; credit codes)."""
    if not keys:
        return {}
    found: dict[str, list[InviteUse]] = {}
    stmt = (
        select(LedgerEntry.idempotency_key, User.username, LedgerEntry.created_at)
        .join(User, User.id == LedgerEntry.user_id)
        .where(LedgerEntry.idempotency_key.in_(keys))
        .order_by(LedgerEntry.id)
    )
    for key, username, at in session.execute(stmt):
        found.setdefault(key, []).append(InviteUse(username, at))
    return found


def whole_number(value: object, name: str, low: int, high: int) -> int:
    """`value` if it is an int (not a bool) from `low` to `high`; ValidationError naming it."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(f"{name} must be a whole number from {low} to {high}.")
    return value


class Invites:
    """Create, list, revoke and redeem invites; owns its transactions (redeem joins the caller's)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, uses: int = 1, credit_amount: int = 0, actor_id: int | None = None) -> InviteInfo:
        """A new invite; its code is shown once."""
        uses = whole_number(uses, "Uses", 1, MAX_USES)
        credit_amount = whole_number(credit_amount, "Credits", 0, MAX_INVITE_CREDITS)
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
            rows = list(session.scalars(select(Invite).order_by(Invite.id.desc()).limit(limit)))
            uses = _uses(session, rows)
            return [_info(r, used_by=uses.get(f"invite:{r.id}", ())) for r in rows]

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
