"""Read what the apps wrote, straight from the database (the apps may be dead)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from avatar_core.infra.db import Database
from avatar_core.infra.models import Generation, LedgerEntry, User


@dataclass(frozen=True)
class UserLedger:
    """One user's balance, ledger rows and generations."""

    balance: int
    rows: list[tuple[str, int, int | None]]  # (type, amount, generation_id)
    generations: list[tuple[int, str, int, str | None]]  # (id, status, credits_charged, error)

    def of_type(self, type_: str, generation_id: int | None = None) -> list[tuple[str, int, int | None]]:
        """Rows of one type (for one generation)."""
        return [r for r in self.rows if r[0] == type_ and (generation_id is None or r[2] == generation_id)]

    @property
    def total(self) -> int:
        """The sum of the rows (must equal the balance)."""
        return sum(r[1] for r in self.rows)


def user_ledger(database_url: str, username: str) -> UserLedger:
    """A fresh look at one user's money."""
    db = Database(database_url)
    try:
        with db.read() as session:
            user = session.scalars(select(User).where(User.username == username)).one()
            rows = session.execute(
                select(LedgerEntry.type, LedgerEntry.amount, LedgerEntry.generation_id)
                .where(LedgerEntry.user_id == user.id)
                .order_by(LedgerEntry.id)
            ).all()
            gens = session.execute(
                select(Generation.id, Generation.status, Generation.credits_charged, Generation.error)
                .where(Generation.user_id == user.id)
                .order_by(Generation.id)
            ).all()
            return UserLedger(
                user.balance,
                [(type_, amount, gen_id) for type_, amount, gen_id in rows],
                [(gen_id, status, charged, error) for gen_id, status, charged, error in gens],
            )
    finally:
        db.dispose()
