"""The REST API's rate per token is one count in the database, shared by every app process.

Two `App`s on one database stand for two replicas behind nginx (each with its own connection
pool, as two `python app.py` processes have); SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from avatar_core.bootstrap import App
from avatar_core.services.throttle import ApiRateLimited, Throttle
from tests.conftest import make_app
from tests.security.test_throttle import Clock

RATE = 10


@pytest.fixture
def replicas(app: App, tmp_path: Path) -> Iterator[tuple[Throttle, Throttle, Clock]]:
    """Two replicas' throttles over the same database, on one settable clock."""
    clock = Clock()
    other = make_app(tmp_path / "other", app.settings.database_url)
    try:
        yield (
            Throttle(app.db, clock, api_per_minute=RATE),
            Throttle(other.db, clock, api_per_minute=RATE),
            clock,
        )
    finally:
        other.close()


def calls(throttle: Throttle, user: int, n: int) -> list[int]:
    """`n` calls in a row: 0 for each admitted one, else the retry-after it was refused with."""
    out = []
    for _ in range(n):
        try:
            throttle.api_call(f"user:{user}")
            out.append(0)
        except ApiRateLimited as err:
            out.append(err.retry_after)
    return out


def test_a_parallel_burst_through_two_replicas_is_admitted_exactly_the_rate(
    replicas: tuple[Throttle, Throttle, Clock],
) -> None:
    a, b, _clock = replicas
    admitted: list[int] = []
    refused: list[int] = []
    lock = threading.Lock()
    gate = threading.Barrier(8)

    def client(i: int) -> None:
        gate.wait()
        for outcome in calls(a if i % 2 else b, 7, 5):
            with lock:
                (refused if outcome else admitted).append(outcome)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert (len(admitted), len(refused)) == (RATE, 40 - RATE)  # per process it would be 2 × RATE
    assert all(1 <= wait <= 60 for wait in refused)
    assert calls(a, 8, 1) == [0]  # another user has its own count


def test_the_window_slides_and_refused_calls_are_not_counted(
    replicas: tuple[Throttle, Throttle, Clock],
) -> None:
    a, b, clock = replicas
    assert calls(a, 1, 6) == [0] * 6  # t = 0 s
    clock.advance(30)
    assert calls(b, 1, 4) == [0] * 4  # t = 30 s: 10 in the last minute
    assert calls(a, 1, 3) == [30, 30, 30]  # the t = 0 calls leave the window at t = 60 s
    clock.advance(31)  # t = 61 s: only the four of t = 30 s are in the window
    assert calls(b, 1, 7) == [0] * 6 + [29]  # the three refusals took nothing; t = 30's leave at 90
    clock.advance(30)  # t = 91 s: the six of t = 61 s
    assert calls(a, 1, 5) == [0] * 4 + [30]
