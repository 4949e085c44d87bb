"""Findings 1 and 3 over HTTP: CORS, cookies, proxy headers, cross-site POSTs, logout, framing."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.security.conftest import LiveFactory
from tests.web.server import PASSWORD, LiveServer

COOKIE = "avatar_session"
EVIL = "http://evil.test"
pytestmark = pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword).*")


def name() -> str:
    return f"u-{uuid.uuid4().hex[:8]}"


def cookie_header(r: httpx.Response) -> str:
    return next(h for h in r.headers.get_list("set-cookie") if h.startswith(COOKIE)).lower()


def test_cors_does_not_reflect_another_origin_with_credentials(live: LiveServer) -> None:
    cookie = live.signup(name())
    with live.client(cookies={COOKIE: cookie}, headers={"Origin": EVIL, "Host": "app.test"}) as c:
        for path in ("/config", "/gradio_api/info", "/login"):
            r = c.get(path)
            assert r.headers.get("access-control-allow-origin") is None, (path, r.headers)
        pre = c.options(
            "/gradio_api/queue/join",
            headers={
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        assert pre.headers.get("access-control-allow-origin") is None


def test_configured_origin_is_allowed(live_factory: LiveFactory) -> None:
    live = live_factory(allowed_origins=("https://partner.test",))
    with live.client(headers={"Origin": "https://partner.test"}) as c:
        r = c.get("/login")
        assert r.headers.get("access-control-allow-origin") == "https://partner.test"
        r = c.post("/login", data={"username": "nobody", "password": "wrong-password"})
        assert r.status_code == 400  # judged on the merits, not refused as cross-site


def test_forwarded_proto_is_ignored_without_trust_proxy(live_factory: LiveFactory) -> None:
    live = live_factory(trust_proxy=False)
    with live.client(headers={"X-Forwarded-Proto": "https"}) as c:
        r = c.post("/signup", data={"username": name(), "password": PASSWORD, "confirm": PASSWORD})
        header = cookie_header(r)
        assert "samesite=lax" in header and "secure" not in header


def test_spaces_cookie_is_none_and_secure(live_factory: LiveFactory) -> None:
    live = live_factory(on_spaces=True, space_host="me-avatars.hf.space")
    with live.client() as c:
        r = c.post("/signup", data={"username": name(), "password": PASSWORD, "confirm": PASSWORD})
        header = cookie_header(r)
        assert "samesite=none" in header and "; secure" in header
        csp = c.get("/login").headers["content-security-policy"]
        assert "frame-ancestors 'self' https://huggingface.co https://*.hf.space" in csp
        r = c.get("/login", headers={"Origin": "https://me-avatars.hf.space"})
        assert r.headers.get("access-control-allow-origin") == "https://me-avatars.hf.space"


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": EVIL},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "same-site"},
    ],
)
def test_cross_site_state_changes_are_refused(live: LiveServer, headers: dict[str, str]) -> None:
    user = name()
    cookie = live.signup(user)
    with live.client(cookies={COOKIE: cookie}, headers=headers) as c:
        for path, data in (
            ("/login", {"username": user, "password": PASSWORD}),
            ("/signup", {"username": name(), "password": PASSWORD}),
            ("/logout", {}),
        ):
            r = c.post(path, data=data)
            assert r.status_code == 403, (path, r.status_code)
            assert COOKIE not in r.cookies
        r = c.post("/gradio_api/queue/join", json={"data": ["x"], "fn_index": 0, "session_hash": "h"})
        assert r.status_code == 403
    with live.client(cookies={COOKIE: cookie}) as c:
        assert c.get("/", follow_redirects=False).status_code == 200  # still logged in


@pytest.mark.parametrize(
    "headers", [{}, {"Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"}, {"Origin": "SELF"}]
)
def test_same_site_and_non_browser_requests_still_work(live: LiveServer, headers: dict[str, str]) -> None:
    user = name()
    live.signup(user)
    headers = {k: (live.url if v == "SELF" else v) for k, v in headers.items()}
    with live.client(headers=headers) as c:
        r = c.post("/login", data={"username": user, "password": PASSWORD})
        assert r.status_code == 303
        r = c.post("/logout")
        assert r.status_code == 303


def test_logout_by_get_only_shows_a_button(live: LiveServer) -> None:
    cookie = live.signup(name())
    with live.client(cookies={COOKIE: cookie}) as c:
        r = c.get("/logout")
        assert r.status_code == 200 and 'action="/logout"' in r.text and "set-cookie" not in r.headers
        assert c.get("/").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/login",
        "/signup",
        "/logout",
        "/healthz",
        "/config",
        "/avatars/1/image.png",
        "/no-such-page",
        "/theme.css",
    ],
)
def test_security_headers_on_every_page(live: LiveServer, path: str) -> None:
    cookie = live.signup(name())
    with live.client(cookies={COOKIE: cookie}) as c:
        r = c.get(path)
        assert "frame-ancestors 'self'" in r.headers["content-security-policy"]
        assert "huggingface.co" not in r.headers["content-security-policy"]
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin"
        assert r.headers["x-frame-options"] == "SAMEORIGIN"


def test_openapi_is_not_served(live: LiveServer) -> None:
    cookie = live.signup(name())
    for cookies in ({}, {COOKIE: cookie}):
        with live.client(cookies=cookies) as c:
            for path in ("/openapi.json", "/gradio_api/openapi.json", "/docs", "/redoc"):
                assert c.get(path).status_code in (401, 404), path
