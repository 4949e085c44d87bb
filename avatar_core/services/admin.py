"""Admin use cases: the users overview, credit adjustments, tiers and per-model stats.

Every method takes the acting user and checks the role itself: hiding a tab is not access control.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, or_, select

from avatar_core.bootstrap import App, hub_planner
from avatar_core.domain.errors import NotFound, PermissionDenied, ValidationError
from avatar_core.domain.selection import ModelSpec
from avatar_core.domain.status import GenerationStatus
from avatar_core.engines.base import Plan, RouteTarget
from avatar_core.infra.models import Generation, LedgerEntry, User
from avatar_core.services import credits
from avatar_core.services.auth import UserInfo
from avatar_core.services.experiments import ArmResult, ExperimentView
from avatar_core.services.usage import UsageRow, usage

# The acting user of a command-line session: the operator at the machine's shell.
OPERATOR = UserInfo(id=0, username="(operator)", tier="enterprise", is_admin=True, balance=0)

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


@dataclass(frozen=True)
class ModelStats:
    """Per-model outcome counts and timing."""

    model_key: str
    count: int
    completed: int
    failed: int
    success_rate: float
    mean_seconds: float | None
    last_failure: str = ""  # the operator's detail of the newest failure (tokens, licences...)


def require_admin(actor: UserInfo | None) -> UserInfo:
    """The actor if it is an admin; PermissionDenied otherwise."""
    if actor is None or not actor.is_admin:
        raise PermissionDenied("Only admins can do that.")
    return actor


class AdminService:
    """Reads and changes for the admin tab and the CLI."""

    def __init__(self, app: App) -> None:
        self.app = app

    def users_overview(self, search: str = "", limit: int = 200) -> list[UserRow]:
        """Users matching `search` with balance, credits spent and generation count."""
        spent = (
            select(LedgerEntry.user_id, (-func.sum(LedgerEntry.amount)).label("spent"))
            .where(LedgerEntry.type.in_(SPEND_TYPES))
            .group_by(LedgerEntry.user_id)
            .subquery()
        )
        gens = select(Generation.user_id, func.count().label("n")).group_by(Generation.user_id).subquery()
        stmt = (
            select(User, func.coalesce(spent.c.spent, 0), func.coalesce(gens.c.n, 0))
            .outerjoin(spent, spent.c.user_id == User.id)
            .outerjoin(gens, gens.c.user_id == User.id)
            .order_by(User.username)
            .limit(limit)
        )
        term = search.strip().lower()
        if term:
            stmt = stmt.where(or_(User.username.contains(term), User.tier == term))
        with self.app.db.read() as session:
            return [
                UserRow(
                    u.username,
                    u.tier,
                    u.is_admin,
                    u.balance,
                    int(s),
                    int(n),
                    u.created_at.strftime("%Y-%m-%d"),
                )
                for u, s, n in session.execute(stmt)
            ]

    def users_overview_for(self, actor: UserInfo | None, search: str = "") -> list[UserRow]:
        """The users overview, for admins only."""
        require_admin(actor)
        return self.users_overview(search)

    def require(self, actor: UserInfo | None) -> UserInfo:
        """The actor if it is an admin."""
        return require_admin(actor)

    def update_model(self, actor: UserInfo | None, model_key: str, enabled: bool, price: int) -> None:
        """Enable/disable a model and set its price in one go."""
        require_admin(actor)
        self.app.catalog.update(model_key, enabled, price)

    def adjust_credits(self, actor: UserInfo | None, username: str, amount: int, reason: str) -> int:
        """Grant (+) or deduct (−) credits as an admin; returns the new balance."""
        admin = require_admin(actor)
        target = self.app.accounts.by_name(username)
        with self.app.db.transaction() as session:
            entry = credits.adjust(
                session, target.id, amount, actor_id=admin.id, reason=reason, key=f"admin:{uuid.uuid4()}"
            )
            return entry.balance_after

    def set_tier(self, actor: UserInfo | None, username: str, tier: str) -> UserInfo:
        """Change a user's tier as an admin."""
        require_admin(actor)
        return self.app.accounts.set_tier(username, tier)

    def ledger(self, actor: UserInfo | None, username: str, limit: int = 100) -> list[credits.Movement]:
        """One user's ledger history, newest first."""
        require_admin(actor)
        target = self.app.accounts.by_name(username)
        with self.app.db.read() as session:
            return credits.history(session, target.id, limit)

    def model_stats(self, actor: UserInfo | None) -> list[ModelStats]:
        """Count, success rate and mean seconds per model."""
        require_admin(actor)
        done = func.sum(case((Generation.status == GenerationStatus.COMPLETED, 1), else_=0))
        failed = func.sum(case((Generation.status == GenerationStatus.FAILED, 1), else_=0))
        mean = func.avg(
            case((Generation.status == GenerationStatus.COMPLETED, Generation.seconds), else_=None)
        )
        stmt = select(Generation.model_key, func.count(), done, failed, mean).group_by(Generation.model_key)
        newest = (
            select(func.max(Generation.id))
            .where(Generation.status == GenerationStatus.FAILED)
            .group_by(Generation.model_key)
        )
        last = select(Generation.model_key, func.coalesce(Generation.error_detail, Generation.error))
        with self.app.db.read() as session:
            rows = session.execute(stmt).all()
            failures = {k: v for k, v in session.execute(last.where(Generation.id.in_(newest)))}
        out = []
        for key, n, ok, bad, secs in rows:
            finished = int(ok or 0) + int(bad or 0)
            rate = int(ok or 0) / finished if finished else 0.0
            out.append(
                ModelStats(
                    key,
                    int(n),
                    int(ok or 0),
                    int(bad or 0),
                    rate,
                    None if secs is None else float(secs),
                    (failures.get(key) or "")[:300],
                )
            )
        return sorted(out, key=lambda s: s.model_key)

    def user(self, actor: UserInfo | None, username: str) -> UserInfo:
        """One user's details."""
        require_admin(actor)
        try:
            return self.app.accounts.by_name(username)
        except NotFound:
            raise NotFound(f"No user called {username!r}.") from None

    def model_routes(self, actor: UserInfo | None) -> list[tuple[ModelSpec, Plan]]:
        """Every catalog row with how the engine would serve it (what `verify` shows)."""
        require_admin(actor)
        return [(m, self.app.engine.plan(RouteTarget.of(m))) for m in self.app.catalog.models()]

    def set_endpoint(
        self, actor: UserInfo | None, model_key: str, url: str | None, handler: str | None
    ) -> tuple[ModelSpec, Plan]:
        """Serve a row from a dedicated endpoint (or from the provider again with url=None)."""
        require_admin(actor)
        model = self.app.catalog.set_endpoint(model_key, url or None, handler)
        return model, hub_planner(self.app)(RouteTarget.of(model))

    def add_model(
        self, actor: UserInfo | None, model: ModelSpec, *, check: bool = True
    ) -> tuple[ModelSpec, Plan]:
        """Add a catalog row after checking on the Hub that it can be served as described."""
        require_admin(actor)
        plan = hub_planner(self.app)(RouteTarget.of(model))
        if check and (not plan.servable or plan.status == "unknown"):
            why = plan.why or "the Hub mapping could not be checked"
            raise ValidationError(f"Not added: {why}.")
        return self.app.catalog.add(model), plan

    def usage(self, actor: UserInfo | None, since: date | None = None) -> list[UsageRow]:
        """Usage and cost per day and model."""
        require_admin(actor)
        return usage(self.app.db, since)

    def start_experiment(
        self, actor: UserInfo | None, tier: str, model_a: str, model_b: str, split_pct: int
    ) -> ExperimentView:
        """Start an A/B test of `tier`'s Auto choice."""
        require_admin(actor)
        return self.app.experiments.create(tier, model_a, model_b, split_pct)

    def stop_experiment(self, actor: UserInfo | None, experiment_id: int) -> ExperimentView:
        """End an experiment now."""
        require_admin(actor)
        return self.app.experiments.stop(experiment_id)

    def experiment_results(self, actor: UserInfo | None, experiment_id: int) -> list[ArmResult]:
        """Per-arm results."""
        require_admin(actor)
        return self.app.experiments.results(experiment_id)
