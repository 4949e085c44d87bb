"""The credit ledger on SQLite and PostgreSQL: semantics, idempotency, invariants, concurrency."""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable

import pytest
from sqlalchemy import func, select, text

from avatar_core.bootstrap import App
from avatar_core.domain.errors import InsufficientCredits, NotFound, ValidationError
from avatar_core.infra.models import LedgerEntry
from avatar_core.services import credits
from avatar_core.services.credits import LedgerConflict

WELCOME = 24


def new_user(app: App, name: str = "alice", balance: int | None = None) -> int:
    """A registered user (welcome grant 24), topped up to `balance` if given."""
    user = app.accounts.register(name, "a-long-secret-9")
    assert user.balance == WELCOME
    if balance is not None and balance != WELCOME:
        with app.db.transaction() as s:
            credits.grant(s, user.id, balance - WELCOME, key="top-up", reason="test top-up")
    return user.id


def rows(app: App, user_id: int) -> list[LedgerEntry]:
    with app.db.read() as s:
        return list(
            s.scalars(select(LedgerEntry).where(LedgerEntry.user_id == user_id).order_by(LedgerEntry.id))
        )


def bal(app: App, user_id: int) -> int:
    with app.db.read() as s:
        return credits.balance(s, user_id)


def problems(app: App) -> list[str]:
    with app.db.read() as s:
        return list(credits.check(s))


def ledger_sum(app: App, user_id: int) -> int:
    with app.db.read() as s:
        total = s.scalar(select(func.sum(LedgerEntry.amount)).where(LedgerEntry.user_id == user_id))
        return int(total or 0)


# --- grant -----------------------------------------------------------------------------------


def test_welcome_grant_is_the_first_row(app: App) -> None:
    uid = new_user(app)
    [row] = rows(app, uid)
    assert (row.type, row.amount, row.balance_after, row.idempotency_key) == (
        "grant",
        WELCOME,
        WELCOME,
        "welcome",
    )
    assert problems(app) == []


def test_grant_adds_and_records_balance_after(app: App) -> None:
    uid = new_user(app)
    with app.db.transaction() as s:
        entry = credits.grant(s, uid, 10, key="buy-1", reason="purchase", actor_id=uid)
        assert entry.balance_after == WELCOME + 10
    assert bal(app, uid) == WELCOME + 10
    last = rows(app, uid)[-1]
    assert (last.type, last.amount, last.balance_after, last.reason, last.actor_id) == (
        "grant",
        10,
        34,
        "purchase",
        uid,
    )


def test_grant_repeated_key_is_a_no_op(app: App) -> None:
    uid = new_user(app)
    with app.db.transaction() as s:
        first = credits.grant(s, uid, 10, key="buy-1", reason="purchase")
    with app.db.transaction() as s:
        again = credits.grant(s, uid, 10, key="buy-1", reason="purchase")
        assert again.id == first.id
    assert bal(app, uid) == WELCOME + 10
    assert len(rows(app, uid)) == 2


def test_same_key_for_two_users_is_independent(app: App) -> None:
    a, b = new_user(app, "alice"), new_user(app, "bob")
    for uid in (a, b):
        with app.db.transaction() as s:
            credits.grant(s, uid, 5, key="promo", reason="promo")
    assert bal(app, a) == bal(app, b) == WELCOME + 5


def test_grant_rejects_bad_amounts(app: App) -> None:
    uid = new_user(app)
    for amount in (0, -5, 1_000_001, True, 2.5, "3", None):
        with pytest.raises(ValidationError), app.db.transaction() as s:
            credits.grant(s, uid, amount, key=f"bad-{amount}", reason="x")  # type: ignore[arg-type]
    assert bal(app, uid) == WELCOME
    assert len(rows(app, uid)) == 1


def test_grant_to_unknown_user_is_not_found(app: App) -> None:
    with pytest.raises(NotFound), app.db.transaction() as s:
        credits.grant(s, 99_999, 5, key="k", reason="x")


