"""Admin acts on the model catalog: prices, routes, endpoints, new rows, usage, stats, experiments.

`AdminService` (services/admin.py) inherits these; every method checks the actor's role itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, select

from avatar_core.domain.errors import ValidationError
from avatar_core.domain.selection import ModelSpec
from avatar_core.domain.status import GenerationStatus
from avatar_core.engines.base import Engine, Plan, RouteTarget
from avatar_core.infra.db import Database
from avatar_core.infra.models import Generation
from avatar_core.services.actors import require_admin
from avatar_core.services.auth import UserInfo
from avatar_core.services.catalog import Catalog
from avatar_core.services.experiments import ArmResult, ExperimentService, ExperimentView
from avatar_core.services.usage import UsageRow, usage


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


class CatalogAdmin:
    """The catalog half of the admin acts."""

    def __init__(
        self,
        db: Database,
        catalog: Catalog,
        experiments: ExperimentService,
        engine: Engine,
        hub_plan: Callable[[RouteTarget], Plan],
    ) -> None:
        self.db, self.catalog, self.experiments = db, catalog, experiments
        self.engine, self.hub_plan = engine, hub_plan

    def models(self, actor: UserInfo | None) -> list[ModelSpec]:
        """Every catalog row, enabled or not."""
        require_admin(actor)
        return self.catalog.models()

    def update_model(self, actor: UserInfo | None, model_key: str, enabled: bool, price: int) -> ModelSpec:
        """Enable/disable a model and set its price in one go."""
        require_admin(actor)
        return self.catalog.update(model_key, enabled, price)

    def set_enabled(self, actor: UserInfo | None, model_key: str, enabled: bool) -> ModelSpec:
        """Offer a model or stop offering it."""
        require_admin(actor)
        return self.catalog.set_enabled(model_key, enabled)

    def set_cost(self, actor: UserInfo | None, model_key: str, credit_cost: int) -> ModelSpec:
        """A model's list price in credits."""
        require_admin(actor)
        return self.catalog.set_cost(model_key, credit_cost)

    def set_usd_cost(self, actor: UserInfo | None, model_key: str, usd: float) -> ModelSpec:
        """What one image of a model costs us at the provider (for the usage view)."""
        require_admin(actor)
        return self.catalog.set_usd_cost(model_key, usd)

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
        with self.db.read() as session:
            rows = session.execute(stmt).all()
            failures = {k: v for k, v in session.execute(last.where(Generation.id.in_(newest)))}
        out = []
        for key, n, ok, bad, secs in rows:
            ok, bad = int(ok or 0), int(bad or 0)
            rate = ok / (ok + bad) if ok + bad else 0.0
            mean_s = None if secs is None else float(secs)
            out.append(ModelStats(key, int(n), ok, bad, rate, mean_s, (failures.get(key) or "")[:300]))
        return sorted(out, key=lambda s: s.model_key)

    def model_routes(self, actor: UserInfo | None) -> list[tuple[ModelSpec, Plan]]:
        """Every catalog row with how the engine would serve it (what `verify` shows)."""
        require_admin(actor)
        return [(m, self.engine.plan(RouteTarget.of(m))) for m in self.catalog.models()]

    def set_endpoint(
        self, actor: UserInfo | None, model_key: str, url: str | None, handler: str | None
    ) -> tuple[ModelSpec, Plan]:
        """Serve a row from a dedicated endpoint (or from the provider again with url=None)."""
        require_admin(actor)
        model = self.catalog.set_endpoint(model_key, url or None, handler)
        return model, self.hub_plan(RouteTarget.of(model))

    def add_model(
        self, actor: UserInfo | None, model: ModelSpec, *, check: bool = True
    ) -> tuple[ModelSpec, Plan]:
        """Add a catalog row after checking on the Hub that it can be served as described."""
        require_admin(actor)
        plan = self.hub_plan(RouteTarget.of(model))
        if check and (not plan.servable or plan.status == "unknown"):
            why = plan.why or "the Hub mapping could not be checked"
            raise ValidationError(f"Not added: {why}.")
        return self.catalog.add(model), plan

    def usage(self, actor: UserInfo | None, since: date | None = None) -> list[UsageRow]:
        """Usage and cost per day and model."""
        require_admin(actor)
        return usage(self.db, since)

    def start_experiment(
        self,
        actor: UserInfo | None,
        tier: str,
        model_a: str,
        model_b: str,
        split_pct: int,
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
    ) -> ExperimentView:
        """Start an A/B test of `tier`'s Auto choice."""
        require_admin(actor)
        return self.experiments.create(tier, model_a, model_b, split_pct, starts_at, ends_at)

    def experiments_list(self, actor: UserInfo | None) -> list[ExperimentView]:
        """Every experiment, newest first."""
        require_admin(actor)
        return self.experiments.all()

    def stop_experiment(self, actor: UserInfo | None, experiment_id: int) -> ExperimentView:
        """End an experiment now."""
        require_admin(actor)
        return self.experiments.stop(experiment_id)

    def experiment_results(self, actor: UserInfo | None, experiment_id: int) -> list[ArmResult]:
        """Per-arm results."""
        require_admin(actor)
        return self.experiments.results(experiment_id)
