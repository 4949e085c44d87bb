"""Any sequence of ledger operations on two users keeps the invariants (SQLite, hypothesis).

Invariants checked after every step: the cached balance equals the model's and the ledger sum,
it is never negative, a reserve is settled at most once, and an operation that raises
(InsufficientCredits, ValidationError, LedgerConflict) leaves every row as it was.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from avatar_core.bootstrap import App
from avatar_core.domain.errors import InsufficientCredits, ValidationError
from avatar_core.infra.models import LedgerEntry
from avatar_core.services import credits
from avatar_core.services.credits import LedgerConflict
from tests.conftest import make_app

WELCOME = 24
names = itertools.count()


@pytest.fixture(scope="module")
def ledger_app(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[App]:
    """One SQLite app for every example; each example uses two brand-new users."""
    tmp = tmp_path_factory.mktemp("ledger-props")
    shutil.copy(sqlite_template, tmp / "avatar.db")
    app = make_app(tmp, f"sqlite:///{tmp / 'avatar.db'}")
    yield app
    app.close()


# --- operations: (name, user index, numbers...) ------------------------------------------------
users = st.integers(0, 1)
keys = st.sampled_from(["k0", "k1", "k2"])  # a small pool so repeated keys happen
operations = st.lists(
    st.one_of(
        st.tuples(st.just("grant"), users, st.integers(-5, 200), keys),
        st.tuples(st.just("reserve"), users, st.integers(0, 80)),
        st.tuples(st.just("reserve_again"), st.integers(0, 30)),
        st.tuples(st.just("capture"), st.integers(0, 30), st.none() | st.integers(0, 100)),
        st.tuples(st.just("release"), st.integers(0, 30)),
        st.tuples(st.just("settle_unknown"), users, st.booleans()),
        st.tuples(st.just("adjust"), users, st.integers(-150, 150), keys),
    ),
    max_size=30,
)


@dataclass
class Model:
    """What the ledger should say, computed independently."""

    balance: list[int] = field(default_factory=lambda: [WELCOME, WELCOME])
    held: dict[int, tuple[int, int]] = field(default_factory=dict)  # gen -> (user index, amount)
    settled: dict[int, str] = field(default_factory=dict)  # gen -> capture | release
    keys: list[set[str]] = field(default_factory=lambda: [set(), set()])
    order: list[int] = field(default_factory=list)  # gens in reserve order


def snapshot(app: App, ids: list[int]) -> tuple[tuple[int, ...], int]:
    """(balances, number of ledger rows) of the example's users."""
    with app.db.read() as s:
        bals = tuple(credits.balance(s, uid) for uid in ids)
        rows = s.scalar(select(func.count()).where(LedgerEntry.user_id.in_(ids)))
    return bals, int(rows or 0)


def step(app: App, ids: list[int], m: Model, op: tuple[object, ...], gens: Iterator[int]) -> None:
    """Apply one operation to the database and to the model (the model says what must raise)."""
    kind = op[0]
    with app.db.transaction() as s:
        if kind == "grant":
            _, u, amount, key = op
            assert isinstance(u, int) and isinstance(amount, int) and isinstance(key, str)
            if amount <= 0:
                with pytest.raises(ValidationError):
                    credits.grant(s, ids[u], amount, key=f"g-{key}", reason="prop")
                raise Refused
            credits.grant(s, ids[u], amount, key=f"g-{key}", reason="prop")
            if f"g-{key}" not in m.keys[u]:
                m.keys[u].add(f"g-{key}")
                m.balance[u] += amount
        elif kind == "reserve":
            _, u, amount = op
            assert isinstance(u, int) and isinstance(amount, int)
            gen = next(gens)
            if m.balance[u] < amount:
                with pytest.raises(InsufficientCredits):
                    credits.reserve(s, ids[u], amount, gen)
                raise Refused
            credits.reserve(s, ids[u], amount, gen)
            m.balance[u] -= amount
            m.held[gen] = (u, amount)
            m.order.append(gen)
        elif kind == "reserve_again":  # the same generation again: a no-op, whatever the balance
            if not m.order:
                raise Refused
            pick = op[1]
            assert isinstance(pick, int)
            gen = m.order[pick % len(m.order)]
            u, amount = m.held[gen]
            entry = credits.reserve(s, ids[u], amount + 1000, gen)
            assert entry.amount == -amount
        elif kind in ("capture", "release"):
            if not m.order:
                raise Refused
            pick, charged = op[1], (op[2] if kind == "capture" else None)
            assert isinstance(pick, int) and (charged is None or isinstance(charged, int))
            gen = m.order[pick % len(m.order)]
            u, amount = m.held[gen]
            done, uid = m.settled.get(gen), ids[u]
            settle = (
                (lambda: credits.capture(s, uid, gen, charged=charged))
                if kind == "capture"
                else (lambda: credits.release(s, uid, gen))
            )
            if done is not None and done != kind:
                with pytest.raises(LedgerConflict):
                    settle()
                raise Refused
            settle()
            if done is None:
                m.settled[gen] = kind
                if kind == "release":
                    m.balance[u] += amount
                elif charged is not None:
                    m.balance[u] += max(0, amount - charged)
        elif kind == "settle_unknown":  # a generation that was never reserved
            _, u, capture = op
            assert isinstance(u, int)
            with pytest.raises(LedgerConflict):
                if capture:
                    credits.capture(s, ids[u], 10**9)
                else:
                    credits.release(s, ids[u], 10**9)
            raise Refused
        elif kind == "adjust":
            _, u, amount, key = op
            assert isinstance(u, int) and isinstance(amount, int) and isinstance(key, str)
            k = f"a-{key}"

            def do() -> None:
                credits.adjust(s, ids[u], amount, actor_id=ids[1 - u], reason="prop", key=k)

            if amount == 0 or (k not in m.keys[u] and m.balance[u] + amount < 0):
                with pytest.raises(ValidationError):
                    do()
                raise Refused
            do()
            if k not in m.keys[u]:
                m.keys[u].add(k)
                m.balance[u] += amount


class Refused(Exception):
    """The operation raised as expected; its transaction must roll back."""


@settings(max_examples=50, deadline=None)
@given(ops=operations)
def test_any_sequence_keeps_the_ledger_invariants(ledger_app: App, ops: list[tuple[object, ...]]) -> None:
    app = ledger_app
    n = next(names)
    ids = [app.accounts.register(f"prop-{n}-{i}", "a-long-secret-9").id for i in range(2)]
    m, gens = Model(), itertools.count(1)
    for op in ops:
        before = snapshot(app, ids)
        try:
            step(app, ids, m, op, gens)
            event(f"{op[0]} applied")
        except Refused:
            event(f"{op[0]} refused")
            assert snapshot(app, ids) == before, f"{op} raised but changed something"
        bals, _ = snapshot(app, ids)
        assert list(bals) == m.balance, op
        assert all(b >= 0 for b in bals)
        with app.db.read() as s:
            for uid, b in zip(ids, bals, strict=True):
                total = s.scalar(select(func.sum(LedgerEntry.amount)).where(LedgerEntry.user_id == uid))
                assert int(total or 0) == b
    with app.db.read() as s:
        assert list(credits.check(s)) == []
        settles = s.execute(
            select(LedgerEntry.generation_id, func.count())
            .where(LedgerEntry.user_id.in_(ids), LedgerEntry.type.in_(("capture", "release")))
            .group_by(LedgerEntry.user_id, LedgerEntry.generation_id)
        ).all()
    assert all(count == 1 for _, count in settles)
    assert len(settles) == len(m.settled)
