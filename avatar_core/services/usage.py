"""Usage and cost: per day and per model, what ran, how fast, what it earned and what it cost."""

from __future__ import annotations

import csv
import io
import statistics
from collections import defaultdict
from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime, time

from sqlalchemy import func, select

from avatar_core.domain.status import ACTIVE, FINISHED, GenerationStatus
from avatar_core.infra.db import Database
from avatar_core.infra.models import Generation

UTC_MIDNIGHT = time(0, 0)


@dataclass(frozen=True)
class UsageRow:
    """One day of one model."""

    day: str
    model_key: str
    generations: int
    completed: int
    failed: int
    success_rate: float
    p50_seconds: float | None
    p95_seconds: float | None
    credits_charged: int
    credits_refunded: int
    cost_usd: float
    thumbs_up: int
    thumbs_down: int

    def cells(self, *, short_model: bool = False, missing: str = "-") -> list[object]:
        """The row as the admin tab and `avatar-creator usage` show it (USAGE_HEADERS)."""
        return [
            self.day,
            self.model_key.split(":")[-1] if short_model else self.model_key,
            self.generations,
            self.completed,
            self.failed,
            f"{self.success_rate:.0%}",
            missing if self.p50_seconds is None else self.p50_seconds,
            missing if self.p95_seconds is None else self.p95_seconds,
            self.credits_charged,
            self.credits_refunded,
            f"{self.cost_usd:.2f}",
            self.thumbs_up,
            self.thumbs_down,
        ]


USAGE_HEADERS = (
    "day",
    "model",
    "gens",
    "ok",
    "failed",
    "success",
    "p50 s",
    "p95 s",
    "charged",
    "refunded",
    "cost $",
    "rated up",
    "rated down",
)


def _percentile(values: list[float], q: int) -> float | None:
    """The q-th percentile (inclusive method); None without values."""
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 3)
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1], 3)


def usage(db: Database, since: date | None = None) -> list[UsageRow]:
    """Finished generations since `since` (UTC day), grouped per day and model, oldest first."""
    stmt = select(
        Generation.created_at,
        Generation.model_key,
        Generation.status,
        Generation.seconds,
        Generation.credits_charged,
        Generation.price,
        Generation.cost_usd,
        Generation.rating,
    ).where(Generation.status.in_(FINISHED))
    if since is not None:
        stmt = stmt.where(Generation.created_at >= datetime.combine(since, UTC_MIDNIGHT, tzinfo=UTC))
    groups: dict[tuple[str, str], list[tuple]] = defaultdict(list)  # type: ignore[type-arg]
    with db.read() as session:
        for row in session.execute(stmt):
            groups[(row[0].strftime("%Y-%m-%d"), row[1])].append(tuple(row))
    out = []
    for (day, key), rows in sorted(groups.items()):
        done = [r for r in rows if r[2] == GenerationStatus.COMPLETED]
        failed = [r for r in rows if r[2] == GenerationStatus.FAILED]
        secs = sorted(float(r[3]) for r in done if r[3] is not None)
        out.append(
            UsageRow(
                day,
                key,
                len(rows),
                len(done),
                len(failed),
                round(len(done) / len(rows), 4),
                _percentile(secs, 50),
                _percentile(secs, 95),
                sum(int(r[4] or 0) for r in done),
                sum(int(r[5] or 0) for r in failed),
                round(sum(float(r[6] or 0) for r in done), 4),
                sum(1 for r in rows if r[7] == 1),
                sum(1 for r in rows if r[7] == -1),
            )
        )
    return out


def as_csv(rows: list[UsageRow]) -> str:
    """The rows as CSV with a header line."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[f.name for f in fields(UsageRow)])
    writer.writeheader()
    for row in rows:
        writer.writerow(asdict(row))
    return buffer.getvalue()


def queue_depth(db: Database) -> int:
    """Generations waiting or running right now, across every replica (the /metrics gauge)."""
    with db.read() as session:
        stmt = select(func.count()).where(Generation.status.in_(ACTIVE))
        return int(session.scalar(stmt) or 0)
