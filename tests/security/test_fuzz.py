"""Hypothesis over the forms and the API of a launched app: never a 500, nothing charged unless
an avatar was made (and then exactly its price)."""

from __future__ import annotations

import uuid
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.security.test_input import call
from tests.web.server import ADMIN_USERNAME, LiveServer

COOKIE = "avatar_session"
FAST = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
TEXT = st.text(st.characters(codec="utf-8"), max_size=80) | st.sampled_from(
    ["", " ", "admin", "a" * 300, "x\x00y", "../../etc/passwd", "![](/logout)", "<script>"]
)
PROMPT = TEXT | st.sampled_from(["fox \ud800 in snow", "\udfff", "**x** ![](https://e.test/i.png)"])
pytestmark = pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword).*")


@FAST
@given(kind=st.sampled_from(["login", "signup"]), username=TEXT, password=TEXT, confirm=TEXT, invite=TEXT)
def test_forms_never_500(
    live: LiveServer, kind: str, username: str, password: str, confirm: str, invite: str
) -> None:
    with live.client() as c:
        r = c.post(
            f"/{kind}",
            data={"username": username, "password": password, "confirm": confirm, "invite": invite},
        )
    assert r.status_code in (303, 400, 429), (r.status_code, r.text[:200])


@FAST
@example(avatar_id="99999999999999999999999", kind="image.png")  # found by the attack in #9
@given(
    avatar_id=st.integers(min_value=-(2**70), max_value=2**70).map(str) | TEXT,
    kind=st.sampled_from(["image.png", "thumb.webp", "download.png", "x"]),
)
def test_image_route_never_500(live: LiveServer, player: tuple[str, str], avatar_id: str, kind: str) -> None:
    with live.client(cookies={COOKIE: player[1]}) as c:
        r = c.get(f"/avatars/{quote(avatar_id, safe='')}/{kind}")
    assert r.status_code in (404, 422), (avatar_id, r.status_code)  # 422: not a number at all


@pytest.fixture(scope="module")
def player(live: LiveServer) -> tuple[str, str]:
    name = f"fuzz-{uuid.uuid4().hex[:6]}"
    cookie = live.signup(name)
    live.app.accounts.set_tier(name, "pro")
    return name, cookie


@settings(FAST, max_examples=20)
@example(prompt="fox \ud800 in snow", preset="", model="auto", seed=None)  # found by #9's attack
@given(
    prompt=PROMPT,
    preset=st.sampled_from(["", "nope", "\x00"]) | TEXT,
    model=st.sampled_from(["auto", "", "avatar-creator:flux-dev-base", "zzz"]) | TEXT,
    seed=st.none() | st.integers(-10, 2**40) | st.floats(-5, 1e12, allow_nan=False),
)
def test_generate_charges_only_for_an_avatar(
    live: LiveServer, player: tuple[str, str], prompt: str, preset: str, model: str, seed: float | None
) -> None:
    name, cookie = player
    user = live.app.accounts.by_name(name)
    if user.balance < 50:  # keep the balance high enough for any model
        admin = live.app.accounts.by_name(ADMIN_USERNAME)
        live.app.admin.adjust_credits(admin, name, 500, "fuzz top-up")
        user = live.app.accounts.by_name(name)
    messages = call(live, cookie, "generate", [prompt, preset, model, False, False, False, seed])
    last = messages[-1]
    assert last.get("msg") == "process_completed", messages[-2:]
    after = live.app.accounts.by_name(name).balance
    if last.get("success"):
        result = last["output"]["data"][3]
        assert result["status"] in ("completed", "failed")
        assert after == user.balance - result["credits_charged"]
    else:
        assert after == user.balance, last
        assert "went wrong on our side" not in str(last), last  # a clear message, not a crash


NUMBER = (
    st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.none()
    | st.sampled_from([1.5, 0.5, -0.0, 2.0, 10**7])
)


@settings(FAST, max_examples=60)
@given(amount=NUMBER, price=NUMBER, uses=NUMBER, extra=NUMBER)
def test_admin_numbers_are_whole_or_refused(
    live: LiveServer, amount: object, price: object, uses: object, extra: object
) -> None:
    import gradio as gr

    from avatar_core.web.handlers import Handlers
    from avatar_core.web.invite_handlers import InviteHandlers

    app = live.app
    admin = gr.Request(username=str(app.accounts.by_name(ADMIN_USERNAME).id))
    h = Handlers(app)
    target = app.accounts.by_name(ADMIN_USERNAME)
    before = target.balance
    try:
        h.admin_grant_credits(ADMIN_USERNAME, amount, "fuzz", admin)  # type: ignore[arg-type]
        assert isinstance(amount, (int, float)) and amount == int(amount) > 0
        assert app.accounts.get(target.id).balance == before + int(amount)
    except gr.Error:
        assert app.accounts.get(target.id).balance == before
    key = "avatar-creator:flux-dev-base"
    cost = next(m.credit_cost for m in app.catalog.models() if m.model_key == key)
    try:
        h.admin_update_model(key, True, price, admin)  # type: ignore[arg-type]
        assert isinstance(price, (int, float)) and price == int(price)
        app.catalog.update(key, True, cost)  # put the price back for the other tests
    except gr.Error:
        assert next(m.credit_cost for m in app.catalog.models() if m.model_key == key) == cost
    count = len(app.invites.list())
    try:
        InviteHandlers(h).create(uses, extra, admin)  # type: ignore[arg-type]
        assert isinstance(uses, (int, float)) and uses == int(uses) >= 1
    except gr.Error:
        assert len(app.invites.list()) == count