# --- reserve / capture / release -------------------------------------------------------------


def test_reserve_holds_credits(app: App) -> None:
    uid = new_user(app)
    with app.db.transaction() as s:
        entry = credits.reserve(s, uid, 8, generation_id=101)
    assert (entry.type, entry.amount, entry.balance_after, entry.generation_id) == ("reserve", -8, 16, 101)
    assert bal(app, uid) == 16
    assert problems(app) == []


def test_reserve_repeated_for_same_generation_is_a_no_op(app: App) -> None:
    uid = new_user(app)
    with app.db.transaction() as s:
        first = credits.reserve(s, uid, 8, generation_id=7)
    with app.db.transaction() as s:
        again = credits.reserve(s, uid, 8, generation_id=7)
    assert again.id == first.id
    assert bal(app, uid) == 16
    assert [r.type for r in rows(app, uid)] == ["grant", "reserve"]


def test_reserve_of_a_new_row_skips_the_lookup_but_the_key_still_refuses_a_second(app: App) -> None:
    from sqlalchemy.exc import IntegrityError

    uid = new_user(app)
    with app.db.transaction() as s:
        credits.reserve(s, uid, 8, generation_id=9, new=True)
    with pytest.raises(IntegrityError), app.db.transaction() as s:  # misuse: the row was not new
        credits.reserve(s, uid, 8, generation_id=9, new=True)
    assert bal(app, uid) == 16  # the failed transaction changed nothing
    assert [r.type for r in rows(app, uid)] == ["grant", "reserve"]
    assert problems(app) == []


def test_reserve_zero_is_allowed_for_enterprise(app: App) -> None:
    uid = new_user(app)
    with app.db.transaction() as s:
        credits.reserve(s, uid, 0, generation_id=1)
        credits.capture(s, uid, 1)
    assert bal(app, uid) == WELCOME
    assert problems(app) == []


def test_reserve_negative_is_refused(app: App) -> None:
    uid = new_user(app)
    with pytest.raises(ValidationError), app.db.transaction() as s:
        credits.reserve(s, uid, -5, generation_id=1)
    assert bal(app, uid) == WELCOME


def test_insufficient_credits_names_balance_and_price_and_changes_nothing(app: App) -> None:
    uid = new_user(app)
    with app.db.transaction() as s:
        credits.reserve(s, uid, 20, generation_id=1)  # balance 4 left
        with pytest.raises(InsufficientCredits) as info:
            credits.reserve(s, uid, 8, generation_id=2)
        # caught inside the transaction: the first reserve commits, the refused one wrote nothing
    err = info.value
    assert (err.balance, err.price) == (4, 8)
    assert "4" in str(err) and "8" in str(err)
    assert str(err) == "Not enough credits: this image costs 8 and your balance is 4."
    assert bal(app, uid) == 4
    assert [r.type for r in rows(app, uid)] == ["grant", "reserve"]
    assert problems(app) == []


def test_reserve_of_exact_balance_succeeds(app: App) -> None:
    uid = new_user(app)
    with app.db.transaction() as s:
        assert credits.reserve(s, uid, WELCOME, generation_id=1).balance_after == 0
    with pytest.raises(InsufficientCredits), app.db.transaction() as s:
        credits.reserve(s, uid, 1, generation_id=2)
    assert bal(app, uid) == 0


def test_capture_keeps_the_credits(app: App) -> None:
    uid = new_user(app)
    with app.db.transaction() as s:
        credits.reserve(s, uid, 8, generation_id=5)
    with app.db.transaction() as s:
        entry = credits.capture(s, uid, 5)
    assert (entry.type, entry.amount, entry.balance_after, entry.generation_id) == ("capture", 0, 16, 5)
    assert bal(app, uid) == 16
    assert problems(app) == []


