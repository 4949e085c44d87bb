"""Benchmark 4 — ledger throughput: reserve+capture pairs per second with 16 concurrent workers.

On SQLite and PostgreSQL, in one run: 16 threads doing plain single-row inserts (one write
transaction each, through the same `db.transaction()`), then 16 threads doing reserve + capture
pairs (two transactions, as a generation does), each for its own user, then all 16 for one user.
Pairs/s is reported as a fraction of inserts/s; afterwards `credits.check()` must find nothing and
every user's ledger sum must equal the balance.
"""

from __future__ import annotations

import argparse
import itertools
import threading
import time
from collections.abc import Callable
from pathlib import Path

from _common import cheap_hasher, temp_dir
from _pg import pg_schema_url, settings_note
from _report import report, table

WORKERS = 16


def build_app(data_dir: Path, url: str) -> object:
    """A migrated, seeded App over `url`."""
    from avatar_core.bootstrap import bootstrap, init
    from avatar_core.config import Settings

    app = bootstrap(Settings(data_dir=data_dir, database_url=url, engine="local"), hasher=cheap_hasher())  # type: ignore[arg-type]
    init(app)
    return app


def run_for(seconds: float, work: Callable[[int, int], None], latencies: list[float] | None = None) -> int:
    """Run `work(worker, i)` in WORKERS threads for `seconds`; how many calls completed."""
    done = [0] * WORKERS
    stop = threading.Event()
    gate = threading.Barrier(WORKERS + 1)

    def loop(worker: int) -> None:
        gate.wait()
        for i in itertools.count():
            if stop.is_set():
                return
            start = time.perf_counter()
            work(worker, i)
            if latencies is not None:
                latencies.append(time.perf_counter() - start)
            done[worker] += 1

    threads = [threading.Thread(target=loop, args=(w,), daemon=True) for w in range(WORKERS)]
    for thread in threads:
        thread.start()
    gate.wait()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return sum(done)


def measure(label: str, url: str | None, data_dir: Path, seconds: float) -> list[list[str]]:
    """inserts/s, pairs/s (16 users), pairs/s (1 user) and the invariant check on one database."""
    from sqlalchemy import Column, Integer, MetaData, Table, func, select

    from avatar_core.infra.models import LedgerEntry, User
    from avatar_core.services import credits

    app = build_app(data_dir, url or f"sqlite:///{data_dir / 'ledger.db'}")
    db = app.db  # type: ignore[attr-defined]
    bench_table = Table(
        "bench_inserts",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("worker", Integer),
        Column("n", Integer),
    )
    bench_table.create(db.engine)
    users = []
    for w in range(WORKERS):
        user = app.accounts.register(f"ledger{w:02d}", "bench-horse-7-staple")  # type: ignore[attr-defined]
        with db.transaction() as session:
            credits.grant(session, user.id, 1_000_000, key="bench", reason="bench")
        users.append(user.id)
    ids = itertools.count(1)

    def insert(worker: int, i: int) -> None:
        with db.transaction() as session:
            session.execute(bench_table.insert().values(worker=worker, n=i))

    def pair(user_id: int) -> None:
        gen = next(ids)
        with db.transaction() as session:
            credits.reserve(session, user_id, 8, gen)
        with db.transaction() as session:
            credits.capture(session, user_id, gen)

    lat: dict[str, list[float]] = {"insert": [], "own": [], "shared": []}
    inserts = run_for(seconds, insert, lat["insert"]) / seconds
    own = run_for(seconds, lambda w, i: pair(users[w]), lat["own"]) / seconds
    shared = run_for(seconds, lambda w, i: pair(users[0]), lat["shared"]) / seconds
    with db.read() as session:
        problems = list(credits.check(session))
        sums = dict(
            session.execute(
                select(LedgerEntry.user_id, func.sum(LedgerEntry.amount)).group_by(LedgerEntry.user_id)
            ).all()
        )
        balances = dict(session.execute(select(User.id, User.balance)).all())
    assert not problems, problems
    assert all(sums.get(uid, 0) == bal for uid, bal in balances.items()), (sums, balances)
    bench_table.drop(db.engine)
    app.close()  # type: ignore[attr-defined]
    ok = "✅ sum == balance, check() clean"
    return [
        [label, "plain single-row inserts", f"{inserts:,.0f}", "1.00", pct(lat["insert"]), ok],
        [
            label,
            "reserve+capture pairs, 16 users",
            f"{own:,.0f}",
            f"**{own / inserts:.2f}**",
            pct(lat["own"]),
            ok,
        ],
        [
            label,
            "reserve+capture pairs, 1 user",
            f"{shared:,.0f}",
            f"**{shared / inserts:.2f}**",
            pct(lat["shared"]),
            ok,
        ],
    ]


def pct(values: list[float]) -> str:
    """p50 / p99 in ms."""
    ordered = sorted(values) or [0.0]
    p50, p99 = ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"{p50 * 1000:.1f} / {p99 * 1000:.0f}"


def main() -> None:
    """SQLite, then PostgreSQL if a server is available."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=4.0, help="duration of each phase")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    args = parser.parse_args()
    rows, notes = [], []
    with temp_dir("bench-ledger-") as tmp:
        (Path(tmp) / "sqlite").mkdir()
        rows += measure("SQLite (WAL)", None, Path(tmp) / "sqlite", args.seconds)
        if not args.no_pg:
            with pg_schema_url() as url:
                if url is None:
                    notes.append("PostgreSQL: not run (no server; set AVATAR_BENCH_PG_URL).")
                else:
                    notes.append(settings_note(url) + ".")
                    (Path(tmp) / "pg").mkdir()
                    rows += measure("PostgreSQL", url, Path(tmp) / "pg", args.seconds)
    body = table(
        [
            "database",
            f"{WORKERS} threads doing",
            "per second",
            "÷ inserts/s",
            "latency p50 / p99 ms",
            "correctness",
        ],
        rows,
    )
    report(
        f"4. Ledger ({WORKERS} concurrent workers, {args.seconds:g} s per phase)",
        body,
        " ".join(
            notes
            + [
                "A pair is two write transactions (reserve, then capture), as in a "
                "generation; an insert is one."
            ]
        ),
    )


if __name__ == "__main__":
    main()
