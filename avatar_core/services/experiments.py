"""A/B tests of a tier's Auto choice: model A vs model B, users split by a stable hash.

While an experiment runs, a user of its tier who leaves the model on Auto (no preferences, no photo)
gets model A or B by `arm_for(user_id, experiment)`: the same user always lands in the same arm of
the same experiment, and over many users the share on B approaches `split_pct`. The arm is kept on
the generation and in its recipe; `results` compares the arms.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from avatar_core.domain.errors import NotFound, ValidationError
from avatar_core.domain.selection import TIERS
from avatar_core.domain.status import GenerationStatus
from avatar_core.infra.db import Database
from avatar_core.infra.models import Experiment, Generation, utcnow


@dataclass(frozen=True)
class ExperimentView:
    """One experiment as admins see it."""

    id: int
    tier: str
    model_a: str
    model_b: str
    split_pct: int
    starts_at: datetime
    ends_at: datetime | None


@dataclass(frozen=True)
class ArmResult:
    """How one arm did."""

    arm: str
    model_key: str
    generations: int
    success_rate: float
    mean_seconds: float | None
    rating: float | None  # mean of +1/-1 ratings
    cost_per_image: float | None  # provider USD per completed image


def arm_for(user_id: int, experiment: ExperimentView) -> str:
    """ "A" or "B" for this user, stable across calls, processes and restarts."""
    digest = hashlib.sha256(f"{experiment.id}:{user_id}".encode()).digest()
    return "B" if int.from_bytes(digest[:4], "big") % 100 < experiment.split_pct else "A"


def _view(e: Experiment) -> ExperimentView:
    return ExperimentView(e.id, e.tier, e.model_a, e.model_b, e.split_pct, e.starts_at, e.ends_at)


def active_for(session: Session, tier: str, now: datetime | None = None) -> ExperimentView | None:
    """The running experiment of `tier`, if any (the newest when several overlap)."""
    now = now or utcnow()
    found = session.scalars(
        select(Experiment)
        .where(
            Experiment.tier == tier,
            Experiment.starts_at <= now,
            (Experiment.ends_at.is_(None)) | (Experiment.ends_at > now),
        )
        .order_by(Experiment.id.desc())
    ).first()
    return _view(found) if found else None


class ExperimentService:
    """Create, list, stop experiments and compare their arms."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def create(
        self,
        tier: str,
        model_a: str,
        model_b: str,
        split_pct: int,
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
    ) -> ExperimentView:
        """A new experiment for `tier`'s Auto choice."""
        if tier not in TIERS:
            raise ValidationError(f"Unknown tier {tier!r}; use one of {', '.join(TIERS)}.")
        if model_a == model_b:
            raise ValidationError("Model A and model B must differ.")
        if not 0 <= split_pct <= 100:
            raise ValidationError("The split is the percentage of users on B, 0 to 100.")
        start = starts_at or utcnow()
        if ends_at is not None and ends_at <= start:
            raise ValidationError("An experiment must end after it starts.")
        with self.db.transaction() as session:
            from avatar_core.services.catalog import get_model_row

            get_model_row(session, model_a)
            get_model_row(session, model_b)
            row = Experiment(
                tier=tier,
                model_a=model_a,
                model_b=model_b,
                split_pct=split_pct,
                starts_at=start,
                ends_at=ends_at,
            )
            session.add(row)
            session.flush()
            return _view(row)

    def all(self) -> list[ExperimentView]:
        """Every experiment, newest first."""
        with self.db.read() as session:
            return [_view(e) for e in session.scalars(select(Experiment).order_by(Experiment.id.desc()))]

    def stop(self, experiment_id: int) -> ExperimentView:
        """End an experiment now."""
        with self.db.transaction() as session:
            row = session.get(Experiment, experiment_id)
            if row is None:
                raise NotFound("No such experiment.")
            row.ends_at = min(row.ends_at or utcnow(), utcnow())
            return _view(row)

    def results(self, experiment_id: int) -> list[ArmResult]:
        """Per arm: generations, success rate, mean seconds, rating, cost per image."""
        done = func.sum(case((Generation.status == GenerationStatus.COMPLETED, 1), else_=0))
        failed = func.sum(case((Generation.status == GenerationStatus.FAILED, 1), else_=0))
        secs = func.avg(
            case((Generation.status == GenerationStatus.COMPLETED, Generation.seconds), else_=None)
        )
        cost = func.sum(
            case((Generation.status == GenerationStatus.COMPLETED, Generation.cost_usd), else_=0.0)
        )
        stmt = (
            select(
                Generation.arm,
                Generation.model_key,
                func.count(),
                done,
                failed,
                secs,
                func.avg(Generation.rating),
                cost,
            )
            .where(Generation.arm.like(f"exp{experiment_id}:%"))
            .group_by(Generation.arm, Generation.model_key)
            .order_by(Generation.arm)
        )
        with self.db.read() as session:
            rows = session.execute(stmt).all()
        out = []
        for arm, key, n, ok, bad, mean, rating, usd in rows:
            finished = int(ok or 0) + int(bad or 0)
            out.append(
                ArmResult(
                    str(arm).split(":")[-1],
                    key,
                    int(n),
                    int(ok or 0) / finished if finished else 0.0,
                    None if mean is None else float(mean),
                    None if rating is None else float(rating),
                    float(usd or 0) / int(ok) if ok else None,
                )
            )
        return out
