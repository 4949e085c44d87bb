"""The launched web app over HTTP: sessions, cookies, login throttle, private images, the API."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from gradio_client import Client

from avatar_core.bootstrap import App
from avatar_core.config import DEV_SECRET_FILE
from avatar_core.services.generation import GenerationRequest
from tests.conftest import make_app
from tests.web.server import ADMIN_PASSWORD, ADMIN_USERNAME, PASSWORD, LiveServer, serve

COOKIE = "avatar_session"
# Gradio's queue calls a pandas option deprecated in pandas 3 (not our code).
pytestmark = pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|The copy keyword is deprecated).*")


def unique(prefix: str) -> str:
    """A fresh username (the server lives for the whole module)."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def session(live: LiveServer, cookie: str, **kwargs: Any) -> httpx.Client:
    return live.client(cookies={COOKIE: cookie}, **kwargs)


def set_cookie_header(response: httpx.Response) -> str:
    headers = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{COOKIE}=")]
    assert len(headers) == 1, response.headers
    return headers[0]


def generate_for(live: LiveServer, username: str, prompt: str = "a portrait") -> int:
    """Generate one avatar for `username` directly through the service."""
    app: App = live.app
    user = app.accounts.by_name(username)
    return app.generations.generate(user, GenerationRequest(prompt=prompt)).generation_id


def queue_call(client: httpx.Client, fn_index: int, data: list[Any]) -> list[dict[str, Any]]:
    """Post to /gradio_api/queue/join like the browser does and read the SSE stream to the end."""
    session_hash = uuid.uuid4().hex
    joined = client.post(
        "/gradio_api/queue/join",
        json={
            "data": data,
            "fn_index": fn_index,
            "session_hash": session_hash,
            "event_data": None,
            "trigger_id": None,
        },
    )
    assert joined.status_code == 200, joined.text
    messages: list[dict[str, Any]] = []
    with client.stream("GET", "/gradio_api/queue/data", params={"session_hash": session_hash}) as stream:
        for line in stream.iter_lines():
            if not line.startswith("data:"):
                continue
            msg = json.loads(line[5:])
            messages.append(msg)
            if msg.get("msg") in ("process_completed", "close_stream", "unexpected_error"):
                break
    return messages


def fn_index(config: dict[str, Any], api_name: str) -> int:
    return next(int(d["id"]) for d in config["dependencies"] if d.get("api_name") == api_name)


# ----- anonymous -----
def test_anonymous_page_redirects_to_login(live: LiveServer) -> None:
    with live.client() as c:
        r = c.get("/")
        assert r.status_code == 303 and r.headers["location"] == "/login"
        assert c.get("/login").status_code == 200 and c.get("/signup").status_code == 200
        assert c.get("/healthz").json() == {"status": "ok"}


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/config"),
        ("GET", "/gradio_api/info"),
        ("GET", "/gradio_api/queue/data"),
        ("POST", "/gradio_api/queue/join"),
        ("POST", "/gradio_api/upload"),  # (/gradio_api/run/… is closed to everyone: a 404)
        ("GET", "/avatars/1/image.png"),
    ],
)
def test_anonymous_api_calls_get_401(live: LiveServer, method: str, path: str) -> None:
    body = {"data": ["x"], "fn_index": 0, "session_hash": "abc"} if method == "POST" else None
    with live.client() as c:
        r = c.request(method, path, json=body, params={"session_hash": "abc"})
        assert r.status_code == 401, (path, r.status_code, r.text[:200])


def test_forged_cookie_is_anonymous(live: LiveServer) -> None:
    with session(live, "eyJ1aWQiOjF9.forged.signature") as c:
        assert c.get("/").status_code == 303
        assert c.get("/config").status_code == 401


# ----- sign-up, cookies, login, logout -----
def test_signup_sets_an_httponly_lax_cookie_on_http(live: LiveServer) -> None:
    with live.client() as c:
        r = c.post("/signup", data={"username": unique("ann"), "password": PASSWORD, "confirm": PASSWORD})
        assert r.status_code == 303 and r.headers["location"] == "/"
        header = set_cookie_header(r).lower()
        assert "httponly" in header and "samesite=lax" in header and "secure" not in header
        assert "path=/" in header
        page = c.get("/")
        assert page.status_code == 200 and "<gradio-app" in page.text


def test_cookie_is_lax_and_secure_behind_a_trusted_https_proxy(live: LiveServer) -> None:
    with live.client(headers={"X-Forwarded-Proto": "https"}) as c:  # trust_proxy is on here
        r = c.post("/signup", data={"username": unique("tls"), "password": PASSWORD, "confirm": PASSWORD})
        header = set_cookie_header(r).lower()
        assert "samesite=lax" in header and "; secure" in header and "httponly" in header


def test_signup_errors_are_shown_on_the_form(live: LiveServer) -> None:
    with live.client() as c:
        r = c.post("/signup", data={"username": unique("x"), "password": PASSWORD, "confirm": PASSWORD + "!"})
        assert r.status_code == 400 and "The two passwords differ." in r.text
        r = c.post("/signup", data={"username": "<script>", "password": PASSWORD})
        assert r.status_code == 400 and "<script>" not in r.text and "&lt;script&gt;" in r.text
        assert COOKIE not in r.cookies


