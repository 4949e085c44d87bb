"""Round 2, F1-F4, F7, F13, F17 (routes): no event can make the server read, copy, hash or serve a
file that its caller did not upload, and Gradio's unused routes are closed.

Every attack is the one the issue reproduced: a `FileData` whose `path` names a server file, sent
to the photo upload event (the app's only file input) through `/gradio_api/queue/join`.
"""

from __future__ import annotations

import io
import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from gradio.utils import get_upload_folder
from PIL import Image

from avatar_core.bootstrap import init
from avatar_core.config import DEV_SECRET_FILE
from avatar_core.services.generation import GenerationRequest
from avatar_core.web import server as web_server
from tests.security.conftest import LiveFactory
from tests.web.server import LiveServer, serve

pytestmark = pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword).*")
COOKIE = "avatar_session"


def user(live: LiveServer, tier: str = "basic") -> tuple[str, httpx.Client]:
    """A signed-up user (on a tier that makes avatars from a photo) and a client with its cookie."""
    name = f"u-{uuid.uuid4().hex[:8]}"
    cookie = live.signup(name)
    live.app.accounts.set_tier(name, tier)
    return name, live.client(cookies={COOKIE: cookie})


def fn_index(client: httpx.Client, api_name: str) -> int:
    config = client.get("/config").json()
    return next(int(d["id"]) for d in config["dependencies"] if d.get("api_name") == api_name)


def file_data(path: str, **extra: Any) -> dict[str, Any]:
    return {"path": path, "meta": {"_type": "gradio.FileData"}, "orig_name": "me.png", **extra}


def join(client: httpx.Client, api_name: str, data: list[Any]) -> tuple[httpx.Response, list[dict[str, Any]]]:
    """Post one event like the browser does; its answer and, when admitted, its messages."""
    session_hash = uuid.uuid4().hex
    body = {"data": data, "fn_index": fn_index(client, api_name), "session_hash": session_hash}
    joined = client.post("/gradio_api/queue/join", json={**body, "event_data": None, "trigger_id": None})
    messages: list[dict[str, Any]] = []
    if joined.status_code != 200:
        return joined, messages
    with client.stream("GET", "/gradio_api/queue/data", params={"session_hash": session_hash}) as stream:
        for line in stream.iter_lines():
            if line.startswith("data:"):
                messages.append(json.loads(line[5:]))
                if messages[-1].get("msg") in ("process_completed", "close_stream", "unexpected_error"):
                    break
    return joined, messages


def cache_files() -> set[Path]:
    return {p for p in Path(get_upload_folder()).rglob("*") if p.is_file()}


def holding(data: bytes) -> list[Path]:
    """Files in Gradio's cache with exactly these bytes."""
    return [p for p in cache_files() if p.stat().st_size == len(data) and p.read_bytes() == data]


def upload(client: httpx.Client, name: str, data: bytes) -> httpx.Response:
    return client.post("/gradio_api/upload", files={"files": (name, data)})


def photo_bytes(mode: str = "RGB", size: tuple[int, int] = (320, 320), exif: bool = False) -> bytes:
    image = Image.new(mode, size, "grey" if mode != "RGBA" else (90, 90, 90, 200))
    out = io.BytesIO()
    if exif:
        tags = Image.Exif()
        tags[0x010F] = "LeakyCam"  # Make
        tags[0x8825] = {2: (48.0, 51.0, 24.0)}  # GPS latitude
        image.save(out, format="PNG", exif=tags)
    else:
        image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def live(live_factory: LiveFactory) -> LiveServer:
    return live_factory(photo_uploads_per_hour=50)


@pytest.mark.parametrize("target", ["environ", "secret", "database", "hostname"])
def test_an_event_cannot_name_a_server_file(live: LiveServer, target: str) -> None:
    path = {
        "environ": "/proc/self/environ",  # the admin password, the secret key, the HF and AWS keys
        "secret": str(live.app.settings.data_dir / DEV_SECRET_FILE),
        # the live SQLite file (F4: Gradio's copy of it dropped the server's locks on it)
        "database": live.app.settings.resolved_database_url.removeprefix("sqlite:///"),
        "hostname": "/etc/hostname",
    }[target]
    assert Path(path).exists()
    _name, c = user(live)
    before = cache_files()
    with c:
        joined, messages = join(c, "upload_photo", [file_data(path), True])
        assert joined.status_code == 403 and not messages
        assert "uploaded" in joined.json()["detail"] and path not in joined.text
        assert c.get(f"/gradio_api/file={path}").status_code == 404
    assert cache_files() == before  # nothing read into the cache


