"""Per-user admission for generations, counted in the database so it holds across replicas."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from avatar_core.domain.errors import TooBusy
from avatar_core.domain.status import ACTIVE
from avatar_core.infra.models import Generation, User


def active_generations(session: Session, user_id: int) -> int:
    """How many of the user's generations are queued or running right now."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(Generation)
            .where(Generation.user_id == user_id, Generation.status.in_(ACTIVE))
        )
        or 0
    )


def per_user_limit(limit: int) -> Callable[[Session, User], None]:
    """A `GenerationService.admit` hook: refuse a user's generation beyond `limit` at once.

    It runs under the user-row lock taken before the reserve, so two requests of one user are
    counted one after the other (on every replica) and nothing is charged for a refused one.
    """

    def admit(session: Session, user: User) -> None:
        if active_generations(session, user.id) >= limit:
            raise TooBusy(
                f"You already have {limit} avatars queued or in progress; wait for one to finish "
                "and try again. Nothing was charged."
            )

    return admit