def test_login_wrong_password_is_a_400_page(live: LiveServer) -> None:
    name = unique("bea")
    live.signup(name)
    with live.client(headers={"X-Forwarded-For": "10.0.0.1"}) as c:
        r = c.post("/login", data={"username": name, "password": "not-the-password"})
        assert r.status_code == 400 and "Wrong username or password" in r.text
        assert COOKIE not in r.cookies
        r = c.post("/login", data={"username": name, "password": PASSWORD})
        assert r.status_code == 303 and "httponly" in set_cookie_header(r).lower()


def test_login_is_rate_limited_per_account_and_address(live: LiveServer) -> None:
    name = unique("cat")
    live.signup(name)
    with live.client(headers={"X-Forwarded-For": "10.1.0.1"}) as c:  # five failures: then a wait
        for _ in range(5):
            r = c.post("/login", data={"username": name, "password": "wrong-password"})
            assert "Wrong username or password" in r.text
        r = c.post("/login", data={"username": name, "password": PASSWORD})
        assert r.status_code == 400 and re.search(r"Try again in \d+ s", r.text), r.text
    with live.client(headers={"X-Forwarded-For": "10.1.1.1"}) as c:  # the owner, elsewhere
        assert c.post("/login", data={"username": name, "password": PASSWORD}).status_code == 303


def test_logout_clears_the_cookie(live: LiveServer) -> None:
    with live.client() as c:
        c.post("/signup", data={"username": unique("eve"), "password": PASSWORD, "confirm": PASSWORD})
        assert c.get("/").status_code == 200
        shown = c.get("/logout")  # GET only shows the button
        assert shown.status_code == 200 and 'method="post" action="/logout"' in shown.text
        assert c.get("/").status_code == 200
        r = c.post("/logout")
        assert r.status_code == 303 and r.headers["location"] == "/login"
        header = set_cookie_header(r).lower()
        assert "max-age=0" in header or "expires=thu, 01 jan 1970" in header
        assert COOKIE not in c.cookies
        assert c.get("/").status_code == 303
        assert c.get("/config").status_code == 401


def test_logout_revokes_copies_of_the_cookie(live: LiveServer) -> None:
    with live.client() as c:
        c.post("/signup", data={"username": unique("fay"), "password": PASSWORD, "confirm": PASSWORD})
        stolen = c.cookies[COOKIE]
        c.post("/logout")
    with live.client(cookies={COOKIE: stolen}) as thief:
        assert thief.get("/", follow_redirects=False).status_code == 303
        assert thief.get("/config").status_code == 401


def test_sessions_survive_a_restart_with_the_same_data_dir(live: LiveServer, tmp_path: Any) -> None:
    cookie = live.signup(unique("fay"))
    settings = live.app.settings
    assert (settings.data_dir / DEV_SECRET_FILE).is_file() and settings.secret_key is None
    again = make_app(settings.data_dir.parent, settings.database_url)
    assert again.settings.data_dir == settings.data_dir
    try:
        with (
            serve(again) as second,
            httpx.Client(base_url=second.url, timeout=30, cookies={COOKIE: cookie}) as c,
        ):
            assert c.get("/", follow_redirects=False).status_code == 200
            assert c.get("/config").status_code == 200
    finally:
        again.close()
    other = make_app(tmp_path, settings.database_url)  # another data dir: another secret
    try:
        with (
            serve(other) as third,
            httpx.Client(base_url=third.url, timeout=30, cookies={COOKIE: cookie}) as c,
        ):
            assert c.get("/", follow_redirects=False).status_code == 303
    finally:
        other.close()


# ----- private images -----
def test_images_are_served_only_to_their_owner(live: LiveServer) -> None:
    a, b = unique("gus"), unique("hal")
    cookie_a, cookie_b = live.signup(a), live.signup(b)
    gen_id = generate_for(live, a)
    with session(live, cookie_a) as c:
        r = c.get(f"/avatars/{gen_id}/image.png")
        assert r.status_code == 200 and r.headers["content-type"] == "image/png"
        assert r.content.startswith(b"\x89PNG") and "private" in r.headers["cache-control"]
        r = c.get(f"/avatars/{gen_id}/thumb.webp")
        assert r.status_code == 200 and r.headers["content-type"] == "image/webp"
        r = c.get(f"/avatars/{gen_id}/download.png")
        assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
        assert c.get(f"/avatars/{gen_id}/secret.txt").status_code == 404
        assert c.get("/avatars/999999/image.png").status_code == 404
    with session(live, cookie_b) as c:
        for kind in ("image.png", "thumb.webp", "download.png"):
            assert c.get(f"/avatars/{gen_id}/{kind}").status_code == 404


