"""Credit codes (#23 item 7) on SQLite and PostgreSQL: made by admins, redeemed once per user,
refused plainly (changing nothing) when wrong, used up, expired or revoked, guarded against guessing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from avatar_core.bootstrap import App
from avatar_core.domain.errors import NotFound, PermissionDenied, RateLimited, ValidationError
from avatar_core.infra.code_table import CreditCode
from avatar_core.infra.models import LedgerEntry
from avatar_core.services import credits
from avatar_core.services.actors import OPERATOR
from avatar_core.services.auth import UserInfo
from avatar_core.services.codes import CodeRefused, CreditCodes, normalise
from avatar_core.services.redeem_throttle import RedeemThrottle
from avatar_core.services.throttle import Throttle
from tests.conftest import make_app

PASSWORD = "a-long-secret-9"


class Clock:
    """A clock tests move by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(tmp_path: Path, database_url: str) -> Iterator[App]:
    instance = make_app(tmp_path, database_url)
    yield instance
    instance.close()


@pytest.fixture
def codes(app: App, clock: Clock) -> CreditCodes:
    """The service over the app's database with a clock the test moves (and a generous guard)."""
    throttle = Throttle(app.db, clock=clock)
    return CreditCodes(app.db, RedeemThrottle(throttle, per_user=50, per_address=500), clock)


def user(app: App, name: str) -> UserInfo:
    return app.accounts.register(name, PASSWORD)


def ledger_size(app: App) -> int:
    with app.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(LedgerEntry)) or 0)


def test_a_code_is_redeemed_once_per_user_as_a_ledger_grant(app: App, codes: CreditCodes) -> None:
    info = codes.create(OPERATOR, 50, uses=3, note="newsletter")
    assert info.code and len(normalise(info.code)) == 16 and info.state == "unused"
    alice, bob = user(app, "alice"), user(app, "bob")
    done = codes.redeem(alice.id, info.code)
    assert (done.credits, done.balance, done.already) == (50, 74, False)
    again = codes.redeem(alice.id, info.code.lower().replace("-", " "))  # case and separators ignored
    assert again.already and again.balance == 74 and again.at is not None
    assert codes.redeem(bob.id, info.code).balance == 74  # another user gets it too
    with app.db.read() as session:
        rows = session.scalars(
            select(LedgerEntry).where(LedgerEntry.idempotency_key == f"code:{info.id}")
        ).all()
        assert sorted((r.user_id, r.type, r.amount) for r in rows) == [
            (alice.id, "grant", 50),
            (bob.id, "grant", 50),
        ]
        assert credits.check(session) == []
        stored = session.get(CreditCode, info.id)
        assert stored is not None and stored.uses == 2 and info.code not in stored.code_hash
    listed = codes.list(OPERATOR)[0]
    assert listed.code is None and listed.state == "partly used"
    assert [u.username for u in listed.used_by] == ["alice", "bob"]


@pytest.mark.parametrize(
    "case, reason, words",
    [
        ("used up", "used_up", "used up"),
        ("expired", "expired", "expired on 2026-12-09 10:00 UTC"),
        ("revoked", "revoked", "withdrawn"),
        ("wrong", "unknown", "not valid"),
    ],
)
def test_a_code_that_gives_nothing_says_so_and_changes_nothing(
    app: App, codes: CreditCodes, clock: Clock, case: str, reason: str, words: str
) -> None:
    info = codes.create(OPERATOR, 20, uses=1, expires_at=clock.now + timedelta(days=1))
    assert info.code
    code = info.code
    if case == "used up":
        codes.redeem(user(app, "first").id, code)
    elif case == "expired":
        clock.now += timedelta(days=1)
    elif case == "revoked":
        assert codes.revoke(OPERATOR, info.id).state == "revoked"
    else:
        code = code[:-1] + ("A" if code[-1] != "A" else "B")
    carol = user(app, "carol")
    before = ledger_size(app)
    with pytest.raises(CodeRefused) as err:
        codes.redeem(carol.id, code)
    assert err.value.reason == reason and words in str(err.value)
    assert "Nothing changed" in str(err.value) or reason == "unknown"
    assert ledger_size(app) == before and app.accounts.get(carol.id).balance == 24


