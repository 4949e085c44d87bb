"""Finding 5: sign-ups limited per address and globally (in the database), modes and invites."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from avatar_core.models import LedgerEntry
from tests.security.conftest import LiveFactory
from tests.web.server import PASSWORD, LiveServer


def name() -> str:
    return f"s-{uuid.uuid4().hex[:8]}"


def signup(live: LiveServer, address: str, invite: str = "", username: str = ""):  # type: ignore[no-untyped-def]
    with live.client(headers={"X-Forwarded-For": address}) as c:
        return c.post("/signup", data={"username": username or name(), "password": PASSWORD,
                                       "confirm": PASSWORD, "invite": invite})  # fmt: skip


def test_signups_per_address_and_globally_per_hour(live_factory: LiveFactory) -> None:
    live = live_factory(signup_per_hour=5, signup_global_per_hour=7)
    codes = [signup(live, "203.0.113.9").status_code for _ in range(7)]
    assert codes == [303] * 5 + [429] * 2, codes
    assert "Too many new accounts from your network" in signup(live, "203.0.113.9").text
    assert signup(live, "2001:db8:9:9::1").status_code == 303  # another address is fine
    assert signup(live, "2001:db8:9:9::2").status_code == 303
    r = signup(live, "2001:db8:9:9::3")  # the global cap (7) is reached
    assert r.status_code == 429 and "Too many new accounts right now" in r.text


def test_closed_and_invite_modes(live_factory: LiveFactory) -> None:
    closed = live_factory(signup_mode="closed")
    with closed.client() as c:
        assert "Sign-up is closed" in c.get("/signup").text
        assert "Create an account" not in c.get("/login").text
        r = c.post("/signup", data={"username": name(), "password": PASSWORD})
        assert r.status_code == 403 and "avatar_session" not in r.cookies
    live = live_factory(signup_mode="invite")
    assert 'name="invite"' in live.client().get("/signup").text
    assert signup(live, "10.0.0.1").status_code == 400  # no code
    assert signup(live, "10.0.0.1", invite="made-up").status_code == 400
    invite = live.app.invites.create(uses=2, credit_amount=50)
    assert invite.code
    first, second = name(), name()
    assert signup(live, "10.0.0.1", invite.code, first).status_code == 303
    assert signup(live, "10.0.0.2", invite.code, second).status_code == 303
    assert signup(live, "10.0.0.3", invite.code).status_code == 400  # used up
    user = live.app.accounts.by_name(first)
    assert user.balance == 24 + 50
    with live.app.db.read() as session:
        keys = list(session.scalars(select(LedgerEntry.idempotency_key)
                                    .where(LedgerEntry.user_id == user.id)))  # fmt: skip
    assert sorted(keys) == [f"invite:{invite.id}", "welcome"]
    other = live.app.invites.create()
    live.app.invites.revoke(other.id)
    assert signup(live, "10.0.0.4", other.code or "").status_code == 400
    listed = {i.id: i for i in live.app.invites.list()}
    assert listed[invite.id].uses == 2 and listed[other.id].revoked
