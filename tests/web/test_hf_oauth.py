"""Sign in with Hugging Face: shown and wired only on Spaces, mapped to a local free account."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner

from avatar_core.bootstrap import init
from avatar_core.web.server import create_web_app
from tests.conftest import make_app


def session_cookie(data: dict[str, object], client_secret: str) -> str:
    """A Starlette SessionMiddleware cookie as Gradio's OAuth callback would leave it."""
    secret = hashlib.sha256((client_secret + "-v4").encode()).hexdigest()
    payload = base64.b64encode(json.dumps(data).encode())
    return TimestampSigner(secret).sign(payload).decode()


def test_no_hf_button_off_spaces(tmp_path: Path, sqlite_url: str) -> None:
    app = make_app(tmp_path, sqlite_url)
    init(app)
    with TestClient(create_web_app(app)) as client:
        page = client.get("/login")
        assert page.status_code == 200 and "Hugging Face" not in page.text
        assert client.get("/login/hf-complete", follow_redirects=False).status_code == 404
    app.close()


def test_hf_login_maps_to_a_local_free_account(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gradio.oauth

    # What a Space with `hf_oauth: true` provides; nothing is fetched until someone logs in.
    monkeypatch.setenv("SYSTEM", "spaces")
    monkeypatch.setenv("SPACE_ID", "team/avatar-creator")
    monkeypatch.setenv("OAUTH_CLIENT_ID", "client-id")
    for name, value in (
        ("OAUTH_CLIENT_ID", "client-id"),
        ("OAUTH_CLIENT_SECRET", "client-secret"),
        ("OAUTH_SCOPES", "openid profile"),
        ("OPENID_PROVIDER_URL", "https://hf.invalid"),
    ):
        monkeypatch.setattr(gradio.oauth, name, value)
    app = make_app(tmp_path, sqlite_url, on_spaces=True, hf_oauth=True)
    init(app)
    with TestClient(create_web_app(app), base_url="https://testserver") as client:
        assert "Sign in with Hugging Face" in client.get("/login").text
        cookie = session_cookie(
            {"oauth_info": {"userinfo": {"preferred_username": "Grace-Hopper"}}}, "client-secret"
        )
        client.cookies.set("session", cookie)
        done = client.get("/login/hf-complete", follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"] == "/"
        assert "avatar_session=" in done.headers["set-cookie"]
        assert "samesite=none" in done.headers["set-cookie"].lower()
        again = client.get("/login/hf-complete", follow_redirects=False)
        assert again.status_code == 303
    user = app.accounts.by_name("grace-hopper")
    assert user.tier == "free" and user.balance == 24
    assert app.accounts.hf_user("Grace-Hopper").id == user.id
    app.close()