def test_another_users_avatar_is_neither_taken_nor_served(live: LiveServer) -> None:
    victim, _vc = user(live)
    owner = live.app.accounts.by_name(victim)
    gen_id = live.app.generations.generate(owner, GenerationRequest(prompt="private")).generation_id
    stored = live.app.gallery.image_path(owner.id, gen_id)
    _name, c = user(live)
    with c:
        joined, _ = join(c, "upload_photo", [file_data(str(stored)), True])
        assert joined.status_code == 403
        assert c.get(f"/gradio_api/file={stored}").status_code == 404
        assert c.get(f"/avatars/{gen_id}/image.png").status_code == 404
    assert live.app.photos.current(live.app.accounts.by_name(_name).id) is None


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on 127.0.0.1 that records every path it is asked for."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(photo_bytes())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()


def test_dev_zero_and_urls_are_refused_before_anything_is_read(
    live: LiveServer, listener: tuple[str, list[str]]
) -> None:
    url, hits = listener
    _name, c = user(live)
    with c:
        for path in ("/dev/zero", "/dev/urandom", f"{url}/x.png", "https://example.com/a.png"):
            joined, _ = join(c, "upload_photo", [file_data(path), True])
            assert joined.status_code == 403, path
        data_url = "data:image/png;base64,iVBORw0KGgo="
        joined, _ = join(
            c, "upload_photo", [{"path": None, "url": data_url, "meta": {"_type": "gradio.FileData"}}, 1]
        )
        assert joined.status_code == 403
        # the server still answers at once (before the fix /dev/zero was hashed on its event loop forever)
        assert httpx.get(f"{live.url}/healthz", timeout=5).status_code == 200
        assert c.get(f"/gradio_api/file={url}/y.png").status_code == 404
    assert hits == []  # the server fetched nothing


def test_a_duplicate_key_or_an_unreadable_body_is_refused(live: LiveServer) -> None:
    _name, c = user(live)
    with c:
        fn = fn_index(c, "upload_photo")
        # the second "path" wins in Python's parser; another parser might take the first
        ref = '{"path": "/etc/hostname", "path": "/nope", "meta": {"_type": "gradio.FileData"}}'
        body = f'{{"data": [{ref}, true], "fn_index": {fn}, "session_hash": "abcdefgh"}}'
        headers = {"Content-Type": "application/json"}
        assert c.post("/gradio_api/queue/join", content=body, headers=headers).status_code == 403
        assert c.post("/gradio_api/queue/join", content=b"\xff{", headers=headers).status_code == 403


def test_own_upload_works_and_only_its_owner_can_fetch_it(live: LiveServer) -> None:
    name, alice = user(live)
    _other, bob = user(live)
    with alice, bob:
        r = upload(alice, "me.png", photo_bytes())
        assert r.status_code == 200
        (path,) = r.json()
        assert alice.get(f"/gradio_api/file={path}").status_code == 200
        assert bob.get(f"/gradio_api/file={path}").status_code == 404
        joined, _ = join(bob, "upload_photo", [file_data(path), True])  # alice's file, bob's event
        assert joined.status_code == 403
        joined, messages = join(alice, "upload_photo", [file_data(path), True])
        assert joined.status_code == 200 and messages[-1]["success"] is True, messages
        assert messages[-1]["output"]["data"][1].startswith("Photo attached")
        assert not Path(path).exists()  # the upload is deleted once the photo is kept
        assert alice.get(f"/gradio_api/file={path}").status_code == 404
        assert bob.get("/gradio_api/file=/etc/passwd").status_code == 404
    assert live.app.photos.current(live.app.accounts.by_name(name).id) is not None


def test_preset_thumbnails_are_still_served(live: LiveServer) -> None:
    from avatar_core.web.ui.presets import thumbnail_url

    _name, c = user(live)
    with c:
        page_key = live.app.catalog.presets()[0].key
        r = c.get(thumbnail_url(page_key))
        assert r.status_code == 200 and r.content[:4] == b"RIFF"


@pytest.mark.parametrize("mode", ["LA", "RGBA", "L"])
def test_a_grayscale_or_rgba_photo_leaves_nothing_in_the_cache(live: LiveServer, mode: str) -> None:
    """F13: Gradio converted these into a new cache file and left the original (GPS EXIF and all)."""
    data = photo_bytes(mode, exif=True)
    _name, c = user(live)
    with c:
        (path,) = upload(c, "me.png", data).json()
        joined, messages = join(c, "upload_photo", [file_data(path), True])
        assert joined.status_code == 200 and messages[-1]["success"] is True, messages
    assert holding(data) == []
    assert not [p for p in cache_files() if b"LeakyCam" in p.read_bytes()[:4096]]


