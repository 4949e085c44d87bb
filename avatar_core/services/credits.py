"""The credit ledger: append-only rows are the truth, `users.balance` is a cache.

Every operation runs inside the caller's write transaction and locks the user row first, so
writes for one user are serialised. Capture and release of a generation share one idempotency
key (`settle:<generation>`), so a reserve can be settled at most once, by construction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from avatar_core.domain.errors import InsufficientCredits, ValidationError
from avatar_core.infra.db import lock_user
from avatar_core.infra.models import LedgerEntry, User

GRANT, RESERVE, CAPTURE, RELEASE, ADMIN_ADJUST = ("grant", "reserve", "capture", "release", "admin_adjust")
EXPIRED = "expired"  # the unspent part of an expiring grant taken back (services/topup.py)
MAX_AMOUNT = 1_000_000


class LedgerConflict(RuntimeError):
    """A generation was already settled the other way (a programming error, never user input)."""


@dataclass(frozen=True)
class Movement:
    """One ledger row as callers see it."""

    id: int
    type: str
    amount: int
    balance_after: int
    generation_id: int | None
    actor_id: int | None
    reason: str
    created_at: str


def _existing(session: Session, user_id: int, key: str) -> LedgerEntry | None:
    return session.scalars(
        select(LedgerEntry).where(LedgerEntry.user_id == user_id, LedgerEntry.idempotency_key == key)
    ).one_or_none()


def _append(
    session: Session,
    user: User,
    type_: str,
    amount: int,
    key: str,
    *,
    generation_id: int | None = None,
    actor_id: int | None = None,
    reason: str = "",
) -> LedgerEntry:
    user.balance += amount
    entry = LedgerEntry(
        user_id=user.id,
        type=type_,
        amount=amount,
        balance_after=user.balance,
        generation_id=generation_id,
        idempotency_key=key,
        actor_id=actor_id,
        reason=reason,
    )
    session.add(entry)
    session.flush()
    return entry


def _check_amount(amount: int, *, allow_negative: bool = False) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ValidationError("Credits are whole numbers.")
    if amount == 0 or abs(amount) > MAX_AMOUNT or (amount < 0 and not allow_negative):
        limit = (
            f"between -{MAX_AMOUNT} and {MAX_AMOUNT}, not 0"
            if allow_negative
            else (f"between 1 and {MAX_AMOUNT}")
        )
        raise ValidationError(f"The amount must be {limit}.")


def grant(
    session: Session, user_id: int, amount: int, *, key: str, reason: str, actor_id: int | None = None
) -> LedgerEntry:
    """Add credits (welcome grant, purchase); a repeated key is a no-op."""
    _check_amount(amount)
    user = lock_user(session, user_id)
    found = _existing(session, user_id, key)
    if found is not None:
        return found
    return _append(session, user, GRANT, amount, key, actor_id=actor_id, reason=reason)


def adjust(
    session: Session, user_id: int, amount: int, *, actor_id: int | None, reason: str, key: str
) -> LedgerEntry:
    """An admin's grant (+) or deduction (−); never takes a balance below zero."""
    _check_amount(amount, allow_negative=True)
    if not reason.strip():
        raise ValidationError("Give a reason for the adjustment.")
    user = lock_user(session, user_id)
    found = _existing(session, user_id, key)
    if found is not None:
        return found
    if user.balance + amount < 0:
        raise ValidationError(f"Cannot deduct {-amount} credits: the balance is {user.balance}.")
    return _append(session, user, ADMIN_ADJUST, amount, key, actor_id=actor_id, reason=reason.strip())


def expire(session: Session, user_id: int, amount: int, *, key: str, reason: str) -> LedgerEntry:
    """Take back `amount` (0 or more, never more than the balance) of an expiring grant; a repeated
    key is a no-op. A 0 row is kept too: it records that nothing was left to expire."""
    user = lock_user(session, user_id)
    found = _existing(session, user_id, key)
    if found is not None:
        return found
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount <= user.balance:
        raise LedgerConflict(f"cannot expire {amount!r} of a balance of {user.balance}")
    return _append(session, user, EXPIRED, -amount, key, reason=reason)