def test_capture_twice_is_one_row(app: App) -> None:
    uid = new_user(app)
    with app.db.transaction() as s:
        credits.reserve(s, uid, 8, generation_id=5)
        first = credits.capture(s, uid, 5)
    with app.db.transaction() as s:
        assert credits.capture(s, uid, 5).id == first.id
    assert [r.type for r in rows(app, uid)] == ["grant", "reserve", "capture"]


def test_capture_smaller_charge_refunds_the_difference(app: App) -> None:
    uid = new_user(app)
    with app.db.transaction() as s:
        credits.reserve(s, uid, 15, generation_id=9)
    with app.db.transaction() as s:
        entry = credits.capture(s, uid, 9, charged=12)
    assert (entry.type, entry.amount, entry.balance_after) == ("capture", 3, WELCOME - 12)
    assert "3 refunded" in entry.reason
    assert bal(app, uid) == WELCOME - 12
    assert problems(app) == []


def test_capture_charge_above_hold_charges_only_the_hold(app: App) -> None:
    uid = new_user(app)
    with app.db.transaction() as s:
        credits.reserve(s, uid, 8, generation_id=9)
        entry = credits.capture(s, uid, 9, charged=50)
    assert entry.amount == 0
    assert bal(app, uid) == 16


def test_capture_negative_charge_is_a_conflict(app: App) -> None:
    uid = new_user(app)
    with app.db.transaction() as s:
        credits.reserve(s, uid, 8, generation_id=9)
    with pytest.raises(LedgerConflict), app.db.transaction() as s:
        credits.capture(s, uid, 9, charged=-1)
    assert bal(app, uid) == 16


def test_release_refunds_everything(app: App) -> None:
    uid = new_user(app)
    with app.db.transaction() as s:
        credits.reserve(s, uid, 8, generation_id=3)
    with app.db.transaction() as s:
        entry = credits.release(s, uid, 3, reason="engine failed")
    assert (entry.type, entry.amount, entry.balance_after, entry.reason) == (
        "release",
        8,
        WELCOME,
        "engine failed",
    )
    assert bal(app, uid) == WELCOME
    assert problems(app) == []


def test_release_twice_is_one_row(app: App) -> None:
    uid = new_user(app)
    with app.db.transaction() as s:
        credits.reserve(s, uid, 8, generation_id=3)
    for _ in range(2):
        with app.db.transaction() as s:
            credits.release(s, uid, 3)
    assert [r.type for r in rows(app, uid)] == ["grant", "reserve", "release"]
    assert bal(app, uid) == WELCOME


def test_capture_after_release_is_a_conflict(app: App) -> None:
    uid = new_user(app)
    with app.db.transaction() as s:
        credits.reserve(s, uid, 8, generation_id=3)
        credits.release(s, uid, 3)
    with pytest.raises(LedgerConflict, match="released"), app.db.transaction() as s:
        credits.capture(s, uid, 3)
    assert bal(app, uid) == WELCOME
    assert len(rows(app, uid)) == 3


def test_release_after_capture_is_a_conflict(app: App) -> None:
    uid = new_user(app)
    with app.db.transaction() as s:
        credits.reserve(s, uid, 8, generation_id=3)
        credits.capture(s, uid, 3)
    with pytest.raises(LedgerConflict, match="captured"), app.db.transaction() as s:
        credits.release(s, uid, 3)
    assert bal(app, uid) == 16


def test_settle_without_reserve_is_a_conflict(app: App) -> None:
    uid = new_user(app)
    with pytest.raises(LedgerConflict), app.db.transaction() as s:
        credits.capture(s, uid, 404)
    with pytest.raises(LedgerConflict), app.db.transaction() as s:
        credits.release(s, uid, 404)
    with pytest.raises(LedgerConflict), app.db.transaction() as s:
        credits.capture(s, uid, 404, charged=1)


def test_another_users_reserve_cannot_be_settled(app: App) -> None:
    a, b = new_user(app, "alice"), new_user(app, "bob")
    with app.db.transaction() as s:
        credits.reserve(s, a, 8, generation_id=1)
    with pytest.raises(LedgerConflict), app.db.transaction() as s:
        credits.release(s, b, 1)
    assert bal(app, b) == WELCOME


