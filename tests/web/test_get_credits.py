"""#23 item 7 in the UI handlers and the REST API: locked models listed with the tier that opens
them (and refused), the "Get credits" section (shop link only when configured, codes, top-up)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import gradio as gr
import pytest
from fastapi.testclient import TestClient

from avatar_core.bootstrap import App
from avatar_core.config import load_settings
from avatar_core.config_credits import CreditSettings
from avatar_core.domain.errors import ConfigError
from avatar_core.services import credits
from avatar_core.services.actors import OPERATOR
from avatar_core.services.auth import UserInfo
from avatar_core.web.api import build_api
from avatar_core.web.handlers import AUTO, Handlers
from avatar_core.web.handlers.credits import CreditHandlers
from tests.conftest import make_app

PASSWORD = "correct-horse-7"
HD = "avatar-creator:flux-dev-hd-realism"
SHOP = "https://shop.example.com/credits"


def as_user(user: UserInfo) -> gr.Request:
    return gr.Request(username=str(user.id))


@pytest.fixture
def app(tmp_path: Path, sqlite_url: str) -> Iterator[App]:
    instance = make_app(tmp_path, sqlite_url)
    yield instance
    instance.close()


@pytest.fixture
def shop_app(tmp_path: Path, sqlite_url: str) -> Iterator[App]:
    instance = make_app(
        tmp_path, sqlite_url, credits=CreditSettings(shop_url=SHOP, monthly_topup={"free": 20})
    )
    yield instance
    instance.close()


def broke(app: App, name: str = "alice", tier: str = "free") -> UserInfo:
    """A user with 0 credits."""
    user = app.accounts.register(name, PASSWORD, tier=tier)
    with app.db.transaction() as session:
        credits.adjust(session, user.id, -user.balance, actor_id=None, reason="test", key="zero")
    return app.accounts.get(user.id)


def test_locked_models_are_listed_after_the_usable_ones_with_the_tier_that_opens_them(app: App) -> None:
    alice = app.accounts.register("alice", PASSWORD)
    _greeting, models, locked, _quote, _admin = Handlers(app).on_load(as_user(alice))
    choices = models["choices"]
    assert choices[:2] == [
        ("Auto (recommended)", AUTO),
        ("FLUX.1-dev Base · 8 credits", "avatar-creator:flux-dev-base"),
    ]
    assert ("FLUX.1-dev HD + Realism LoRA · locked: pro tier", HD) in choices[2:]
    assert ("FLUX.1-dev + Realism LoRA · locked: basic tier", "avatar-creator:flux-dev-realism") in choices[
        2:
    ]
    assert all(" · locked: " in label for label, _ in choices[2:])
    assert not any("Kontext" in label for label, _ in choices)  # "From my photo" has its own switch
    assert "FLUX.1-dev HD + Realism LoRA (pro)" in locked and "marked “locked”" in locked
    boss = app.accounts.register("boss", PASSWORD, tier="enterprise")
    assert not any("locked" in label for label, _ in Handlers(app).on_load(as_user(boss))[1]["choices"])


def test_a_locked_choice_is_quoted_with_its_tier_and_refused_without_a_charge(app: App) -> None:
    alice = app.accounts.register("alice", PASSWORD)
    h = Handlers(app)
    quote = h.quote(HD, None, False, False, False, request=as_user(alice))
    assert "needs the pro tier or higher; your tier is free" in quote.replace(
        "\\", ""
    )  # as shown: app.js gates on it
    with pytest.raises(gr.Error, match="needs the pro tier"):
        h.generate(prompt="a portrait", model=HD, request=as_user(alice))
    assert app.accounts.get(alice.id).balance == 24


def test_app_js_blocks_generate_on_the_locked_and_the_short_wording() -> None:
    import re

    from avatar_core.web.ui.common import ASSETS

    source = (ASSETS / "app.js").read_text()
    pattern = re.search(r"const SHORT = /(.+)/i;", source)
    assert pattern is not None
    short = re.compile(pattern.group(1), re.I)
    assert short.search("FLUX.1-dev HD + Realism LoRA needs the pro tier or higher; your tier is free.")
    assert short.search("8 credits · Balance: 0 credits — not enough credits (see “Get credits” above)")
    assert not short.search("Why: Prefer realism can't apply (needs the basic tier (yours is free))")


def test_the_shop_link_is_shown_only_when_configured(app: App, shop_app: App) -> None:
    for instance, shown in ((app, False), (shop_app, True)):
        user = broke(instance, f"user{int(shown)}")
        ways, section = CreditHandlers(instance).credits_view(as_user(user))
        assert (SHOP in ways) is shown and ("[the shop]" in ways) is shown
        assert ("ask this server's operator" in ways) is not shown
        assert section["open"] is True or shown  # opened: 0 credits pay for nothing
        note = Handlers(instance).on_load(as_user(instance.accounts.get(user.id)))[2]
        assert (SHOP in note) is shown


def test_the_short_quote_points_to_get_credits_and_the_section_opens(app: App) -> None:
    alice = broke(app)
    quote = Handlers(app).quote(AUTO, None, False, False, False, request=as_user(alice))
    assert "not enough credits (see “Get credits” above)" in quote
    ways, section = CreditHandlers(app).credits_view(as_user(alice))
    assert section["open"] is True and "Have a code?" in ways and "Monthly top-up" not in ways
    rich = app.accounts.register("rich", PASSWORD)
    assert CreditHandlers(app).credits_view(as_user(rich))[1]["open"] is False


def test_a_page_load_tops_a_free_user_up_and_the_section_says_until_when(shop_app: App) -> None:
    alice = broke(shop_app)
    greeting = Handlers(shop_app).on_load(as_user(alice))[0]
    assert "**20** credits" in greeting
    ways, section = CreditHandlers(shop_app).credits_view(as_user(alice))
    assert "Monthly top-up" in ways and "+20, until" in ways and section["open"] is False


def test_redeeming_a_code_in_the_section(app: App) -> None:
    alice = broke(app)
    code = app.codes.create(OPERATOR, 10, uses=2).code
    assert code
    h = CreditHandlers(app)
    message, box, ways = h.redeem(code.lower(), as_user(alice))
    assert "+10 credits" in message and "Balance: **10** credits" in message and box == ""
    assert "You have **10** credits" in ways
    message, box, _ = h.redeem(code, as_user(alice))
    assert "already redeemed" in message and "nothing changed" in message
    message, box, _ = h.redeem("NOPE-NOPE", as_user(alice))
    assert "not valid" in message and box == "NOPE-NOPE"  # what was typed stays, to correct it
    assert app.accounts.get(alice.id).balance == 10
    with pytest.raises(gr.Error):
        h.redeem(code, gr.Request())  # no session


def client(app: App, user: UserInfo) -> TestClient:
    token = app.tokens.create(user.id, "t")[1]
    return TestClient(build_api(app), headers={"Authorization": f"Bearer {token}"})


def test_the_api_redeems_with_the_new_balance_and_errors_in_the_api_shape(shop_app: App) -> None:
    alice = broke(shop_app)
    api = client(shop_app, alice)
    seen = api.get("/v1/credits").json()
    assert seen["balance"] == 20 and seen["shop_url"] == SHOP  # the month's top-up applied
    assert seen["monthly_topup"] == {
        "credits": 20,
        "this_month": 20,
        "expires_at": seen["monthly_topup"]["expires_at"],
    }
    assert seen["monthly_topup"]["expires_at"].endswith("-01T00:00:00Z")
    code = shop_app.codes.create(OPERATOR, 15, uses=1).code
    r = api.post("/v1/credits/redeem", json={"code": code})
    assert r.status_code == 200 and r.json() == {"credits": 15, "balance": 35, "already_redeemed": False}
    assert api.post("/v1/credits/redeem", json={"code": code}).json()["already_redeemed"] is True
    bob = broke(shop_app, "bob")
    r = client(shop_app, bob).post("/v1/credits/redeem", json={"code": code})
    assert r.status_code == 422 and r.json()["error"]["code"] == "code_used_up"
    r = api.post("/v1/credits/redeem", json={"code": "x" * 201})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid"
    r = api.post("/v1/credits/redeem", json={"code": "WRONG-CODE", "user_id": bob.id})
    assert r.status_code == 422  # no other field (another user's id) is accepted


def test_only_admins_create_codes_through_the_api(app: App) -> None:
    alice = app.accounts.register("alice", PASSWORD)
    r = client(app, alice).post("/v1/admin/credit-codes", json={"credits": 100})
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert client(app, alice).get("/v1/admin/credit-codes").status_code == 403
    boss = app.accounts.ensure_admin("boss", "a-long-admin-password-1")
    api = client(app, boss)
    for body in (
        {"credits": -5},
        {"credits": 0},
        {"credits": 10**9},
        {"credits": "5"},
        {"credits": 5, "uses": 0},
    ):
        r = api.post("/v1/admin/credit-codes", json=body)
        assert r.status_code == 422, body
    r = api.post("/v1/admin/credit-codes", json={"credits": 50, "uses": 2, "note": "launch"})
    assert r.status_code == 201 and r.json()["code"] and r.json()["state"] == "unused"
    listed = api.get("/v1/admin/credit-codes").json()
    assert len(listed) == 1 and "code" not in listed[0]
    revoked = api.post(f"/v1/admin/credit-codes/{listed[0]['id']}/revoke").json()
    assert revoked["state"] == "revoked" and revoked["revoked_at"].endswith("Z")
    assert api.post("/v1/admin/credit-codes/99999999999/revoke").status_code == 404


@pytest.mark.parametrize(
    "env, expected",
    [
        ({}, CreditSettings()),
        ({"AVATAR_SHOP_URL": SHOP}, CreditSettings(shop_url=SHOP)),
        ({"AVATAR_MONTHLY_TOPUP": "0"}, CreditSettings()),
        (
            {"AVATAR_MONTHLY_TOPUP": "free=20,basic=10"},
            CreditSettings(monthly_topup={"free": 20, "basic": 10}),
        ),
    ],
)
def test_settings(env: dict[str, str], expected: CreditSettings) -> None:
    assert load_settings(env, None).credits == expected


@pytest.mark.parametrize(
    "env",
    [
        {"AVATAR_SHOP_URL": "javascript:alert(1)"},
        {"AVATAR_SHOP_URL": "https://shop.example.com/x)[y](z"},
        {"AVATAR_SHOP_URL": "ftp://shop.example.com"},
        {"AVATAR_MONTHLY_TOPUP": "-5"},
        {"AVATAR_MONTHLY_TOPUP": "gold=5"},
        {"AVATAR_MONTHLY_TOPUP": "100001"},
        {"AVATAR_MONTHLY_TOPUP": "²"},
    ],
)
def test_bad_settings_are_refused(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        load_settings(env, None)


def test_an_api_only_user_gets_the_months_top_up_when_generating(shop_app: App) -> None:
    """#23 item 7's gap: the top-up came only with a page load or GET /v1/credits."""
    carl = broke(shop_app, "carl")
    api = client(shop_app, carl)
    project = api.get("/v1/projects").json()[0]["id"]
    r = api.post(
        f"/v1/projects/{project}/avatars/generate", json={"prompt": "a cat"}, headers={"Prefer": "wait=30"}
    )
    assert r.status_code == 201, r.text  # 0 credits before: the top-up (20) paid for it
    assert shop_app.topup.this_month(carl.id) == 20
    assert shop_app.accounts.get(carl.id).balance == 20 - r.json()["credits_charged"]