def reserve(
    session: Session,
    user_id: int,
    amount: int,
    generation_id: int,
    *,
    locked: User | None = None,
    new: bool = False,
) -> LedgerEntry:
    """Hold `amount` credits for a generation; InsufficientCredits when the balance is short.

    `locked` is the user row when the caller already locked it in this transaction. `new=True`
    when the generation row was inserted in this transaction: it cannot hold a reserve yet, so the
    lookup of an earlier one is skipped (the ledger's unique key would still refuse a second).
    """
    if amount < 0:
        raise ValidationError("A price cannot be negative.")
    user = locked if locked is not None and locked.id == user_id else lock_user(session, user_id)
    key = f"reserve:{generation_id}"
    found = None if new else _existing(session, user_id, key)
    if found is not None:
        return found
    if user.balance < amount:
        raise InsufficientCredits(balance=user.balance, price=amount)
    return _append(session, user, RESERVE, -amount, key, generation_id=generation_id, reason="generation")


def _held(session: Session, user_id: int, generation_id: int) -> tuple[int, LedgerEntry | None]:
    """What the generation's reserve holds and its settle row if any (one query for both)."""
    keys = (f"reserve:{generation_id}", f"settle:{generation_id}")
    rows = session.scalars(
        select(LedgerEntry).where(LedgerEntry.user_id == user_id, LedgerEntry.idempotency_key.in_(keys))
    )
    by_key = {row.idempotency_key: row for row in rows}
    reserved = by_key.get(keys[0])
    if reserved is None:
        raise LedgerConflict(f"generation {generation_id} has no reserve")
    return -reserved.amount, by_key.get(keys[1])


def _settle(
    session: Session,
    user_id: int,
    generation_id: int,
    type_: str,
    refund_of: Callable[[int], tuple[int, str]],
) -> LedgerEntry:
    """Append the one settle row of a generation; `refund_of(held)` gives the refund and reason."""
    user = lock_user(session, user_id)
    held, found = _held(session, user_id, generation_id)
    if found is not None:
        if found.type != type_:
            raise LedgerConflict(f"generation {generation_id} was already {found.type}d")
        return found
    amount, reason = refund_of(held)
    if not 0 <= amount <= held:
        raise LedgerConflict(f"refund {amount} outside 0..{held}")
    return _append(
        session, user, type_, amount, f"settle:{generation_id}", generation_id=generation_id, reason=reason
    )


def capture(session: Session, user_id: int, generation_id: int, charged: int | None = None) -> LedgerEntry:
    """Keep the reserved credits (or only `charged` of them, refunding the rest)."""

    def refund_of(held: int) -> tuple[int, str]:
        refund = 0 if charged is None else max(0, held - charged)
        return refund, "generation completed" if refund == 0 else f"completed; {refund} refunded"

    return _settle(session, user_id, generation_id, CAPTURE, refund_of)


def release(session: Session, user_id: int, generation_id: int, reason: str = "refund") -> LedgerEntry:
    """Give the reserved credits back (the refund of a failed generation); once only."""
    return _settle(session, user_id, generation_id, RELEASE, lambda held: (held, reason))


def balance(session: Session, user_id: int) -> int:
    """The cached balance of one user."""
    value = session.scalar(select(User.balance).where(User.id == user_id))
    return int(value or 0)


def history(session: Session, user_id: int, limit: int = 50) -> list[Movement]:
    """The user's most recent ledger rows, newest first."""
    rows = session.scalars(
        select(LedgerEntry).where(LedgerEntry.user_id == user_id).order_by(LedgerEntry.id.desc()).limit(limit)
    )
    return [
        Movement(
            r.id,
            r.type,
            r.amount,
            r.balance_after,
            r.generation_id,
            r.actor_id,
            r.reason,
            r.created_at.isoformat(timespec="seconds"),
        )
        for r in rows
    ]


def check(session: Session) -> Sequence[str]:
    """Invariant violations (empty when healthy): sums match balances, one settle per reserve."""
    problems: list[str] = []
    sums = (
        select(LedgerEntry.user_id, func.coalesce(func.sum(LedgerEntry.amount), 0).label("s"))
        .group_by(LedgerEntry.user_id)
        .subquery()
    )
    rows = session.execute(
        select(User.username, User.balance, func.coalesce(sums.c.s, 0)).outerjoin(
            sums, sums.c.user_id == User.id
        )
    )
    for username, cached, total in rows:
        if int(total) != cached:
            problems.append(f"{username}: ledger sum {int(total)} != balance {cached}")
        if cached < 0:
            problems.append(f"{username}: negative balance {cached}")
    settled = session.execute(
        select(LedgerEntry.user_id, LedgerEntry.generation_id, func.count())
        .where(LedgerEntry.type.in_((CAPTURE, RELEASE)))
        .group_by(LedgerEntry.user_id, LedgerEntry.generation_id)
        .having(func.count() > 1)
    )
    for user_id, generation_id, count in settled:
        problems.append(f"user {user_id}: generation {generation_id} settled {count} times")
    return problems