def test_failed_operation_rolls_back_the_whole_transaction(app: App) -> None:
    uid = new_user(app)
    with pytest.raises(InsufficientCredits), app.db.transaction() as s:
        credits.reserve(s, uid, 10, generation_id=1)
        credits.reserve(s, uid, 100, generation_id=2)
    assert bal(app, uid) == WELCOME
    assert len(rows(app, uid)) == 1


def test_history_newest_first(app: App) -> None:
    uid = new_user(app)
    with app.db.transaction() as s:
        credits.reserve(s, uid, 8, generation_id=1)
        credits.release(s, uid, 1)
    with app.db.read() as s:
        moves = credits.history(s, uid)
        assert [m.type for m in moves] == ["release", "reserve", "grant"]
        assert [m.balance_after for m in moves] == [24, 16, 24]
        assert moves[0].generation_id == 1
        assert len(credits.history(s, uid, limit=2)) == 2


# --- admin adjust ----------------------------------------------------------------------------


def test_adjust_grants_and_deducts_with_actor_and_reason(app: App) -> None:
    uid, admin = new_user(app, "alice"), new_user(app, "root")
    with app.db.transaction() as s:
        up = credits.adjust(s, uid, 6, actor_id=admin, reason=" goodwill ", key="a1")
        down = credits.adjust(s, uid, -30, actor_id=admin, reason="abuse", key="a2")
    assert (up.type, up.amount, up.balance_after, up.reason, up.actor_id) == (
        "admin_adjust",
        6,
        30,
        "goodwill",
        admin,
    )
    assert (down.amount, down.balance_after) == (-30, 0)
    assert problems(app) == []


def test_adjust_cannot_go_below_zero(app: App) -> None:
    uid, admin = new_user(app, "alice"), new_user(app, "root")
    with pytest.raises(ValidationError, match="balance is 24"), app.db.transaction() as s:
        credits.adjust(s, uid, -25, actor_id=admin, reason="too much", key="a1")
    assert bal(app, uid) == WELCOME
    assert len(rows(app, uid)) == 1


def test_adjust_needs_a_reason(app: App) -> None:
    uid, admin = new_user(app, "alice"), new_user(app, "root")
    for reason in ("", "   ", "\n"):
        with pytest.raises(ValidationError, match="reason"), app.db.transaction() as s:
            credits.adjust(s, uid, 5, actor_id=admin, reason=reason, key="a1")
    assert bal(app, uid) == WELCOME


def test_adjust_zero_is_refused_and_repeat_key_is_a_no_op(app: App) -> None:
    uid, admin = new_user(app, "alice"), new_user(app, "root")
    with pytest.raises(ValidationError), app.db.transaction() as s:
        credits.adjust(s, uid, 0, actor_id=admin, reason="x", key="a0")
    for _ in range(2):
        with app.db.transaction() as s:
            credits.adjust(s, uid, -4, actor_id=admin, reason="x", key="a1")
    assert bal(app, uid) == WELCOME - 4


# --- check -----------------------------------------------------------------------------------


def test_check_is_empty_on_healthy_data(app: App) -> None:
    a, b = new_user(app, "alice"), new_user(app, "bob")
    with app.db.transaction() as s:
        credits.reserve(s, a, 8, 1)
        credits.capture(s, a, 1)
        credits.reserve(s, b, 12, 2)
        credits.release(s, b, 2)
        credits.reserve(s, b, 12, 3)
    assert problems(app) == []


def test_check_reports_a_tampered_balance(app: App) -> None:
    uid = new_user(app)
    with app.db.transaction() as s:
        s.execute(text("UPDATE users SET balance = 1000 WHERE id = :id"), {"id": uid})
    found = problems(app)
    assert found == ["alice: ledger sum 24 != balance 1000"]


