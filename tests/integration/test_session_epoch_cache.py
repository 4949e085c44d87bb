"""Session epochs are remembered briefly: a local logout counts at once, a remote one within the TTL."""

from __future__ import annotations

import pytest

from avatar_core.bootstrap import App
from avatar_core.services import auth
from avatar_core.services.auth import Accounts
from tests.conftest import CHEAP_HASHER


def test_epoch_cache(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(auth.time, "monotonic", lambda: now[0])
    user = app.accounts.register("epochs", "a-long-secret-9")
    other_replica = Accounts(app.db, CHEAP_HASHER, 0)
    assert app.accounts.session_epoch(user.id) == 0

    app.accounts.end_sessions(user.id)  # here: seen at once
    assert app.accounts.session_epoch(user.id) == 1

    assert other_replica.session_epoch(user.id) == 1
    app.accounts.end_sessions(user.id)  # elsewhere: seen once the remembered value expires
    assert other_replica.session_epoch(user.id) == 1
    now[0] += auth.EPOCH_TTL
    assert other_replica.session_epoch(user.id) == 2
    assert app.accounts.session_epoch(10_000_000) is None
