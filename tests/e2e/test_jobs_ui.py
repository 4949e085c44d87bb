"""The page and its jobs, in Chromium: close the tab while an avatar is made, come back to it;
cancel an avatar in progress from the page (refunded at once)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import fresh_database_url
from tests.e2e import browser as pw
from tests.e2e.slow_engine import GatedEngine
from tests.web.server import PASSWORD, LiveServer, serve, with_admin

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|The copy keyword is deprecated).*"),
]


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as _expect

    return _expect(locator)


@pytest.fixture(scope="module")
def gated() -> GatedEngine:
    return GatedEngine()


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path, gated: GatedEngine
) -> Iterator[LiveServer]:
    """The web app with its own worker, as app.py runs it."""
    tmp_path = tmp_path_factory.mktemp("e2e-jobs")
    app = with_admin(
        tmp_path, fresh_database_url("sqlite", tmp_path, sqlite_template, None), engine_impl=gated
    )
    worker = app.generations.start_worker(slots=8, poll=0.2)
    try:
        with serve(app) as server:
            yield server
    finally:
        gated.gate.set()
        worker.stop(drain=True, timeout=10)
        app.close()


def test_close_the_tab_while_it_runs_and_find_the_avatar_on_return(
    site: LiveServer, chromium: Any, gated: GatedEngine
) -> None:
    name = f"j-{uuid.uuid4().hex[:8]}"
    gated.gate.clear()
    gated.started.clear()
    page = pw.signup(chromium, site.url, name, PASSWORD)
    context = page.context
    page.get_by_label("Prompt").fill("a lighthouse keeper at dusk")
    page.click("#generate-btn")
    assert gated.started.wait(15)
    expect(page.locator("#stop-btn")).to_be_visible()  # a job is running: it can be stopped
    page.close()  # the tab is closed while the provider works
    gated.gate.set()
    user = site.app.accounts.by_name(name)
    again = context.new_page()
    again.goto(site.url + "/")
    expect(again.locator("#result-image img.avatar-result")).to_be_attached(timeout=pw.TIMEOUT_MS)
    expect(again.locator("#greeting")).to_contain_text(f"{site.app.accounts.get(user.id).balance} credits")
    assert site.app.gallery.page(user.id).total == 1  # made once, charged once
    again.get_by_role("tab", name="Gallery").click()
    expect(again.locator("#avatar-grid .thumb")).to_have_count(1)
    context.close()


def test_cancel_an_avatar_in_progress_from_the_page(
    site: LiveServer, chromium: Any, gated: GatedEngine
) -> None:
    name = f"k-{uuid.uuid4().hex[:8]}"
    gated.gate.clear()
    gated.started.clear()
    page = pw.signup(chromium, site.url, name, PASSWORD)
    try:
        page.get_by_label("Prompt").fill("a lighthouse keeper at dusk")
        page.click("#generate-btn")
        assert gated.started.wait(15)
        stop = page.locator("#stop-btn")
        expect(stop).to_be_visible()
        expect(stop).to_have_text("Cancel: stop this avatar (your credits are refunded)")
        stop.click()
        expect(
            page.get_by_text("Cancelled 1 avatar in progress; your credits were refunded.")
        ).to_be_visible()
        expect(page.locator("#result-info")).to_contain_text("Cancelled; your credits were refunded.")
        expect(page.locator("#greeting")).to_contain_text("24 credits")
        expect(stop).to_be_hidden()
        expect(page.locator("#generate-btn")).to_be_enabled()
        user = site.app.accounts.by_name(name)
        assert (
            site.app.accounts.get(user.id).balance == 24 and site.app.generations.in_progress(user.id) == []
        )
    finally:
        gated.gate.set()
        page.context.close()


def test_generate_comes_back_after_a_refusal(site: LiveServer, chromium: Any) -> None:
    """#23 item 1: a refused click (no prompt, too few credits) left Generate disabled until reload."""
    page = pw.signup(chromium, site.url, f"r-{uuid.uuid4().hex[:8]}", PASSWORD)
    try:
        go = page.locator("#generate-btn")
        page.click("#generate-btn")  # no prompt, no preset: refused before any charge
        expect(page.get_by_text("Write a prompt or pick a preset.").first).to_be_visible()
        expect(go).to_be_enabled()
        expect(go).to_have_text("Generate")
        expect(page.locator("#greeting")).to_contain_text("24 credits")
    finally:
        page.context.close()
