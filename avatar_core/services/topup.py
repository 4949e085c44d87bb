"""The monthly free top-up (`AVATAR_MONTHLY_TOPUP`): expiring grants in the ledger.

The rule, per user and calendar month (UTC), with N the allowance of the user's tier (0: none):

- **Top-up.** The first time in a month the user is seen (a page load, the "Get credits" section,
  `GET /api/v1/credits`, a REST generate) with a balance below N, one grant brings the balance to
  N: a `grant` row keyed `topup:YYYY-MM`, so at most one per user per month, whatever runs at once.
- **Expiry.** That grant expires when its month ends (00:00 UTC on the 1st of the next month).
  Generations reserved after the grant are paid from it first, so what is left of it is the
  grant minus those generations' net cost (their refunds count back; a refund of one reserved
  before the grant does not), between 0 and the grant. That much,
  never more than the balance, is taken back by an `expired` row keyed `expire:topup:YYYY-MM`
  (an `expired` row of 0 when nothing was left). It is written the first time the user is seen
  after the month ended, before that month's top-up; generations paid between the month's end and
  then count as paid from the old top-up (in the user's favour).

Other credits (sign-up, codes, admin grants) never expire. Turning the setting off stops new
top-ups; grants already made still expire at their month's end.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from avatar_core.infra.db import Database, lock_user
from avatar_core.infra.models import LedgerEntry, User, utcnow
from avatar_core.services import credits

TOPUP, EXPIRE = "topup:", "expire:topup:"
PAID = (credits.RESERVE, credits.CAPTURE, credits.RELEASE)  # what generations move


def month_of(moment: datetime) -> str:
    """`YYYY-MM` of a moment in UTC (a naive one is taken as UTC)."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m")


def month_end(month: str) -> datetime:
    """When a `YYYY-MM` month ends: 00:00 UTC on the first day of the next month."""
    year, mon = (int(part) for part in month.split("-"))
    return datetime(year + mon // 12, mon % 12 + 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class TopUpChange:
    """What one `apply` did: this month's top-up and what expired of ended months."""

    month: str
    granted: int = 0
    expired: int = 0


class MonthlyTopUp:
    """Tops users up once a month to their tier's allowance and expires what is left of it."""

    def __init__(
        self, db: Database, allowance: Mapping[str, int], clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.db, self.allowance, self.clock = db, dict(allowance), clock

    def allowance_for(self, tier: str) -> int:
        """The credits a month for `tier` (0: no top-up)."""
        return max(0, int(self.allowance.get(str(tier), 0)))

    @property
    def enabled(self) -> bool:
        """True when some tier gets a top-up."""
        return any(v > 0 for v in self.allowance.values())

    def apply(self, user_id: int) -> TopUpChange | None:
        """Expire ended months' top-ups, then top up for this month if due; None when nothing is
        due (one read, no write: this runs on every page load)."""
        month = month_of(self.clock())
        with self.db.read() as session:
            if not self._due(session, user_id, month):
                return None
        with self.db.transaction() as session:
            user = lock_user(session, user_id)
            expired = sum(
                self._expire(session, user, ended) for ended in self._pending(session, user_id, month)
            )
            granted = self._grant(session, user, month)
        return TopUpChange(month, granted, expired)

    def this_month(self, user_id: int) -> int:
        """The credits this month's top-up granted the user (0: none yet)."""
        key = TOPUP + month_of(self.clock())
        with self.db.read() as session:
            found = session.scalar(
                select(LedgerEntry.amount).where(
                    LedgerEntry.user_id == user_id, LedgerEntry.idempotency_key == key
                )
            )
        return int(found or 0)

    def _due(self, session: Session, user_id: int, month: str) -> bool:
        row = session.execute(select(User.balance, User.tier).where(User.id == user_id)).one_or_none()
        if row is None:
            return False
        if self._pending(session, user_id, month):
            return True
        allowance = self.allowance_for(row.tier)
        return allowance > 0 and row.balance < allowance and not self._has(session, user_id, TOPUP + month)

    @staticmethod
    def _has(session: Session, user_id: int, key: str) -> bool:
        stmt = select(LedgerEntry.id).where(
            LedgerEntry.user_id == user_id, LedgerEntry.idempotency_key == key
        )
        return session.scalar(stmt) is not None

    @staticmethod
    def _pending(session: Session, user_id: int, month: str) -> list[str]:
        """Ended months whose top-up has no expiry row yet, oldest first."""
        keys = session.scalars(
            select(LedgerEntry.idempotency_key).where(
                LedgerEntry.user_id == user_id,
                or_(
                    LedgerEntry.idempotency_key.startswith(TOPUP),
                    LedgerEntry.idempotency_key.startswith(EXPIRE),
                ),
            )
        ).all()
        granted = {k[len(TOPUP) :] for k in keys if k.startswith(TOPUP)}
        expired = {k[len(EXPIRE) :] for k in keys if k.startswith(EXPIRE)}
        return sorted(m for m in granted - expired if m < month)

    @staticmethod
    def _expire(session: Session, user: User, month: str) -> int:
        """Take back what is left of `month`'s top-up (never more than the balance); the amount."""
        grant = session.scalars(
            select(LedgerEntry).where(
                LedgerEntry.user_id == user.id, LedgerEntry.idempotency_key == TOPUP + month
            )
        ).one()
        # Only generations reserved after the grant were paid from it: a refund (or capture) of
        # one reserved before it (the reserve that took the balance under N) is not its money.
        after = select(LedgerEntry.generation_id).where(
            LedgerEntry.user_id == user.id, LedgerEntry.type == credits.RESERVE, LedgerEntry.id > grant.id
        )
        moved = session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
                LedgerEntry.user_id == user.id,
                LedgerEntry.type.in_(PAID),
                LedgerEntry.id > grant.id,
                LedgerEntry.generation_id.in_(after),
            )
        )
        left = min(grant.amount, max(0, grant.amount + int(moved or 0)))  # moved < 0: paid from it
        amount = min(left, user.balance)
        reason = f"monthly top-up of {month} ended: {amount} of its {grant.amount} unspent credits expired"
        credits.expire(session, user.id, amount, key=EXPIRE + month, reason=reason)
        return amount

    def _grant(self, session: Session, user: User, month: str) -> int:
        """This month's top-up to the tier's allowance, when due; the amount granted (0: none)."""
        allowance = self.allowance_for(user.tier)
        if allowance <= 0 or user.balance >= allowance or self._has(session, user.id, TOPUP + month):
            return 0
        amount = allowance - user.balance
        ends = month_end(month).strftime("%Y-%m-%d %H:%M UTC")
        reason = f"monthly top-up to {allowance} credits (what is left of it expires {ends})"
        credits.grant(session, user.id, amount, key=TOPUP + month, reason=reason)
        return amount
