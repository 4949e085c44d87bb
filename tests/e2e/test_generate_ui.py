"""In Chromium: the Generate tab on a desktop (issue #11): Generate above the fold, the preset
picker (category, search, full names), and a session ended by logging out in another tab."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import fresh_database_url
from tests.e2e import browser as pw
from tests.web.server import PASSWORD, LiveServer, serve, with_admin

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|The copy keyword is deprecated).*"),
]
DESKTOP = (1440, 900)
CUT_CAPTIONS_JS = """() => [...document.querySelectorAll(
    '#preset-gallery .preset-card:not([hidden]) .preset-name')]
  .filter(n => n.scrollWidth > n.clientWidth || n.scrollHeight > n.clientHeight).map(n => n.textContent)"""


FONT_SIZE_JS = "(b) => getComputedStyle(b).fontSize"


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as _expect

    return _expect(locator)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[LiveServer]:
    """The web app (offline engine) with an admin."""
    tmp_path = tmp_path_factory.mktemp("e2e-generate-ui")
    app = with_admin(tmp_path, fresh_database_url("sqlite", tmp_path, sqlite_template, None))
    try:
        with serve(app) as server:
            yield server
    finally:
        app.close()


def desktop_user(site: LiveServer, chromium: Any) -> tuple[str, Any]:
    """A fresh user signed up at 1440×900; (name, page)."""
    name = f"d-{uuid.uuid4().hex[:8]}"
    return name, pw.signup(chromium, site.url, name, PASSWORD, viewport=DESKTOP)


def test_generate_is_in_view_on_a_desktop_without_scrolling(site: LiveServer, chromium: Any) -> None:
    _, page = desktop_user(site, chromium)
    try:
        expect(page.locator("#quote")).to_contain_text("Will use")
        go = page.locator("#generate-btn")
        expect(go).to_be_in_viewport(ratio=1)
        assert page.evaluate("() => window.scrollY") == 0
        box = go.bounding_box()
        assert box is not None and box["y"] + box["height"] <= DESKTOP[1], box
        page.get_by_label("Prompt").fill("a beekeeper in a white veil")
        go.click()  # reachable as it is, and it works
        expect(page.locator("#result-image img.avatar-result")).to_be_attached()
    finally:
        page.context.close()


def test_the_preset_picker_filters_searches_and_picks_with_full_names(
    site: LiveServer, chromium: Any
) -> None:
    presets = site.app.catalog.presets()
    _, page = desktop_user(site, chromium)
    try:
        page.get_by_role("button", name="Presets").click()
        cards = page.locator("#preset-gallery .preset-card:not([hidden])")
        expect(cards).to_have_count(len(presets))
        pw.wait_image(page, "#preset-gallery .preset-card img")
        assert page.evaluate(CUT_CAPTIONS_JS) == []
        names = [n.strip() for n in cards.locator(".preset-name").all_inner_texts()]
        assert names == [p.name for p in presets]  # full names, in catalog order
        sport = [p for p in presets if p.category == "sports"]
        page.get_by_label("Category").select_option("sports")
        expect(cards).to_have_count(len(sport))
        assert page.evaluate(CUT_CAPTIONS_JS) == []
        page.get_by_label("Category").select_option("")
        page.get_by_label("Search").fill("tech")
        expect(cards).to_have_count(1)
        expect(cards.first).to_contain_text("Tech Professional")
        page.get_by_label("Search").fill("no such preset at all")
        expect(cards).to_have_count(0)
        expect(page.locator("#preset-gallery .preset-none")).to_be_visible()
        page.get_by_label("Search").fill("tech")
        cards.first.click()
        expect(page.get_by_label("Preset", exact=True)).to_have_value("Tech Professional")
        expect(cards.first).to_have_attribute("aria-pressed", "true")
        expect(page.locator("#quote")).to_contain_text("Will use")
    finally:
        page.context.close()


def test_logging_out_in_another_tab_ends_the_session_in_this_one(site: LiveServer, chromium: Any) -> None:
    name, page = desktop_user(site, chromium)
    try:
        page.get_by_label("Prompt").fill("a potter with clay on her apron")
        other = page.context.new_page()  # the same browser, a second tab
        other.goto(site.url + "/")
        other.get_by_role("button", name="Log out").click()
        other.wait_for_url(f"{site.url}/login")
        other.close()
        page.click("#generate-btn")
        expect(page.get_by_role("alertdialog")).to_contain_text("Your session has ended")
        page.wait_for_url(f"{site.url}/login?next=/")
        page.fill("#username", name)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{site.url}/")
        expect(page.get_by_label("Prompt")).to_have_value("a potter with clay on her apron")
        assert site.app.gallery.page(site.app.accounts.by_name(name).id).total == 0
    finally:
        page.context.close()


def test_a_generate_click_is_one_request_and_the_page_does_the_rest(site: LiveServer, chromium: Any) -> None:
    _, page = desktop_user(site, chromium)
    try:
        expect(page.locator("#greeting")).to_contain_text("24 credits")
        go = page.locator("#generate-btn")
        page.evaluate("() => window.avatarBusy(true)")  # what the click does first, in the page
        expect(go).to_be_disabled()
        expect(page.get_by_role("button", name="Generating…")).to_be_visible()
        page.evaluate("() => window.avatarBusy(false)")
        expect(page.get_by_role("button", name="Generate", exact=True)).to_be_enabled()

        posts: list[dict[str, Any]] = []
        page.on(
            "request",
            lambda r: (
                posts.append(r.post_data_json or {})
                if r.method == "POST" and "/gradio_api/" in r.url
                else None
            ),
        )
        page.get_by_label("Prompt").fill("a beekeeper in a white veil")
        size = go.evaluate(FONT_SIZE_JS)
        go.click()
        expect(page.locator("#result-image img.avatar-result")).to_be_attached()
        expect(page.locator("#greeting")).to_contain_text("16 credits")  # from the result's record
        expect(go).to_be_enabled()
        assert go.evaluate(FONT_SIZE_JS) == size  # its label back at once, not growing from 0
        config = page.request.get(f"{site.url}/config").json()
        names = {d["id"]: d.get("api_name") for d in config["dependencies"]}
        called = [names.get(p.get("fn_index")) for p in posts if "fn_index" in p]
        assert called.count("generate") == 1, called
        assert not {"busy", "after_generate"} & set(called), called  # done in the page, no request
    finally:
        page.context.close()
