"""The REST API over HTTP against a launched app (offline engine, plus a failing prompt)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import insert

from avatar_core.engines.base import Engine, EngineError, Plan, RenderRequest, RenderResult, RouteTarget
from avatar_core.engines.offline.engine import LocalEngine
from avatar_core.infra.models import Generation, LedgerEntry, utcnow
from avatar_core.services import credits
from tests.conftest import fresh_database_url
from tests.web.server import LiveServer, serve, with_admin

pytestmark = pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword).*")


class FailingPrompts(Engine):
    """Implements `Engine`: the offline one, except that prompts with "FAIL" fail like a provider."""

    name = "local"
    offline = True

    def __init__(self) -> None:
        self.inner = LocalEngine()

    def plan(self, target: RouteTarget) -> Plan:
        return self.inner.plan(target)

    def render(self, request: RenderRequest, *, deadline: float) -> RenderResult:
        if "FAIL" in request.prompt:
            raise EngineError("The image service is not available right now.", kind="unavailable")
        return self.inner.render(request, deadline=deadline)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[LiveServer]:
    tmp_path = tmp_path_factory.mktemp("api")
    app = with_admin(
        tmp_path,
        fresh_database_url("sqlite", tmp_path, sqlite_template, None),
        engine_impl=FailingPrompts(),
        api_rate_per_minute=200,
    )
    try:
        with serve(app) as server:
            yield server
    finally:
        app.close()


def user(live: LiveServer, tier: str = "free", total: int = 100) -> tuple[int, str]:
    """A new user with `total` credits and a token: (user id, token)."""
    app = live.app
    info = app.accounts.register(f"api-{uuid.uuid4().hex[:8]}", "correct-horse-7", tier=tier)
    with app.db.transaction() as session:
        credits.adjust(session, info.id, total - info.balance, actor_id=info.id, key="t", reason="t")
    return info.id, app.tokens.create(info.id, "test")[1]


def api(live: LiveServer, token: str | None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=live.url + "/api/v1", headers=headers, timeout=30)


def generate(client: httpx.Client, body: dict[str, Any], project: int = 0, **kw: Any) -> httpx.Response:
    if not project:
        project = client.get("/projects").json()[0]["id"]
    headers = {"Prefer": "wait=60", **kw.pop("headers", {})}  # the avatar itself, not the job
    return client.post(f"/projects/{project}/avatars/generate", json=body, headers=headers, **kw)


# ---- tokens ---------------------------------------------------------------------------------


def test_tokens_and_cookies_never_cross(live: LiveServer) -> None:
    uid, token = user(live)
    with api(live, token) as c:
        me = c.get("/me").json()
    assert me["tier"] == "free" and me["balance"] == 100
    with api(live, "avc_wrong") as c:
        wrong = c.get("/me")
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_token"
    name = live.app.accounts.get(uid).username
    cookie = live.login(name, "correct-horse-7")
    with httpx.Client(base_url=live.url + "/api/v1", cookies={"avatar_session": cookie}) as c:
        with_cookie = c.get("/me")
    assert with_cookie.status_code == 401  # the session cookie never works on the API
    with live.client() as c:
        page = c.get("/", headers={"Authorization": f"Bearer {token}"})
    assert page.status_code == 303 and page.headers["location"] == "/login"  # nor tokens on pages
    view = live.app.tokens.of_user(uid)[0]
    assert view.last_used_at is not None and view.prefix == token[:10]
    live.app.tokens.revoke(view.id)
    with api(live, token) as c:
        assert c.get("/me").status_code == 401


# ---- the design's three calls ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("tier", "body", "model", "credits_", "size"),
    [
        ("free", {"prompt": "a smiling astronaut", "name": "Astro"}, "avatar-creator:flux-dev-base", 8, 512),
        (
            "basic",
            {"prompt": "a smiling astronaut", "name": "Astro", "width": 768, "height": 768},
            "avatar-creator:flux-dev-realism",
            12,
            768,
        ),
        (
            "pro",
            {"prompt": "a smiling astronaut", "name": "Astro", "width": 1024, "height": 1024},
            "avatar-creator:flux-dev-hd-realism",
            15,
            1024,
        ),
    ],
)
def test_the_designs_three_calls(
    live: LiveServer, tier: str, body: dict[str, Any], model: str, credits_: int, size: int
) -> None:
    _, token = user(live, tier, 50)
    with api(live, token) as c:
        r = generate(c, body)
        out = r.json()
        assert r.status_code == 201, out
        assert (out["model_key"], out["credits_charged"], out["width"], out["height"]) == (
            model,
            credits_,
            size,
            size,
        )
        assert (out["name"], out["balance"], out["status"]) == ("Astro", 50 - credits_, "completed")
        image = c.get(out["image_url"].removeprefix("/api/v1"))
        assert image.status_code == 200 and image.content.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("tier", "total", "body", "status", "code"),
    [
        ("free", 5, {"prompt": "x"}, 402, "insufficient_credits"),
        ("free", 50, {"prompt": "x", "model": "avatar-creator:flux-dev-hd-realism"}, 403, "tier"),
        ("free", 50, {"prompt": ""}, 422, "invalid"),
        ("free", 50, {"prompt": "x", "width": 99999}, 422, "invalid"),
        ("free", 50, {"prompt": "x", "colour": "red"}, 422, "invalid"),
        ("free", 50, {"prompt": "x", "seed": -1}, 422, "invalid"),
        ("free", 50, {"prompt": "please FAIL"}, 502, "generation_failed"),
    ],
)
def test_errors_cost_nothing(
    live: LiveServer, tier: str, total: int, body: dict[str, Any], status: int, code: str
) -> None:
    uid, token = user(live, tier, total)
    with api(live, token) as c:
        r = generate(c, body)
    assert (r.status_code, r.json()["error"]["code"]) == (status, code), r.text
    assert r.json()["error"]["message"] and "Traceback" not in r.text
    assert live.app.accounts.get(uid).balance == total  # refused, or refunded on 502


def test_retries_with_one_idempotency_key_charge_once(live: LiveServer) -> None:
    uid, token = user(live, "free", 100)
    results: list[httpx.Response] = []
    with api(live, token) as c:
        project = c.get("/projects").json()[0]["id"]

        def call() -> None:
            with api(live, token) as own:
                results.append(
                    generate(
                        own, {"prompt": "a lighthouse"}, project, headers={"Idempotency-Key": "order-42"}
                    )
                )

        threads = [threading.Thread(target=call) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted({r.status_code for r in results}) == [201]
    assert len({r.json()["generation_id"] for r in results}) == 1
    assert live.app.accounts.get(uid).balance == 92
    with live.app.db.read() as session:
        reserves = session.query(LedgerEntry).filter_by(user_id=uid, type="reserve").count()
    assert reserves == 1


# ---- projects, names, avatars ---------------------------------------------------------------


def test_projects_names_and_avatars(live: LiveServer) -> None:
    uid, token = user(live, "free", 100)
    other_uid, other = user(live, "free", 100)
    with api(live, token) as c:
        [mine] = c.get("/projects").json()
        assert mine["name"] == "My avatars"
        team = c.post("/projects", json={"name": "Team"}).json()
        assert c.post("/projects", json={"name": "Team"}).status_code == 422
        made = generate(c, {"preset": "yoga-instructor"}, team["id"]).json()
        assert (made["name"], made["project_id"]) == ("Yoga Instructor", team["id"])
        moved = c.patch(
            f"/avatars/{made['generation_id']}",
            json={"project_id": mine["id"], "name": "Me, calm", "favourite": True},
        ).json()
        assert (moved["project_id"], moved["name"], moved["favourite"]) == (mine["id"], "Me, calm", True)
        assert c.patch(f"/projects/{team['id']}", json={"name": "Crew"}).json()["name"] == "Crew"
        assert c.delete(f"/projects/{mine['id']}").status_code == 422  # "My avatars" stays
        listed = c.get("/avatars", params={"project": mine["id"]}).json()
        assert [a["id"] for a in listed["items"]] == [made["generation_id"]]
    with api(live, other) as o:
        for path in (
            f"/avatars/{made['generation_id']}",
            f"/avatars/{made['generation_id']}/image",
            f"/projects/{team['id']}",
        ):
            r = o.get(path) if "projects" not in path else o.patch(path, json={"name": "x"})
            assert r.status_code == 404
        assert o.get("/avatars/99999999999999999999").status_code in (404, 422)
    with api(live, token) as c:
        assert c.delete(f"/avatars/{made['generation_id']}").status_code == 204
        assert c.get(f"/avatars/{made['generation_id']}").status_code == 404
        assert c.delete(f"/projects/{team['id']}").status_code == 204
    assert other_uid != uid


def test_keyset_paging_over_10000_avatars(live: LiveServer) -> None:
    uid, token = user(live, "free", 0)
    start = utcnow()
    rows = [
        dict(
            user_id=uid,
            status="completed",
            model_key="k",
            model_id="m",
            seed=i,
            width=512,
            height=512,
            steps=1,
            guidance_scale=0.0,
            price=0,
            name=f"#{i}",
            created_at=start.replace(microsecond=0) if i % 7 == 0 else utcnow(),
        )
        for i in range(10_000)
    ]
    with live.app.db.transaction() as session:
        session.execute(insert(Generation), rows)
    seen: list[int] = []
    cursor, pages = None, 0
    with api(live, token) as c:
        while True:
            page = c.get("/avatars", params={"limit": 100, **({"cursor": cursor} if cursor else {})}).json()
            seen += [a["id"] for a in page["items"]]
            pages += 1
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert c.get("/avatars", params={"cursor": "not-a-cursor"}).status_code == 422
    assert pages == 100 and len(seen) == len(set(seen)) == 10_000
    # first vs deepest page timing (no timed asserts in tests): bench/bench_gallery.py


def test_models_presets_and_docs(live: LiveServer) -> None:
    _, token = user(live, "enterprise", 0)
    with api(live, token) as c:
        models = {m["key"]: m for m in c.get("/models").json()}
        presets = c.get("/presets").json()
    assert models["avatar-creator:flux-dev-hd-realism"]["price"] == 0  # what this user pays
    assert not any(m["locked"] for m in models.values()) and len(presets) == 19
    with httpx.Client(base_url=live.url) as c:
        spec = c.get("/api/openapi.json").json()
        docs = c.get("/api/docs")
        assert docs.status_code == 200 and "/api/openapi.json" in docs.text
        assert "cdn." not in docs.text  # the CSP loads nothing remote: the UI's files are ours
        for asset in ("/api/docs/static/swagger-ui-bundle.js", "/api/docs/static/swagger-ui.css"):
            assert asset in docs.text and c.get(asset).status_code == 200
    paths = set(spec["paths"])
    assert {
        "/v1/me",
        "/v1/models",
        "/v1/presets",
        "/v1/projects",
        "/v1/projects/{project_id}",
        "/v1/projects/{project_id}/avatars/generate",
        "/v1/avatars",
        "/v1/avatars/{avatar_id}",
        "/v1/avatars/{avatar_id}/image",
        "/v1/generations/{generation_id}",
        "/v1/generations/{generation_id}/cancel",
    } <= paths
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if method == "delete" or path.endswith("/image"):
                continue  # 204 and image/png: nothing to show as JSON
            ok = [r for code, r in op["responses"].items() if code.startswith("2")]
            assert any("example" in r.get("content", {}).get("application/json", {}) for r in ok), path


def test_rate_limit_per_token(live: LiveServer) -> None:
    _, token = user(live)
    _, fresh = user(live)
    with api(live, token) as c:
        responses = [c.get("/me") for _ in range(201)]
    codes = [r.status_code for r in responses]
    assert codes[:200] == [200] * 200 and codes[200] == 429
    refused = responses[200]
    assert refused.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert f"retry in {refused.headers['Retry-After']} s" in refused.json()["error"]["message"]
    with api(live, fresh) as c:
        assert c.get("/me").status_code == 200  # per token, not per server


def test_tokens_from_the_app_page(live: LiveServer) -> None:
    import gradio as gr

    from avatar_core.web.handlers import Handlers

    uid, _ = user(live)
    other_uid, _ = user(live)
    h = Handlers(live.app)
    me, other = gr.Request(username=str(uid)), gr.Request(username=str(other_uid))
    message, rows = h.create_token("laptop", request=me)
    secret = message.split("`")[1]
    assert secret.startswith("avc_") and secret not in str(rows) and rows[0][1] == "laptop"
    with api(live, secret) as c:
        assert c.get("/me").status_code == 200
    token_id = rows[0][0]
    with pytest.raises(gr.Error):
        h.revoke_token(token_id, request=other)  # not theirs
    assert h.revoke_token(token_id, request=me)[1][0][5] == "revoked"
    with api(live, secret) as c:
        assert c.get("/me").status_code == 401


def test_an_avatar_from_a_photo_over_the_api(live: LiveServer) -> None:
    import io

    from PIL import Image

    raw = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    Image.new("RGB", (400, 500), (200, 150, 120)).save(raw, "JPEG", exif=exif.tobytes())
    uid, token = user(live, "basic", 50)
    with api(live, token) as c:
        refused = c.post("/photos", files={"photo": ("me.jpg", raw.getvalue(), "image/jpeg")})
        assert refused.status_code == 422 and "Please confirm" in refused.json()["error"]["message"]
        kept = c.post(
            "/photos", files={"photo": ("me.jpg", raw.getvalue(), "image/jpeg")}, data={"consent": "true"}
        ).json()
        [stored] = list(live.app.settings.photo_dir.rglob("*.jpg"))
        assert b"PhoneMaker" not in stored.read_bytes() and kept["width"] == 400
        made = generate(c, {"preset": "yoga-instructor", "photo_id": kept["photo_id"]})
        assert made.status_code == 201, made.text
        assert made.json()["model_key"] == "avatar-creator:flux-kontext-likeness"
        assert made.json()["credits_charged"] == 14
        assert c.delete(f"/photos/{kept['photo_id']}").status_code == 204
        again = generate(c, {"preset": "yoga-instructor", "photo_id": kept["photo_id"]})
        assert again.status_code == 404 and live.app.accounts.get(uid).balance == 36
    assert not stored.exists()


def test_ratings_from_the_gallery_reach_the_usage_report(live: LiveServer) -> None:
    import gradio as gr

    from avatar_core.services.generation import GenerationRequest
    from avatar_core.services.usage import usage
    from avatar_core.web.handlers import Handlers

    uid, _ = user(live, "free", 50)
    other_uid, _ = user(live, "free", 50)
    made = live.app.generations.generate(live.app.accounts.get(uid), GenerationRequest(prompt="x"))
    h = Handlers(live.app)
    assert "👎" in h.rate_down(str(made.generation_id), "eyes", request=gr.Request(username=str(uid)))
    assert live.app.gallery.get(uid, made.generation_id).rating == -1
    with pytest.raises(gr.Error):
        h.rate_up(str(made.generation_id), request=gr.Request(username=str(other_uid)))  # not theirs
    with pytest.raises(gr.Error, match="Select an avatar"):
        h.rate_up("", request=gr.Request(username=str(uid)))
    assert sum(r.thumbs_down for r in usage(live.app.db)) >= 1


def test_aspect_ratio_is_made_and_a_bad_one_is_refused(live: LiveServer) -> None:
    uid, token = user(live)
    with api(live, token) as c:
        made = generate(c, {"prompt": "a chef", "aspect_ratio": "4:5"})
        bad = generate(c, {"prompt": "a chef", "aspect_ratio": "16:9"})
    assert made.status_code == 201 and (made.json()["width"], made.json()["height"]) == (464, 576)
    assert bad.status_code == 422 and "aspect_ratio" in bad.text
    assert live.app.accounts.get(uid).balance == 100 - 8