def test_only_admins_make_list_and_revoke_codes_with_sane_amounts(
    app: App, codes: CreditCodes, clock: Clock
) -> None:
    alice = user(app, "alice")
    for call in (lambda: codes.create(alice, 10), lambda: codes.list(alice), lambda: codes.revoke(alice, 1)):
        with pytest.raises(PermissionDenied):
            call()
    for amount in (0, -5, 100_001, 10**12, True, 2.5):
        with pytest.raises(ValidationError):
            codes.create(OPERATOR, amount)  # type: ignore[arg-type]
    for uses in (0, -1, 10_001):
        with pytest.raises(ValidationError):
            codes.create(OPERATOR, 10, uses=uses)
    with pytest.raises(ValidationError):
        codes.create(OPERATOR, 10, expires_at=clock.now - timedelta(seconds=1))
    far = datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-5)))  # past 9999 in UTC
    with pytest.raises(ValidationError, match="out of range"):  # was an OverflowError (a 500)
        codes.create(OPERATOR, 10, expires_at=far)
    with pytest.raises(ValidationError):
        codes.create(OPERATOR, 10, note="x" * 121)
    for bad in (0, -1, 2**40):
        with pytest.raises(NotFound):
            codes.revoke(OPERATOR, bad)
    assert codes.list(OPERATOR) == []


def test_hostile_codes_are_refused_without_a_crash(app: App, codes: CreditCodes) -> None:
    real = codes.create(OPERATOR, 5).code
    alice = user(app, "alice")
    hostile = [
        "' OR 1=1 --",
        "%",
        "_%_x",
        "x" * 100_000,
        "\u0000\ud800",
        "ｋ７ｑｍ",
        "🔒" * 40,
        "code:1",
        "*",
    ]
    for code in hostile:
        with pytest.raises(CodeRefused):
            codes.redeem(alice.id, code)
    for empty in ("", "   ", "- - -"):
        with pytest.raises(ValidationError, match="Type the code"):
            codes.redeem(alice.id, empty)
    assert app.accounts.get(alice.id).balance == 24
    assert real and codes.redeem(alice.id, real).balance == 29


def test_guessing_is_rate_limited_per_account_and_per_address(app: App, clock: Clock) -> None:
    throttle = Throttle(app.db, clock=clock)
    codes = CreditCodes(app.db, RedeemThrottle(throttle, per_user=10, per_address=15), clock)
    real = codes.create(OPERATOR, 5, uses=5).code
    assert real
    alice, bob, eve = user(app, "alice"), user(app, "bob"), user(app, "eve")
    for i in range(10):
        with pytest.raises(CodeRefused):
            codes.redeem(alice.id, f"GUESS{i:011d}", "10.0.0.1")
    with pytest.raises(RateLimited, match="Too many code attempts") as err:
        codes.redeem(alice.id, real, "10.0.0.9")  # even the right code waits: the account is limited
    assert 0 < err.value.retry_after <= 3600
    assert app.accounts.get(alice.id).balance == 24
    for i in range(5):  # another account from the same address, up to the address's limit
        with pytest.raises(CodeRefused):
            codes.redeem(bob.id, f"OTHER{i:011d}", "10.0.0.1")
    with pytest.raises(RateLimited):
        codes.redeem(eve.id, real, "10.0.0.1")
    assert codes.redeem(eve.id, real, "10.0.0.2").balance == 29  # from elsewhere it works
    clock.now += timedelta(hours=1, seconds=1)  # an hour later alice may try again
    assert codes.redeem(alice.id, real, "10.0.0.1").balance == 29


def test_a_single_use_code_redeemed_by_two_users_at_once_goes_to_exactly_one(
    app: App, codes: CreditCodes
) -> None:
    """Row locks on PostgreSQL; SQLite's one writer at a time (BEGIN IMMEDIATE) on SQLite."""
    code = codes.create(OPERATOR, 40, uses=1).code
    assert code
    people = [user(app, f"racer{i}") for i in range(6)]
    start = threading.Barrier(len(people))
    outcomes: dict[int, str] = {}

    def race(person: UserInfo) -> None:
        start.wait()
        try:
            codes.redeem(person.id, code)
            outcomes[person.id] = "got it"
        except CodeRefused as err:
            outcomes[person.id] = err.reason

    threads = [threading.Thread(target=race, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes.values()) == ["got it"] + ["used_up"] * (len(people) - 1)
    balances = sorted(app.accounts.get(p.id).balance for p in people)
    assert balances == [24] * (len(people) - 1) + [64]
    with app.db.read() as session:
        assert session.get(CreditCode, codes.list(OPERATOR)[0].id).uses == 1  # type: ignore[union-attr]
        assert credits.check(session) == []


def test_one_user_redeeming_the_same_code_in_parallel_gets_it_once(
    app: App, codes: CreditCodes, db_kind: str
) -> None:
    code = codes.create(OPERATOR, 30, uses=10).code
    assert code
    alice = user(app, "alice")
    start = threading.Barrier(4)
    results: list[bool] = []

    def go() -> None:
        start.wait()
        results.append(codes.redeem(alice.id, code).already)

    threads = [threading.Thread(target=go) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == [False, True, True, True]
    assert app.accounts.get(alice.id).balance == 54
    assert codes.list(OPERATOR)[0].uses == 1