def test_check_reports_a_negative_balance(app: App) -> None:
    uid = new_user(app)
    with app.db.transaction() as s:
        s.execute(text("UPDATE users SET balance = -6 WHERE id = :id"), {"id": uid})
        s.add(
            LedgerEntry(
                user_id=uid,
                type="admin_adjust",
                amount=-30,
                balance_after=-6,
                idempotency_key="raw",
                reason="raw",
            )
        )
    assert problems(app) == ["alice: negative balance -6"]


def test_check_reports_a_double_settle(app: App) -> None:
    uid = new_user(app)
    with app.db.transaction() as s:
        credits.reserve(s, uid, 8, generation_id=77)
        credits.release(s, uid, 77)
        # a second refund written behind the ledger's back, with its balance kept consistent
        s.add(
            LedgerEntry(
                user_id=uid,
                type="release",
                amount=8,
                balance_after=32,
                generation_id=77,
                idempotency_key="again:77",
                reason="dup",
            )
        )
        s.execute(text("UPDATE users SET balance = 32 WHERE id = :id"), {"id": uid})
    found = problems(app)
    assert found == [f"user {uid}: generation 77 settled 2 times"]


# --- concurrency -----------------------------------------------------------------------------

THREADS = 16
PRICE = 7
START = 100


def _run_threads(target: Callable[[int], None], n: int = THREADS) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(n)

    def wrapped(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            target(i)
        except BaseException as err:  # noqa: BLE001 - reported by the test
            errors.append(err)

    threads = [threading.Thread(target=wrapped, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a worker thread hung"
    return errors


def test_concurrent_reserves_never_overspend(app: App) -> None:
    uid = new_user(app, balance=START)
    successes: Counter[int] = Counter()
    lock = threading.Lock()

    def worker(i: int) -> None:
        n = 0
        while True:
            gen = i * 1000 + n
            n += 1
            try:
                with app.db.transaction() as s:
                    credits.reserve(s, uid, PRICE, generation_id=gen)
            except InsufficientCredits:
                return
            with lock:
                successes[i] += 1

    errors = _run_threads(worker)
    assert errors == [], [repr(e) for e in errors]
    total = sum(successes.values())
    assert total == START // PRICE
    assert total * PRICE <= START
    final = bal(app, uid)
    assert final == START - PRICE * total >= 0
    assert ledger_sum(app, uid) == final
    assert problems(app) == []
    reserves = [r for r in rows(app, uid) if r.type == "reserve"]
    assert len(reserves) == total
    assert sorted(r.balance_after for r in reserves) == [START - PRICE * k for k in range(total, 0, -1)]


def test_concurrent_reserve_then_capture_or_release(app: App) -> None:
    uid = new_user(app, balance=START)
    captured: Counter[int] = Counter()
    released: Counter[int] = Counter()
    lock = threading.Lock()

    def worker(i: int) -> None:
        rng = random.Random(i)
        for n in range(40):
            gen = i * 1000 + n
            try:
                with app.db.transaction() as s:
                    credits.reserve(s, uid, PRICE, generation_id=gen)
            except InsufficientCredits:
                return
            keep = rng.random() < 0.5
            with app.db.transaction() as s:
                if keep:
                    credits.capture(s, uid, gen)
                else:
                    credits.release(s, uid, gen, reason="failed")
            if rng.random() < 0.3:  # a retried settle must be a no-op
                with app.db.transaction() as s:
                    (credits.capture if keep else credits.release)(s, uid, gen)
            with lock:
                (captured if keep else released)[i] += 1

    errors = _run_threads(worker)
    assert errors == [], [repr(e) for e in errors]
    kept = sum(captured.values())
    assert kept <= START // PRICE
    final = bal(app, uid)
    assert final == START - PRICE * kept >= 0
    assert ledger_sum(app, uid) == final
    assert problems(app) == []
    types = Counter(r.type for r in rows(app, uid))
    assert types["capture"] == kept
    assert types["release"] == sum(released.values())
    assert types["reserve"] == types["capture"] + types["release"]
