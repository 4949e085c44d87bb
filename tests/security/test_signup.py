"""Finding 5: sign-ups limited per address and globally (in the database), modes, invites (the
Admin tab and the CLI)."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from sqlalchemy import select

from avatar_core.infra.models import LedgerEntry
from tests.security.conftest import LiveFactory
from tests.web.server import ADMIN_PASSWORD, ADMIN_USERNAME, PASSWORD, LiveServer

pytestmark = pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword).*")


def name() -> str:
    return f"s-{uuid.uuid4().hex[:8]}"


def signup(live: LiveServer, address: str, invite: str = "", username: str = "") -> httpx.Response:
    with live.client(headers={"X-Forwarded-For": address}) as c:
        return c.post(
            "/signup",
            data={
                "username": username or name(),
                "password": PASSWORD,
                "confirm": PASSWORD,
                "invite": invite,
            },
        )


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
        keys = list(
            session.scalars(select(LedgerEntry.idempotency_key).where(LedgerEntry.user_id == user.id))
        )
    assert sorted(keys) == [f"invite:{invite.id}", "welcome"]
    other = live.app.invites.create()
    live.app.invites.revoke(other.id)
    assert signup(live, "10.0.0.4", other.code or "").status_code == 400
    listed = {i.id: i for i in live.app.invites.list()}
    assert listed[invite.id].uses == 2 and listed[other.id].revoked


def test_invites_from_the_admin_tab_and_the_cli(
    live: LiveServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from avatar_core.cli.main import main
    from tests.security.test_input import call

    admin = live.login(ADMIN_USERNAME, ADMIN_PASSWORD)
    out = call(live, admin, "admin_create_invite", [3, 5])[-1]
    assert out.get("success"), out
    assert re.search(r"Invite #\d+: `[\w-]{16}`", out["output"]["data"][0])
    nobody = live.signup(name())
    refused = call(live, nobody, "admin_create_invite", [3, 5])[-1]
    assert not refused.get("success") and "Only admins" in str(refused)
    fraction = call(live, admin, "admin_create_invite", [1.5, 0])[-1]
    assert not fraction.get("success") and "whole numbers" in str(fraction)

    monkeypatch.chdir(live.app.settings.data_dir)  # no .env here
    monkeypatch.setenv("DATABASE_URL", live.app.settings.database_url)
    capsys.readouterr()
    assert main(["invites", "create", "--uses", "2", "--credits", "7"]) == 0
    code = capsys.readouterr().out.strip()
    assert main(["invites", "list"]) == 0
    listing = capsys.readouterr().out
    assert f"{code[:4]}…" in listing and code not in listing  # only a hint is kept
    invite_id = max(i.id for i in live.app.invites.list())
    assert main(["invites", "revoke", str(invite_id)]) == 0
    assert main(["invites", "create", "--uses", "0"]) == 1  # bad input: a clear error
    assert signup(live, "10.7.0.1", code).status_code == 400  # revoked
