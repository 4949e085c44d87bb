"""Finding 4: the login throttle stops guessing, not owners; counters live in the database."""

from __future__ import annotations

import logging
import re
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from avatar_core.bootstrap import App
from avatar_core.domain.errors import AuthError, RateLimited
from tests.conftest import make_app
from tests.security.conftest import LiveFactory
from tests.web.server import PASSWORD, LiveServer

WRONG = "wrong-secret-9"
PAIR_FREE, ADDRESS_CEILING = 5, 50  # as in avatar_core.services.throttle (imported lazily: old-code replay)


class Clock:
    """Stands in for the throttle's `clock` (Callable[[], datetime]): a settable UTC clock."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(app: App) -> Clock:
    from avatar_core.services.throttle import Throttle

    fake = Clock()
    app.accounts.throttle = Throttle(app.db, fake)
    return fake


def fail(app: App, name: str, address: str, times: int = 1) -> None:
    for _ in range(times):  # a wrong password, or a refusal to check it yet
        with pytest.raises((AuthError, RateLimited)):
            app.accounts.authenticate(name, WRONG, address)


def test_failures_elsewhere_never_lock_the_owner_out(app: App, clock: Clock) -> None:
    app.accounts.register("alice", PASSWORD)
    fail(app, "alice", "203.0.113.7", PAIR_FREE + 3)  # an attacker guesses alice's password
    with pytest.raises(RateLimited):
        app.accounts.authenticate("alice", PASSWORD, "203.0.113.7")
    assert app.accounts.authenticate("alice", PASSWORD, "198.51.100.1").username == "alice"
    for i in range(20):  # one office address, many wrong names: alice there is unaffected
        fail(app, f"nobody{i}", "192.0.2.10")
    assert app.accounts.authenticate("alice", PASSWORD, "192.0.2.10").username == "alice"


def test_delay_grows_after_five_failures(app: App, clock: Clock) -> None:
    app.accounts.register("bob", PASSWORD)
    fail(app, "bob", "10.0.0.1", PAIR_FREE)
    waits = []
    for _ in range(3):
        with pytest.raises(RateLimited) as err:
            app.accounts.authenticate("bob", PASSWORD, "10.0.0.1")
        waits.append(err.value.retry_after)
        clock.advance(err.value.retry_after)
        fail(app, "bob", "10.0.0.1")
    assert waits[0] < waits[1] < waits[2], waits
    clock.advance(900)
    assert app.accounts.authenticate("bob", PASSWORD, "10.0.0.1").username == "bob"


def test_a_burst_of_parallel_guesses_gets_five_tries(app: App, clock: Clock) -> None:
    app.accounts.register("burst", PASSWORD)
    outcomes: list[str] = []
    lock = threading.Lock()
    gate = threading.Barrier(20)

    def guess(i: int) -> None:
        gate.wait()
        try:
            app.accounts.authenticate("burst", f"guess-{i}-secret", "203.0.113.80")
        except AuthError:
            kind = "checked"
        except RateLimited:
            kind = "refused"
        with lock:
            outcomes.append(kind)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(outcomes) == 20
    assert outcomes.count("checked") <= PAIR_FREE + 1, outcomes  # not 20 guesses at once


def test_address_ceiling_stops_stuffing_but_not_known_accounts(app: App, clock: Clock) -> None:
    app.accounts.register("carol", PASSWORD)
    app.accounts.register("dave", PASSWORD)
    app.accounts.authenticate("carol", PASSWORD, "192.0.2.99")  # carol signs in from here
    for i in range(ADDRESS_CEILING):
        fail(app, f"leaked{i}", "192.0.2.99")
    with pytest.raises(RateLimited):  # a new account from that address: stuffing, refused
        app.accounts.authenticate("dave", PASSWORD, "192.0.2.99")
    assert app.accounts.authenticate("carol", PASSWORD, "192.0.2.99").username == "carol"
    assert app.accounts.authenticate("dave", PASSWORD, "192.0.2.100").username == "dave"


def test_counters_are_shared_survive_restarts_and_expire(app: App, clock: Clock, tmp_path: object) -> None:
    from avatar_core.infra.models import ThrottleEvent
    from avatar_core.services.throttle import Throttle

    app.accounts.register("erin", PASSWORD)
    fail(app, "erin", "10.9.0.1", PAIR_FREE)
    other = make_app(tmp_path, app.settings.database_url)  # type: ignore[arg-type]
    other.accounts.throttle = Throttle(other.db, clock)  # another replica, or after a restart
    try:
        with pytest.raises(RateLimited):
            other.accounts.authenticate("erin", PASSWORD, "10.9.0.1")
    finally:
        other.close()
    clock.advance(24 * 3600)
    fail(app, "someone", "10.9.0.2")  # any write sweeps expired rows
    with app.db.read() as session:
        left = session.scalar(
            select(func.count()).select_from(ThrottleEvent).where(ThrottleEvent.key.like("erin|%"))
        )
    assert left == 0


def test_ipv6_counts_per_64() -> None:
    from avatar_core.services.throttle import ADDRESS_CEILING as CEILING
    from avatar_core.services.throttle import PAIR_FREE as FREE
    from avatar_core.services.throttle import address_group

    assert (FREE, CEILING) == (PAIR_FREE, ADDRESS_CEILING)
    assert address_group("2001:db8:1:2:aaaa::1") == address_group("2001:db8:1:2:ffff::9")
    assert address_group("2001:db8:1:2::1") != address_group("2001:db8:1:3::1")
    assert address_group("::ffff:192.0.2.1") == "192.0.2.1"
    assert address_group("not an address\x00").startswith("h:")


def test_http_owner_logs_in_while_attacked(live: LiveServer) -> None:
    name = f"v-{uuid.uuid4().hex[:8]}"
    live.signup(name)
    with live.client(headers={"X-Forwarded-For": "203.0.113.50"}) as c:
        for _ in range(PAIR_FREE + 1):
            c.post("/login", data={"username": name, "password": WRONG})
        assert re.search(
            r"Try again in \d+ s", c.post("/login", data={"username": name, "password": PASSWORD}).text
        )
        for i in range(6):  # the same address fails on other names too
            c.post("/login", data={"username": f"x{i}-{name}", "password": WRONG})
    with live.client(headers={"X-Forwarded-For": "198.51.100.50"}) as c:
        assert c.post("/login", data={"username": name, "password": PASSWORD}).status_code == 303


def test_forwarded_for_without_trust_proxy_warns_once(
    live_factory: LiveFactory, caplog: pytest.LogCaptureFixture
) -> None:
    live = live_factory(trust_proxy=False)
    with (
        caplog.at_level(logging.WARNING, logger="avatar_core.web"),
        live.client(headers={"X-Forwarded-For": "10.0.0.1"}) as c,
    ):
        c.get("/login")
        c.get("/login")
    warnings = [r for r in caplog.records if "AVATAR_TRUST_PROXY is off" in r.getMessage()]
    assert len(warnings) == 1