def test_upload_allowance_and_waiting_uploads_are_bounded(live_factory: LiveFactory) -> None:
    """F7: 300 MB in 2 s was kept for 1-2 h with no per-user quota."""
    live = live_factory(upload_mb_per_hour=1)
    _name, c = user(live)
    with c:
        paths = [upload(c, f"f{i}.bin", bytes([i]) * 1000).json()[0] for i in range(6)]
        kept = [p for p in paths if Path(p).exists()]
        assert kept == paths[-4:]  # at most 4 waiting: the oldest go first
        assert upload(c, "big.bin", b"x" * 700_000).status_code == 200
        refused = upload(c, "more.bin", b"y" * 400_000)
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
        assert "per hour" in refused.json()["detail"]
    _other, d = user(live)  # the allowance is per user
    with d:
        assert upload(d, "d.bin", b"z" * 1000).status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/gradio_api/call/generate"),
        ("POST", "/gradio_api/call/v2/generate"),
        ("POST", "/gradio_api/run/generate"),
        ("POST", "/gradio_api/api/generate"),
        ("GET", "/monitoring"),
        ("GET", "/monitoring/summary"),
        ("GET", "/gradio_api/proxy=http://127.0.0.1:9/x"),
        ("GET", "/gradio_api/file/etc/passwd"),
        ("POST", "/gradio_api/process_recording"),
        ("POST", "/gradio_api/vibe-edit"),
        ("GET", "/gradio_api/profiling/summary"),
        ("POST", "/login/"),
    ],
)
def test_routes_the_product_does_not_use_are_closed(live: LiveServer, method: str, path: str) -> None:
    _name, c = user(live)
    with c:
        assert c.request(method, path, json={"data": []}).status_code == 404


def test_admin_events_are_not_described_to_users(live: LiveServer) -> None:
    _name, c = user(live)
    with c:
        info = c.get("/gradio_api/info").json()
    names = set(info.get("named_endpoints", {}))
    assert "/generate" in names and not [n for n in names if n.startswith("/admin")], names


def test_errors_shown_to_users_carry_no_server_path(live: LiveServer) -> None:
    _name, c = user(live)
    with c:
        (path,) = upload(c, "me.png", b"not an image at all").json()
        _joined, messages = join(c, "upload_photo", [file_data(path), True])
        # said beside the upload (#23 item 4: no error badges on the controls)
        assert messages[-1]["success"] is True
        status = messages[-1]["output"]["data"][1]
        assert status == "⚠️ That file is not a photo we can read (use JPEG, PNG or WebP)."
        # a malformed event (Gradio's own error): nothing of Gradio's text reaches the user
        _joined, messages = join(c, "generate", ["only one input"])
        text = json.dumps(messages[-1])
        assert messages[-1]["success"] is False and "/" not in str(messages[-1]["output"].get("error") or "")
        assert "gradio" not in text.lower() and "Traceback" not in text


def test_a_free_user_cannot_upload_a_photo_they_cannot_use(live: LiveServer) -> None:
    """F17: free users could upload photos (personal data, decoded and kept) for nothing."""
    name, c = user(live, tier="free")
    with c:
        (path,) = upload(c, "me.png", photo_bytes()).json()
        _joined, messages = join(c, "upload_photo", [file_data(path), True])
    assert messages[-1]["success"] is True
    assert messages[-1]["output"]["data"][1].startswith("⚠️ “From my photo” needs the basic tier")
    assert live.app.photos.current(live.app.accounts.by_name(name).id) is None
    assert not Path(path).exists()


@pytest.fixture
def ungated(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[LiveServer]:
    """The web app with our gate taken off: only Gradio's own guard (turned on by us) is left."""
    from tests.conftest import fresh_database_url
    from tests.web.server import with_admin

    tmp = tmp_path_factory.mktemp("ungated")
    app = with_admin(tmp, fresh_database_url("sqlite", tmp, sqlite_template, None))
    init(app)
    original, web_server._gate = web_server._gate, lambda web, wrap: None
    try:
        web = web_server.create_web_app(app)
    finally:
        web_server._gate = original
    with serve(app, web=web) as live:
        yield live
    app.close()


def test_gradios_own_guard_is_on_even_without_our_gate(ungated: LiveServer) -> None:
    _name, c = user(ungated)
    before = cache_files()
    with c:
        joined, messages = join(c, "upload_photo", [file_data("/etc/hostname"), True])
        assert joined.status_code == 200 and messages[-1]["success"] is False
        assert "/etc/hostname" not in json.dumps(messages[-1])  # show_error=False: no path shown
    assert cache_files() == before
