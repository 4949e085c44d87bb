"""Admin use cases: every admin act, from the web admin tab or the command line, is one method here.

Every method takes the acting user and checks the role itself: hiding a tab is not access control.
The CLI passes `OPERATOR` (the person at the machine's shell); what it writes is the same as the
same act in the UI (e.g. an `admin_adjust` ledger row), with the actor recorded: the admin's id, or
no id for the operator.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_, select

from avatar_core.domain.errors import NotFound
from avatar_core.domain.selection import Tier
from avatar_core.engines.base import Engine, Plan, RouteTarget
from avatar_core.infra.db import Database
from avatar_core.infra.models import Generation, LedgerEntry, User
from avatar_core.services import credits
from avatar_core.services.actors import OPERATOR, actor_id, require_admin
from avatar_core.services.admin_catalog import CatalogAdmin, ModelStats
from avatar_core.services.auth import Accounts, UserInfo
from avatar_core.services.catalog import Catalog
from avatar_core.services.experiments import ExperimentService
from avatar_core.services.invites import InviteInfo, Invites

__all__ = ["OPERATOR", "AdminService", "ModelStats", "UserRow", "require_admin"]

SPEND_TYPES = (credits.RESERVE, credits.CAPTURE, credits.RELEASE)


@dataclass(frozen=True)
class UserRow:
    """One line of the admin users table."""

    username: str
    tier: str
    is_admin: bool
    balance: int
    spent: int
    generations: int
    created_at: str


class AdminService(CatalogAdmin):
    """Every admin act: users, credits, tiers, sign-up invites, plus the catalog's (CatalogAdmin)."""

    def __init__(
        self,
        db: Database,
        accounts: Accounts,
        catalog: Catalog,
        experiments: ExperimentService,
        invites: Invites,
        engine: Engine,
        hub_plan: Callable[[RouteTarget], Plan],
    ) -> None:
        super().__init__(db, catalog, experiments, engine, hub_plan)
        self.accounts, self.invites = accounts, invites

    def users_overview(self, actor: UserInfo | None, search: str = "", limit: int = 200) -> list[UserRow]:
        """Users matching `search` with balance, credits spent and generation count.

        The page of users is read first; spend and counts are summed for those users only
        (through the per-user indexes), not for every user and then cut to the page."""
        require_admin(actor)
        stmt = select(User).order_by(User.username).limit(limit)
        term = search.strip().lower()
        if term:
            stmt = stmt.where(or_(User.username.contains(term), User.tier == term))
        with self.db.read() as session:
            users = list(session.scalars(stmt))
            ids = [u.id for u in users]
            spent_by = dict(
                session.execute(
                    select(LedgerEntry.user_id, -func.sum(LedgerEntry.amount))
                    .where(LedgerEntry.user_id.in_(ids), LedgerEntry.type.in_(SPEND_TYPES))
                    .group_by(LedgerEntry.user_id)
                ).all()
            )
            made_by = dict(
                session.execute(
                    select(Generation.user_id, func.count())
                    .where(Generation.user_id.in_(ids))
                    .group_by(Generation.user_id)
                ).all()
            )
            return [
                UserRow(
                    u.username,
                    u.tier,
                    u.is_admin,
                    u.balance,
                    int(spent_by.get(u.id) or 0),
                    int(made_by.get(u.id) or 0),
                    u.created_at.strftime("%Y-%m-%d"),
                )
                for u in users
            ]

    def require(self, actor: UserInfo | None) -> UserInfo:
        """The actor if it is an admin."""
        return require_admin(actor)

    def user(self, actor: UserInfo | None, username: str) -> UserInfo:
        """One user's details."""
        require_admin(actor)
        try:
            return self.accounts.by_name(username)
        except NotFound:
            raise NotFound(f"No user called {username!r}.") from None

    def create_user(
        self,
        actor: UserInfo | None,
        username: str,
        password: str,
        tier: str = Tier.FREE,
        is_admin: bool = False,
    ) -> UserInfo:
        """A new account made by an admin (no sign-up limits; the welcome grant applies)."""
        require_admin(actor)
        return self.accounts.register(username, password, tier=tier, is_admin=is_admin)

    def set_tier(self, actor: UserInfo | None, username: str, tier: str) -> UserInfo:
        """Change a user's tier."""
        require_admin(actor)
        return self.accounts.set_tier(username, tier)

    def set_password(self, actor: UserInfo | None, username: str, password: str) -> UserInfo:
        """A new password for a user; their sessions end."""
        require_admin(actor)
        return self.accounts.set_password(username, password)

    def set_admin(self, actor: UserInfo | None, username: str, is_admin: bool) -> UserInfo:
        """Grant or take away the admin role; the user's sessions end."""
        require_admin(actor)
        return self.accounts.set_admin(username, is_admin)

    def end_sessions(self, actor: UserInfo | None, username: str) -> UserInfo:
        """End every session of a user (e.g. a stolen cookie)."""
        require_admin(actor)
        return self.accounts.revoke(username)

    def adjust_credits(self, actor: UserInfo | None, username: str, amount: int, reason: str) -> int:
        """Grant (+) or deduct (−) credits: an `admin_adjust` ledger row; returns the new balance."""
        admin = require_admin(actor)
        target = self.accounts.by_name(username)
        with self.db.transaction() as session:
            entry = credits.adjust(
                session,
                target.id,
                amount,
                actor_id=actor_id(admin),
                reason=reason,
                key=f"admin:{uuid.uuid4()}",
            )
            return entry.balance_after

    def ledger(self, actor: UserInfo | None, username: str, limit: int = 100) -> list[credits.Movement]:
        """One user's ledger history, newest first."""
        require_admin(actor)
        target = self.accounts.by_name(username)
        with self.db.read() as session:
            return credits.history(session, target.id, limit)

    def check_ledger(self, actor: UserInfo | None) -> Sequence[str]:
        """Ledger invariant violations across every user (empty when healthy)."""
        require_admin(actor)
        with self.db.read() as session:
            return credits.check(session)

    def create_invite(self, actor: UserInfo | None, uses: int = 1, credit_amount: int = 0) -> InviteInfo:
        """A sign-up invite code (shown once)."""
        admin = require_admin(actor)
        return self.invites.create(uses, credit_amount, actor_id=actor_id(admin))

    def invites_list(self, actor: UserInfo | None) -> list[InviteInfo]:
        """Every invite, newest first."""
        require_admin(actor)
        return self.invites.list()

    def revoke_invite(self, actor: UserInfo | None, invite_id: int) -> InviteInfo:
        """Stop an invite from being used again."""
        require_admin(actor)
        return self.invites.revoke(invite_id)
