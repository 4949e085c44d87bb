"""Prometheus metrics (`/metrics`): generations, durations, credits, provider errors, queue depth.

Each app builds its own `CollectorRegistry` (nothing global, nothing at import); the generation
service reports every outcome here, and the queue depth is read from the database at scrape time
so it is right across replicas.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

BUCKETS = (1, 2.5, 5, 10, 20, 30, 45, 60, 90, 120, 300)


class _QueueDepth(Collector):
    """Generations queued or running right now (all replicas: read from the database)."""

    def __init__(self, count: Callable[[], int]) -> None:
        self.count = count

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily("avatar_queue_depth", "Generations queued or running.", value=self.count())


class Metrics:
    """The app's metrics and their registry."""

    def __init__(self, queue_depth: Callable[[], int] | None = None) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.generations = Counter(
            "avatar_generations", "Finished generations.", ["model", "status"], registry=r
        )
        self.seconds = Histogram(
            "avatar_generation_seconds",
            "Seconds per completed generation.",
            ["model"],
            buckets=BUCKETS,
            registry=r,
        )
        self.charged = Counter("avatar_credits_charged", "Credits captured.", registry=r)
        self.refunded = Counter("avatar_credits_refunded", "Credits released on failure.", registry=r)
        self.provider_errors = Counter(
            "avatar_provider_errors", "Engine failures by kind.", ["kind"], registry=r
        )
        if queue_depth is not None:
            r.register(_QueueDepth(queue_depth))

    def completed(self, model: str, seconds: float, charged: int) -> None:
        """One completed generation."""
        self.generations.labels(model, "completed").inc()
        self.seconds.labels(model).observe(seconds)
        self.charged.inc(charged)

    def failed(self, model: str, refunded: int, kind: str) -> None:
        """One failed (refunded) generation."""
        self.generations.labels(model, "failed").inc()
        self.refunded.inc(refunded)
        self.provider_errors.labels(kind).inc()

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)
