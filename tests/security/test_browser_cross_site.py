"""Findings 1, 3 and 7 as Chromium really runs them: a page on evil.test against the app on
app.test (both mapped to loopback). Plain HTTP: SameSite=Lax needs no TLS; the Spaces mode
(SameSite=None; Secure) is covered over HTTP in test_cross_site.py."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.conftest import missing
from tests.e2e import browser as pw
from tests.security.conftest import LiveFactory
from tests.web.server import PASSWORD, LiveServer, free_port

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword).*"),
]
PAGES = {
    "/read": """<script>
fetch(APP + '/config', {credentials: 'include'}).then(r => r.text())
  .then(t => { window.result = 'read:' + t.slice(0, 40); }, e => { window.result = 'blocked'; });
</script>""",
    "/login-csrf": """<form id=f method=post action="APP_URL/login">
<input name=username value="attacker-NAME"><input name=password value="PASSWORD"></form>
<script>document.getElementById('f').submit()</script>""",
    "/logout-csrf": """<form id=f method=post action="APP_URL/logout"></form>
<script>document.getElementById('f').submit()</script>""",
    "/logout-link": """<img src="APP_URL/logout"><script>location.href = APP + '/logout'</script>""",
    "/frame": """<iframe id=app src="APP_URL/" width=800 height=600></iframe>""",
}


@pytest.fixture(scope="module")
def live(live_factory: LiveFactory) -> LiveServer:
    """The app, which answers the name app.test (AVATAR_ALLOWED_HOSTS); evil.test is not ours."""
    return live_factory(allowed_hosts=("app.test",))


@pytest.fixture(scope="module")
def sites(live: LiveServer) -> Iterator[tuple[str, str, str]]:
    """(app url on app.test, evil url on evil.test, the attacker's name): a tiny evil server."""
    port = int(live.url.rsplit(":", 1)[1])
    app_url, attacker = f"http://app.test:{port}", f"attacker-{uuid.uuid4().hex[:6]}"
    live.signup(attacker)

    class Evil(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            body = (
                PAGES.get(self.path, "")
                .replace("APP_URL", app_url)
                .replace("attacker-NAME", attacker)
                .replace("PASSWORD", PASSWORD)
            )
            data = f"<!doctype html><script>const APP='{app_url}'</script>{body}".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    evil_port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", evil_port), Evil)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield app_url, f"http://evil.test:{evil_port}", attacker
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def victim(sites: tuple[str, str, str], live: LiveServer) -> Iterator[tuple[Any, str, list[str]]]:
    """A Chromium page logged in on app.test, its username, and its console messages."""
    if not pw.chromium_available():
        missing("Chromium (apt-get install chromium; pip install playwright)")
    from playwright.sync_api import sync_playwright

    app_url = sites[0]
    name = f"victim-{uuid.uuid4().hex[:6]}"
    live.signup(name)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(pw.CHROMIUM),
            args=pw.ARGS + ["--host-resolver-rules=MAP app.test 127.0.0.1, MAP evil.test 127.0.0.1"],
        )
        console: list[str] = []
        page = pw.login(browser, app_url, name, PASSWORD)
        page.on("console", lambda msg: console.append(msg.text))
        yield page, name, console
        browser.close()


def still_victim(page: Any, app_url: str, name: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{app_url}/")
    expect(page.locator("#greeting")).to_contain_text(f"Signed in as {name}", timeout=pw.TIMEOUT_MS)


def test_the_app_runs_under_its_csp(victim: tuple[Any, str, list[str]], sites: tuple[str, str, str]) -> None:
    page, name, console = victim
    still_victim(page, sites[0], name)
    page.get_by_role("tab", name="Gallery").click()
    page.get_by_role("tab", name="Generate").click()
    assert not [m for m in console if "Content Security Policy" in m], console


def test_another_site_cannot_read_the_api(
    victim: tuple[Any, str, list[str]], sites: tuple[str, str, str]
) -> None:
    page = victim[0]
    page.goto(f"{sites[1]}/read")
    page.wait_for_function("() => window.result !== undefined")
    assert page.evaluate("() => window.result") == "blocked"


@pytest.mark.parametrize("attack", ["/login-csrf", "/logout-csrf", "/logout-link"])
def test_another_site_cannot_log_the_user_in_or_out(
    victim: tuple[Any, str, list[str]], sites: tuple[str, str, str], attack: str
) -> None:
    page, name, _ = victim
    page.goto(f"{sites[1]}{attack}")
    page.wait_for_url(f"{sites[0]}/**")
    if attack == "/logout-link":  # a GET (link, <img>) only shows the button
        page.wait_for_selector("text=Log out?")
    else:
        page.wait_for_selector("text=Cross-site request refused")
    still_victim(page, sites[0], name)


def test_another_site_cannot_frame_the_app(
    victim: tuple[Any, str, list[str]], sites: tuple[str, str, str]
) -> None:
    page, _, console = victim
    page.goto(f"{sites[1]}/frame")
    page.wait_for_timeout(500)
    frame = page.frame_locator("#app")
    assert frame.locator("#greeting").count() == 0 and frame.locator("gradio-app").count() == 0
    assert any("frame-ancestors" in m for m in console), console


def test_markdown_in_a_prompt_is_text_in_the_recipe(
    victim: tuple[Any, str, list[str]], sites: tuple[str, str, str]
) -> None:
    from playwright.sync_api import expect

    page, name, _ = victim
    still_victim(page, sites[0], name)
    pw.generate(page, "![](/logout) ![x](https://evil.test/x.png) a cat")
    page.get_by_role("tab", name="Gallery").click()
    page.locator("#avatar-grid .thumb").first.click()
    recipe = page.locator("#avatar-recipe")
    expect(recipe).to_contain_text("![](/logout) ![x](https://evil.test/x.png) a cat")
    expect(recipe.locator("img")).to_have_count(0)
    still_victim(page, sites[0], name)


def test_the_log_out_button_posts(victim: tuple[Any, str, list[str]], sites: tuple[str, str, str]) -> None:
    page, name, _ = victim  # runs last in this module: it ends the victim's session
    still_victim(page, sites[0], name)
    page.locator("#logout").get_by_role("button", name="Log out").click()  # a POST, same tab
    page.wait_for_url(f"{sites[0]}/login")
    page.goto(f"{sites[0]}/")
    page.wait_for_url(f"{sites[0]}/login")
