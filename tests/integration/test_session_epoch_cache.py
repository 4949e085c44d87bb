"""Session epochs are remembered briefly: a local logout counts at once, a remote one within the TTL."""

from __future__ import annotations

from avatar_core.bootstrap import App
from avatar_core.services.auth import EPOCH_TTL, Accounts
from tests.conftest import CHEAP_HASHER


def test_epoch_cache(app: App) -> None:
    now = [1000.0]
    here = Accounts(app.db, CHEAP_HASHER, 0, clock=lambda: now[0])
    user = here.register("epochs", "a-long-secret-9")
    other_replica = Accounts(app.db, CHEAP_HASHER, 0, clock=lambda: now[0])
    assert here.session_epoch(user.id) == 0

    here.end_sessions(user.id)  # here: seen at once
    assert here.session_epoch(user.id) == 1

    assert other_replica.session_epoch(user.id) == 1
    here.end_sessions(user.id)  # elsewhere: seen once the remembered value expires
    assert other_replica.session_epoch(user.id) == 1
    now[0] += EPOCH_TTL
    assert other_replica.session_epoch(user.id) == 2
    assert here.session_epoch(10_000_000) is None
