"""Round 2's medium and low findings over HTTP: F5 tokens and log-outs, F11 huge integers, F12
project deletion, F14 idempotency keys, F15 the API rate, F16 /metrics and Host names, F17 the
busy answer. Each test is the attack the issue reproduced."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import insert

from avatar_core.engines.base import Engine, Plan, RenderRequest, RenderResult, RouteTarget
from avatar_core.infra.models import Generation, utcnow
from tests.conftest import fresh_database_url
from tests.security.conftest import LiveFactory
from tests.security.test_admin_sessions import run_cli
from tests.web.server import PASSWORD, LiveServer, serve, with_admin
from tests.web.test_api import api, generate, user

pytestmark = pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword).*")
COOKIE = "avatar_session"


# ----- F5: API tokens end with every log-out; at most 20 per user -----------------------------
def token_works(live: LiveServer, token: str) -> bool:
    with api(live, token) as c:
        return c.get("/projects").status_code == 200


def test_every_log_out_path_revokes_the_api_tokens(live: LiveServer, monkeypatch: pytest.MonkeyPatch) -> None:
    name = f"tok-{uuid.uuid4().hex[:6]}"
    cookie = live.signup(name)
    uid = live.app.accounts.by_name(name).id
    token = live.app.tokens.create(uid, "ci")[1]
    assert token_works(live, token)
    with live.client(cookies={COOKIE: cookie}) as c:  # the app's "Log out" button
        assert c.post("/logout").status_code == 303
    assert not token_works(live, token)
    monkeypatch.chdir(live.app.settings.data_dir)  # no .env here
    for command in (["users", "revoke", name], ["users", "set-admin", name, "off"]):
        token = live.app.tokens.create(uid, "ci")[1]
        assert run_cli(live, monkeypatch, *command) == 0
        assert not token_works(live, token), command
    token = live.app.tokens.create(uid, "ci")[1]
    args = ["users", "set-password", name, "--password-stdin"]
    assert run_cli(live, monkeypatch, *args, stdin="Another-pass-77\n") == 0
    assert not token_works(live, token)
    assert all(t.revoked for t in live.app.tokens.of_user(uid))  # listed as revoked, not deleted


def test_tokens_per_user_are_capped(live: LiveServer) -> None:
    uid = live.app.accounts.register(f"cap-{uuid.uuid4().hex[:6]}", PASSWORD).id
    made = [live.app.tokens.create(uid, f"t{i}")[0] for i in range(20)]
    with pytest.raises(Exception, match="20 active tokens; revoke one first"):
        live.app.tokens.create(uid, "one too many")
    live.app.tokens.revoke(made[0].id, uid)
    assert live.app.tokens.create(uid, "after a revoke")[1].startswith("avc_")


# ----- F11: huge integers are refused, never a 500 ---------------------------------------------
@pytest.fixture(scope="module")
def api_live(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("round2")
    app = with_admin(tmp, fresh_database_url("sqlite", tmp, sqlite_template, None), api_rate_per_minute=500)
    with serve(app) as live:
        yield live
    app.close()


def test_huge_integers_are_clear_refusals(api_live: LiveServer) -> None:
    import base64

    _uid, token = user(api_live)
    with api(api_live, token) as c:
        made = generate(c, {"prompt": "a cat"}).json()
        cursor = base64.urlsafe_b64encode(f"{utcnow().isoformat()}|{2**63}".encode()).decode().rstrip("=")
        r = c.get("/avatars", params={"cursor": cursor})
        assert r.status_code == 422 and r.json()["error"]["message"] == "That cursor is not valid."
        r = c.patch(f"/avatars/{made['generation_id']}", json={"project_id": 2**63})
        assert r.status_code == 422, r.text
        r = generate(c, {"prompt": "a cat"}, project=2**40)
        assert r.status_code == 404
    owner = api_live.app.accounts.get(_uid)
    page = api_live.app.gallery.page(owner.id, 10**18)  # the Gallery tab's page box
    assert page.items == [] and page.total == 1


# ----- F12: deleting a project with its avatars never stops halfway ----------------------------
def test_deleting_a_project_with_a_failed_generation_in_it(api_live: LiveServer) -> None:
    uid, token = user(api_live)
    with api(api_live, token) as c:
        project = c.post("/projects", json={"name": "Mixed"}).json()["id"]
        done = generate(c, {"prompt": "a cat"}, project=project).json()
        with api_live.app.db.transaction() as session:  # a failed one in the same project
            session.execute(
                insert(Generation).values(
                    user_id=uid, status="failed", model_key="m", model_id="m", seed=1, width=512,
                    height=512, steps=1, guidance_scale=1.0, price=8, project_id=project,
                    created_at=utcnow(),
                )
            )  # fmt: skip
        assert c.delete(f"/projects/{project}", params={"with_avatars": "true"}).status_code == 204
        assert c.get(f"/avatars/{done['generation_id']}").status_code == 404
        assert [p["name"] for p in c.get("/projects").json()] == ["My avatars"]


# ----- F14: an Idempotency-Key reused with another body ----------------------------------------
def test_an_idempotency_key_reused_for_another_request_is_refused(api_live: LiveServer) -> None:
    uid, token = user(api_live)
    with api(api_live, token) as c:
        first = generate(c, {"prompt": "a cat"}, headers={"Idempotency-Key": "k-1"})
        again = generate(c, {"prompt": "a cat"}, headers={"Idempotency-Key": "k-1"})
        other = generate(c, {"prompt": "a dog"}, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 201 and again.json()["generation_id"] == first.json()["generation_id"]
    assert other.status_code == 422 and "different request" in other.json()["error"]["message"]
    assert api_live.app.accounts.get(uid).balance == 100 - 8  # one charge


# ----- F15: the rate is per user, and guesses are limited per address ---------------------------
def test_the_api_rate_is_per_user_and_unknown_tokens_are_limited(live_factory: LiveFactory) -> None:
    live = live_factory(api_rate_per_minute=5)
    uid, first = user(live)
    second = live.app.tokens.create(uid, "second")[1]
    codes = []
    for token in (first, second) * 4:  # 8 calls, 4 with each token: one rate for the user
        with api(live, token) as c:
            codes.append(c.get("/projects").status_code)
    assert codes.count(200) == 5 and codes.count(429) == 3
    with httpx.Client(base_url=live.url + "/api/v1", headers={"X-Forwarded-For": "198.51.100.4"}) as c:
        guesses = [
            c.get("/projects", headers={"Authorization": f"Bearer avc_{i}"}).status_code for i in range(7)
        ]
    assert guesses == [401] * 5 + [429] * 2
    with httpx.Client(base_url=live.url + "/api/v1", headers={"X-Forwarded-For": "198.51.100.5"}) as c:
        assert c.get("/projects").status_code == 401  # another address has its own count


# ----- F16: /metrics behind any proxy, and Host names ------------------------------------------
def test_metrics_are_not_loopback_behind_a_proxy_and_unknown_hosts_are_refused(api_live: LiveServer) -> None:
    for header in ("X-Real-IP", "Forwarded", "X-Forwarded-Proto", "Via"):
        r = httpx.get(api_live.url + "/metrics", headers={header: "for=203.0.113.9"})
        assert r.status_code == 404, header
    assert httpx.get(api_live.url + "/metrics").status_code == 200  # a direct loopback scrape
    rebound = {"Host": "attacker.example:7860", "Origin": "http://attacker.example:7860"}
    r = httpx.post(api_live.url + "/login", headers=rebound, data={"username": "x", "password": "y"})
    assert r.status_code == 400 and "AVATAR_ALLOWED_HOSTS" in r.text
    assert httpx.get(api_live.url + "/healthz", headers={"Host": "localhost:1"}).status_code == 200


def test_configured_hosts_are_served(live_factory: LiveFactory) -> None:
    live = live_factory(allowed_hosts=(".example.org",))
    assert httpx.get(live.url + "/healthz", headers={"Host": "app.example.org"}).status_code == 200
    assert httpx.get(live.url + "/healthz", headers={"Host": "example.org.evil"}).status_code == 400


# ----- F17: "already N running" is a 429 on the API ---------------------------------------------
class HeldEngine(Engine):
    """Implements `Engine`: each render waits until the test releases it."""

    name = "held"
    offline = True

    def __init__(self) -> None:
        self.release = threading.Event()

    def plan(self, target: RouteTarget) -> Plan:
        return Plan("held", "held", target.width, target.height)

    def render(self, request: RenderRequest, *, deadline: float) -> RenderResult:
        from PIL import Image

        self.release.wait(20)
        return RenderResult(Image.new("RGB", (64, 64)), "held", request.model_id)


def test_too_many_running_is_429_on_the_api(tmp_path: Path, sqlite_template: Path) -> None:
    engine = HeldEngine()
    app = with_admin(
        tmp_path,
        fresh_database_url("sqlite", tmp_path, sqlite_template, None),
        engine,
        user_concurrency=1,
        user_queue=1,
    )
    try:
        with serve(app) as live:
            _uid, token = user(live)
            with api(live, token) as c:
                busy = threading.Thread(target=lambda: generate(c, {"prompt": "one"}))
                busy.start()
                deadline = time.monotonic() + 10
                while not app.generations.in_progress(_uid) and time.monotonic() < deadline:
                    time.sleep(0.05)  # the first generation is queued or running
                with api(live, token) as c2:
                    r = generate(c2, {"prompt": "two"})
                engine.release.set()
                busy.join(20)
        assert r.status_code == 429 and r.headers["retry-after"] == "5"
        assert (
            r.json()["error"]["code"] == "too_busy" and "Nothing was charged" in r.json()["error"]["message"]
        )
    finally:
        app.close()
