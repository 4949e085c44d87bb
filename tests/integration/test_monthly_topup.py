"""The monthly free top-up (#23 item 7) on SQLite and PostgreSQL, with a clock the test moves:
a grant to the tier's allowance once a month, what is left of it expired when the month ends."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from avatar_core.bootstrap import App
from avatar_core.infra.models import LedgerEntry
from avatar_core.services import credits
from avatar_core.services.generation import GenerationRequest
from avatar_core.services.topup import MonthlyTopUp, month_end
from tests.conftest import make_app
from tests.integration.test_credit_codes import Clock

PASSWORD = "a-long-secret-9"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(tmp_path: Path, database_url: str) -> Iterator[App]:
    instance = make_app(tmp_path, database_url, signup_credits=0)
    yield instance
    instance.close()


def topup(app: App, clock: Clock, **allowance: int) -> MonthlyTopUp:
    return MonthlyTopUp(app.db, allowance or {"free": 20}, clock)


def rows(app: App, user_id: int) -> list[tuple[str, int, int, str]]:
    with app.db.read() as session:
        found = session.scalars(
            select(LedgerEntry).where(LedgerEntry.user_id == user_id).order_by(LedgerEntry.id)
        )
        return [(r.type, r.amount, r.balance_after, r.idempotency_key) for r in found]


def spend(app: App, user_id: int, n: int = 1) -> None:
    """`n` avatars of 8 credits each (the free tier's model), really generated."""
    person = app.accounts.get(user_id)
    for _ in range(n):
        assert app.generations.generate(person, GenerationRequest(prompt="a portrait")).ok


def test_month_end_is_midnight_utc_on_the_first() -> None:
    assert month_end("2026-12") == datetime(2027, 1, 1, tzinfo=UTC)
    assert month_end("2027-02") == datetime(2027, 3, 1, tzinfo=UTC)


def test_a_free_user_is_topped_up_once_a_month_and_the_unspent_part_expires(app: App, clock: Clock) -> None:
    t = topup(app, clock)
    alice = app.accounts.register("alice", PASSWORD)
    change = t.apply(alice.id)
    assert change is not None and (change.month, change.granted, change.expired) == ("2026-12", 20, 0)
    assert t.apply(alice.id) is None  # once a month: the second visit changes nothing
    assert t.this_month(alice.id) == 20
    spend(app, alice.id)  # 8 of the 20 spent
    assert app.accounts.get(alice.id).balance == 12
    assert t.apply(alice.id) is None  # still December: no second top-up even below 20
    clock.now = datetime(2027, 1, 1, 0, 0, 5, tzinfo=UTC)  # the first visit in January
    change = t.apply(alice.id)
    assert change is not None and (change.granted, change.expired) == (20, 12)
    assert rows(app, alice.id)[-2:] == [
        ("expired", -12, 0, "expire:topup:2026-12"),
        ("grant", 20, 20, "topup:2027-01"),
    ]
    with app.db.read() as session:
        assert credits.check(session) == []


def test_other_credits_never_expire_and_spending_comes_from_the_top_up_first(app: App, clock: Clock) -> None:
    t = topup(app, clock)
    bob = app.accounts.register("bob", PASSWORD)
    with app.db.transaction() as session:
        credits.grant(session, bob.id, 5, key="bought", reason="bought")
    assert t.apply(bob.id).granted == 15  # type: ignore[union-attr]  # to 20, not 5 + 20
    with app.db.transaction() as session:
        credits.grant(session, bob.id, 30, key="code", reason="a code")  # after the top-up: kept
    spend(app, bob.id, 2)  # 16 spent: all from the 15 of the top-up, 1 from the rest
    assert app.accounts.get(bob.id).balance == 34
    clock.now += timedelta(days=40)
    change = t.apply(bob.id)
    assert change is not None and change.expired == 0 and change.granted == 0  # 34 ≥ 20: no top-up
    assert rows(app, bob.id)[-1] == ("expired", 0, 34, "expire:topup:2026-12")  # recorded: final
    assert app.accounts.get(bob.id).balance == 34


def test_refunds_count_back_and_expiry_never_exceeds_the_grant_or_the_balance(app: App, clock: Clock) -> None:
    t = topup(app, clock)
    carol = app.accounts.register("carol", PASSWORD)
    t.apply(carol.id)
    with app.db.transaction() as session:  # a generation reserved and refunded: nothing spent
        credits.reserve(session, carol.id, 8, generation_id=999_001)
        credits.release(session, carol.id, 999_001)
        credits.adjust(session, carol.id, -15, actor_id=None, reason="admin took some", key="take")
    assert app.accounts.get(carol.id).balance == 5
    clock.now += timedelta(days=30)
    change = t.apply(carol.id)
    assert change is not None and change.expired == 5  # 20 unspent, but only 5 left to take
    assert change.granted == 20 and app.accounts.get(carol.id).balance == 20


def test_tiers_get_their_own_allowance_and_a_turned_off_setting_still_expires(app: App, clock: Clock) -> None:
    t = topup(app, clock, free=20, basic=50)
    free = app.accounts.register("free1", PASSWORD)
    basic = app.accounts.register("basic1", PASSWORD, tier="basic")
    pro = app.accounts.register("pro1", PASSWORD, tier="pro")
    assert t.apply(free.id).granted == 20  # type: ignore[union-attr]
    assert t.apply(basic.id).granted == 50  # type: ignore[union-attr]
    assert t.apply(pro.id) is None and rows(app, pro.id) == []
    off = MonthlyTopUp(app.db, {}, clock)
    assert not off.enabled and t.enabled
    clock.now += timedelta(days=31)
    assert off.apply(free.id).expired == 20  # type: ignore[union-attr]
    assert off.apply(free.id) is None and app.accounts.get(free.id).balance == 0


def test_a_user_seen_months_later_expires_the_old_grant_then_gets_this_month(app: App, clock: Clock) -> None:
    t = topup(app, clock)
    dan = app.accounts.register("dan", PASSWORD)
    t.apply(dan.id)
    clock.now = datetime(2027, 4, 15, tzinfo=UTC)
    change = t.apply(dan.id)
    assert change is not None and (change.expired, change.granted) == (20, 20)
    assert [r[3] for r in rows(app, dan.id)] == ["topup:2026-12", "expire:topup:2026-12", "topup:2027-04"]


def test_page_loads_at_once_top_up_exactly_once(app: App, clock: Clock) -> None:
    t = topup(app, clock)
    erin = app.accounts.register("erin", PASSWORD)
    start = threading.Barrier(5)
    errors: list[BaseException] = []

    def visit() -> None:
        start.wait()
        try:
            t.apply(erin.id)
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=visit) for _ in range(5)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert errors == []
    assert [r[3] for r in rows(app, erin.id)] == ["topup:2026-12"]
    assert app.accounts.get(erin.id).balance == 20