def test_the_gradio_file_route_does_not_serve_the_avatar_store(live: LiveServer) -> None:
    name = unique("ida")
    cookie = live.signup(name)
    gen_id = generate_for(live, name)
    path = live.app.gallery.image_path(live.app.accounts.by_name(name).id, gen_id)
    with session(live, cookie) as c:
        r = c.get(f"/gradio_api/file={path}")
        assert r.status_code in (403, 404), r.status_code


# ----- the Gradio API -----
def test_gradio_client_generates_with_a_session_cookie(live: LiveServer) -> None:
    name = unique("jan")
    cookie = live.signup(name)
    client = Client(live.url, headers={"Cookie": f"{COOKIE}={cookie}"}, verbose=False, download_files=False)
    out = client.predict(prompt="a smiling man with a beard", api_name="/generate")
    html, details, quote, data = out
    assert data["status"] == "completed" and data["credits_charged"] == 8
    assert data["balance"] == 16 == live.app.accounts.by_name(name).balance
    assert f"/avatars/{data['generation_id']}/image.png" in html
    with session(live, cookie) as c:
        assert c.get(data["image_url"]).status_code == 200
    info = client.view_api(print_info=False, return_format="dict")
    named = info["named_endpoints"]
    assert "/generate" in named and not [n for n in named if n.startswith("/admin")]  # private
    params = [p["parameter_name"] for p in named["/generate"]["parameters"]]
    assert params[0] == "prompt"
    assert all(p["parameter_has_default"] for p in named["/generate"]["parameters"][1:])


def test_gradio_client_without_a_session_is_refused(live: LiveServer) -> None:
    with pytest.raises(Exception):  # noqa: B017 - the client raises on the 401 config fetch
        Client(live.url, verbose=False)


def test_rest_route_that_skips_the_queue_is_closed(live: LiveServer) -> None:
    name = unique("kim")
    cookie = live.signup(name)
    with session(live, cookie) as c:
        r = c.post("/gradio_api/run/generate", json={"data": ["a smiling man"]})
        assert r.status_code == 404, r.status_code  # closed by the gate in front of Gradio
    assert live.app.accounts.by_name(name).balance == 24
    assert live.app.gallery.page(live.app.accounts.by_name(name).id).total == 0


@pytest.fixture
def attacker(live: LiveServer) -> Iterator[tuple[str, httpx.Client]]:
    name = unique("mal")
    with session(live, live.signup(name)) as c:
        yield name, c


def test_fn_index_attack_on_admin_handlers_changes_nothing(
    live: LiveServer, attacker: tuple[str, httpx.Client]
) -> None:
    name, c = attacker
    config = c.get("/config").json()
    before = live.app.accounts.by_name(name)
    attacks: list[tuple[str, list[Any]]] = [
        ("admin_grant_credits", [name, 1000, "hack"]),
        ("admin_set_tier", [name, "enterprise"]),
        ("admin_update_model", ["avatar-creator:flux-dev-hd-realism", True, 0, "", "default"]),
        ("admin_users", [""]),
    ]
    for api_name, data in attacks:
        messages = queue_call(c, fn_index(config, api_name), data)
        done = messages[-1]
        assert done["msg"] == "process_completed" and done["success"] is False, messages
        assert done["output"]["error"] == "Only admins can do that."
    after = live.app.accounts.by_name(name)
    assert (after.balance, after.tier, after.is_admin) == (before.balance, "free", False)
    hd = {m.model_key: m for m in live.app.catalog.models()}["avatar-creator:flux-dev-hd-realism"]
    assert hd.credit_cost == 15


def test_admin_grant_through_the_queue_works_for_an_admin(live: LiveServer) -> None:
    name = unique("ned")
    live.signup(name)
    with session(live, live.login(ADMIN_USERNAME, ADMIN_PASSWORD)) as c:
        config = c.get("/config").json()
        messages = queue_call(c, fn_index(config, "admin_grant_credits"), [name, 7, "welcome"])
        assert messages[-1]["success"] is True, messages
        assert messages[-1]["output"]["data"][0] == f"Granted 7 credits for {name}; balance now 31."
    assert live.app.accounts.by_name(name).balance == 31


def test_every_event_has_an_explicit_api_name(live: LiveServer) -> None:
    cookie = live.signup(unique("ola"))
    with session(live, cookie) as c:
        config = c.get("/config").json()
    names = [d.get("api_name") for d in config["dependencies"]]
    assert all(isinstance(n, str) and n for n in names), names
    assert not [n for n in names if re.search(r"_\d+$", n)], names  # no auto-suffixed duplicates
    deps = {d["api_name"]: d for d in config["dependencies"]}
    assert deps["session"]["targets"][0][1] == "load"
    assert any("grant" in n or "credit" in n for n in names)


def test_forwarded_for_is_ignored_unless_a_proxy_is_trusted() -> None:
    from starlette.requests import Request

    from avatar_core.web.pages import client_address

    scope = {
        "type": "http",
        "client": ("192.0.2.7", 5000),
        "headers": [(b"x-forwarded-for", b"10.9.9.9, 198.51.100.4")],
    }
    request = Request(scope)
    assert client_address(request) == "192.0.2.7"
    assert client_address(request, trust_proxy=True) == "198.51.100.4"
