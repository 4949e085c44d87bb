"""Finding 7 and 8: ids, lone surrogates, Markdown in prompts, whole numbers, file modes, and
the Gradio features an advisory needs (SSR, run history) pinned off."""

from __future__ import annotations

import json
import re
import stat
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from avatar_core.config import DEV_SECRET_FILE
from avatar_core.web.server import create_web_app
from tests.conftest import make_app
from tests.web.server import ADMIN_PASSWORD, ADMIN_USERNAME, LiveServer, gradio_blocks

COOKIE = "avatar_session"
pytestmark = pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword).*")


def call(live: LiveServer, cookie: str, api_name: str, data: list[Any]) -> list[dict[str, Any]]:
    """One event through /gradio_api/queue/join (JSON with \\u escapes, as a browser may send)."""
    with live.client(cookies={COOKIE: cookie}) as c:
        config = c.get("/config").json()
        event = next(d for d in config["dependencies"] if d.get("api_name") == api_name)
        index = int(event["id"])
        values = {c["id"]: c.get("props", {}).get("value") for c in config["components"]}
        data = list(data) + [values.get(i) for i in event["inputs"]][len(data) :]  # later inputs' defaults
        session_hash = uuid.uuid4().hex
        body = json.dumps(
            {
                "data": data,
                "fn_index": index,
                "session_hash": session_hash,
                "event_data": None,
                "trigger_id": None,
            }
        )
        joined = c.post("/gradio_api/queue/join", content=body, headers={"Content-Type": "application/json"})
        assert joined.status_code == 200, joined.text
        messages = []
        with c.stream("GET", "/gradio_api/queue/data", params={"session_hash": session_hash}) as s:
            buffer = b""  # split on b"\n" as EventSource does (httpx's iter_lines splits on \x85)
            for chunk in s.iter_bytes():
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    if line.startswith(b"data:"):
                        messages.append(json.loads(line[5:]))
                if messages and messages[-1].get("msg") in ("process_completed", "unexpected_error"):
                    break
        return messages


def done(messages: list[dict[str, Any]]) -> dict[str, Any]:
    last = messages[-1]
    assert last.get("msg") == "process_completed", messages[-3:]
    return last["output"]


@pytest.mark.parametrize("kind", ["image.png", "thumb.webp", "download.png"])
@pytest.mark.parametrize("avatar_id", ["99999999999999999999999", "9223372036854775808", "-1", "0"])
def test_out_of_range_ids_are_404(live: LiveServer, avatar_id: str, kind: str) -> None:
    cookie = live.signup(f"ids-{uuid.uuid4().hex[:6]}")
    with live.client(cookies={COOKIE: cookie}) as c:
        assert c.get(f"/avatars/{avatar_id}/{kind}").status_code == 404
    user = live.app.accounts.by_name(next(iter([ADMIN_USERNAME])))
    with pytest.raises(Exception, match="No such avatar"):
        live.app.gallery.get(user.id, 10**30)


def test_lone_surrogate_prompt_completes_and_shows_the_cleaned_text(live: LiveServer) -> None:
    name = f"sur-{uuid.uuid4().hex[:6]}"
    cookie = live.signup(name)
    out = done(call(live, cookie, "generate", ["a fox \ud800 in snow", "", "auto", False, False, False, -1]))
    assert out.get("error") is None, out
    html_out, _details, _quote, result = out["data"]
    assert result["status"] == "completed" and 'alt="a fox in snow (offline preview)"' in html_out
    assert live.app.accounts.by_name(name).balance == 24 - result["credits_charged"]
    item = live.app.gallery.get(live.app.accounts.by_name(name).id, result["generation_id"])
    assert item.user_prompt == "a fox in snow"


def test_markdown_in_a_prompt_is_shown_as_text(live: LiveServer) -> None:
    cookie = live.signup(f"md-{uuid.uuid4().hex[:6]}")
    prompt = "![](/logout) <img src=https://evil.test/x.png> **bold** [x](https://evil.test)"
    out = done(call(live, cookie, "generate", [prompt, "", "auto", False, False, False, -1]))
    gen_id = out["data"][3]["generation_id"]
    recipe = done(call(live, cookie, "avatar_detail", [str(gen_id)]))["data"][1]
    for raw in (r"!\[", "<img", r"\]\(https", r"\*\*bold"):  # nothing left unescaped
        assert not re.search(r"(?<!\\)" + raw, recipe), (raw, recipe)
    assert r"\!\[\]\(\/logout\)" in recipe  # escaped: Markdown shows it literally


@pytest.mark.parametrize("amount", [1.5, 0.25, float("1e400"), -2])
def test_admin_grant_of_a_fraction_is_refused_not_rounded(live: LiveServer, amount: float) -> None:
    target = f"fr-{uuid.uuid4().hex[:6]}"
    live.signup(target)
    cookie = live.login(ADMIN_USERNAME, ADMIN_PASSWORD)
    messages = call(live, cookie, "admin_grant_credits", [target, amount, "test"])
    assert messages[-1].get("success") is False or "error" in json.dumps(messages[-1])
    assert live.app.accounts.by_name(target).balance == 24


def test_database_and_key_files_are_private(tmp_path: Path) -> None:
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'data' / 'avatar.db'}")
    try:
        from avatar_core.bootstrap import init
        from avatar_core.config import secret_key

        init(app)
        secret_key(app.settings)
        for path in (tmp_path / "data" / "avatar.db", app.settings.data_dir / DEV_SECRET_FILE):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    finally:
        app.close()


def test_ssr_and_run_history_stay_off(live: LiveServer, tmp_path: Path, sqlite_url: str) -> None:
    app = make_app(tmp_path, sqlite_url)
    try:
        web = create_web_app(app)
        blocks = gradio_blocks(web)
        assert blocks.ssr_mode is False and blocks.run_history is False
    finally:
        app.close()
    cookie = live.signup(f"rh-{uuid.uuid4().hex[:6]}")
    for host, status in (("evil.test", 400), ("127.0.0.1", 404)):  # an unknown Host: refused first
        with live.client(cookies={COOKIE: cookie}, headers={"Host": host}) as c:
            for path in (
                "/gradio_api/runs",
                "/gradio_api/run-history/buckets",
                "/gradio_api/run-history/records",
            ):
                assert c.get(path).status_code == status, (host, path)
    assert httpx.get(live.url + "/healthz").status_code == 200