def test_the_documented_example(app: App, clock: Clock) -> None:
    """docs/credits.md: 0 on 8 December → +20; an avatar (12 left); a 30-credit code (42); in
    January the 12 unspent top-up credits expire (30 left) and no top-up is due (30 ≥ 20)."""
    t = topup(app, clock)
    alice = app.accounts.register("alice", PASSWORD)
    assert t.apply(alice.id).granted == 20  # type: ignore[union-attr]
    spend(app, alice.id)
    with app.db.transaction() as session:
        credits.grant(session, alice.id, 30, key="code:1", reason="code #1")
    clock.now = datetime(2027, 1, 3, 9, tzinfo=UTC)
    change = t.apply(alice.id)
    assert change is not None and (change.expired, change.granted) == (12, 0)
    assert app.accounts.get(alice.id).balance == 30


def test_a_refund_of_a_generation_reserved_before_the_top_up_does_not_count_against_it(
    app: App, clock: Clock
) -> None:
    """Review of #23: 20 own credits, N = 20. A reserves 10; a page load tops up 10; B reserves 10
    (paid from the top-up); A is refunded. At the month's end nothing of the top-up is left, so
    nothing expires: the user keeps their own 20 (10 of them were taken before the fix)."""
    t = topup(app, clock)
    dan = app.accounts.register("dan", PASSWORD)
    with app.db.transaction() as session:
        credits.grant(session, dan.id, 20, key="own", reason="own credits")
        credits.reserve(session, dan.id, 10, generation_id=999_101)  # A
    assert t.apply(dan.id).granted == 10  # type: ignore[union-attr]
    with app.db.transaction() as session:
        credits.reserve(session, dan.id, 10, generation_id=999_102)  # B, from the top-up
        credits.capture(session, dan.id, 999_102)
        credits.release(session, dan.id, 999_101)  # A refunded
    assert app.accounts.get(dan.id).balance == 20
    clock.now += timedelta(days=40)
    change = t.apply(dan.id)
    assert change is not None and change.expired == 0
    assert app.accounts.get(dan.id).balance == 20
