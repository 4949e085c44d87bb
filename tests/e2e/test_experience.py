"""In Chromium: the experience (issue #11): session end, a stable layout, an honest quote,
the preview banner, gallery and admin finish, axe-core, and 390 px phones."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from avatar_core.services.generation import GenerationRequest
from tests.conftest import fresh_database_url, missing
from tests.e2e import browser as pw
from tests.e2e.axe import axe_available, describe, run_axe, serious
from tests.e2e.slow_engine import SlowEngine
from tests.web.server import ADMIN_PASSWORD, ADMIN_USERNAME, PASSWORD, LiveServer, serve, with_admin

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|The copy keyword is deprecated).*"),
]
WIDTH_JS = "() => document.querySelector('.gradio-container').getBoundingClientRect().width"
OVERFLOW_JS = "() => document.documentElement.scrollWidth - window.innerWidth"


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as _expect

    return _expect(locator)


@pytest.fixture(scope="module")
def slow() -> SlowEngine:
    """The module's engine (tests set its delay)."""
    return SlowEngine()


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path, slow: SlowEngine
) -> Iterator[LiveServer]:
    """The web app (offline, slowable engine) with an admin."""
    tmp_path = tmp_path_factory.mktemp("e2e-experience")
    app = with_admin(
        tmp_path, fresh_database_url("sqlite", tmp_path, sqlite_template, None), engine_impl=slow
    )
    try:
        with serve(app) as server:
            yield server
    finally:
        app.close()


def new_user(site: LiveServer, chromium: Any, tier: str = "free", **kw: Any) -> tuple[str, Any]:
    """A fresh user signed up in the browser (moved to `tier`); (name, page)."""
    name = f"u-{uuid.uuid4().hex[:8]}"
    page = pw.signup(chromium, site.url, name, PASSWORD, **kw)
    if tier != "free":
        admin = site.app.accounts.by_name(ADMIN_USERNAME)
        site.app.admin.set_tier(admin, name, tier)
        page.reload()
        expect(page.locator("#greeting")).to_contain_text(f"{tier} tier")
    return name, page


def test_a_session_ended_elsewhere_goes_to_login_and_comes_back_with_the_prompt(
    site: LiveServer, chromium: Any
) -> None:
    name, page = new_user(site, chromium)
    try:
        pw.choose(page, "Preset", "Tech Professional")
        page.get_by_label("Prompt").fill("short silver hair, yellow raincoat")
        expect(page.locator("#quote")).to_contain_text("Will use")
        with site.client() as c:  # log out in "another browser": every session of the user ends
            c.cookies.set("avatar_session", site.login(name, PASSWORD))
            assert c.post("/logout").status_code == 303  # logout is POST-only (a same-site form)
        page.click("#generate-btn")
        note = page.get_by_role("alertdialog")
        expect(note).to_contain_text("Your session has ended")
        expect(page.locator(".toast-body")).to_have_count(0)  # no bare red "Error"
        page.wait_for_url(f"{site.url}/login?next=/")
        page.fill("#username", name)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{site.url}/")
        expect(page.get_by_label("Prompt")).to_have_value("short silver hair, yellow raincoat")
        expect(page.get_by_label("Preset", exact=True)).to_have_value("Tech Professional")
        assert site.app.gallery.page(site.app.accounts.by_name(name).id).total == 0
    finally:
        page.context.close()


# The label a sighted user reads: the ::before text style.css shows while busy, else the button's own.
SHOWN_LABEL_JS = """(b) => {
  const before = getComputedStyle(b, '::before').content;
  return before && before !== 'none' ? JSON.parse(before) : b.textContent.trim();
}"""


def test_a_slow_generation_keeps_the_layout_and_shows_a_busy_button_and_stages(
    site: LiveServer, chromium: Any, slow: SlowEngine
) -> None:
    name, page = new_user(site, chromium)
    try:
        before = page.evaluate(WIDTH_JS)
        slow.delay, slow.started = 2.5, threading.Event()
        page.get_by_label("Prompt").fill("a calm sailor")
        page.click("#generate-btn")
        assert slow.started.wait(10)
        page.wait_for_timeout(300)  # Gradio's progress overlay is showing now
        expect(page.locator("#result-image img.avatar-result")).to_have_count(0)
        during = page.evaluate(WIDTH_JS)
        go = page.locator("#generate-btn")  # busy, and cannot be clicked twice
        expect(page.get_by_role("button", name="Generating…")).to_be_visible()  # its name (aria-label)
        assert go.evaluate(SHOWN_LABEL_JS) == "Generating…"  # and what it shows (style.css)
        expect(go).to_be_disabled()
        expect(page.locator("#result-image")).to_contain_text(
            re.compile(r"Generating with FLUX\.1-dev Base · \d+ s of about \d+ s")
        )
        expect(page.locator("#result-image img.avatar-result")).to_be_attached(timeout=15_000)
        after = page.evaluate(WIDTH_JS)
        page.get_by_role("tab", name="Gallery").click()
        expect(page.locator("#avatar-grid .thumb")).to_have_count(1)
        gallery = page.evaluate(WIDTH_JS)
        assert before == during == after == gallery, (before, during, after, gallery)
        assert before > 1100
        expect(go).to_have_text("Generate")
        assert go.evaluate(SHOWN_LABEL_JS) == "Generate"
        expect(go).to_be_enabled()
        assert site.app.gallery.page(site.app.accounts.by_name(name).id).total == 1  # one charge
        # Gradio's "queue: 3/5 | 1.2s" reads as words (checked on a stand-in status line).
        page.evaluate("""() => document.querySelector('#result-image').insertAdjacentHTML(
            'beforeend', '<div class="progress-text" id="fake-queue">queue: 3/5 | 1.2s</div>')""")
        expect(page.locator("#fake-queue")).to_have_attribute(
            "data-words", "Waiting for a free slot: 2 ahead of you · 1.2s"
        )
    finally:
        slow.delay = 0.0
        page.context.close()


def test_the_quote_names_fallbacks_and_disables_toggles_that_cannot_apply(
    site: LiveServer, chromium: Any
) -> None:
    _, page = new_user(site, chromium)
    try:
        quote = page.locator("#quote")
        expect(quote).to_contain_text("Why: the free tier's default.")
        realism = page.get_by_label("Prefer realism")
        expect(realism).to_be_disabled()
        expect(page.locator("#pref-realism")).to_contain_text("Needs the basic tier (yours is free).")
        expect(page.get_by_label("Prefer HD")).to_be_disabled()
        fast = page.get_by_label("Fast", exact=True)
        expect(fast).to_be_disabled()  # schnell is a basic-tier model
        pw.choose(page, "Model", "FLUX.1-dev Base · 8 credits")
        expect(page.locator("#pref-fast")).to_contain_text("Not used with a chosen model")
        expect(quote).to_contain_text("Why: you chose this model.")
        page.get_by_role("tab", name="Gallery").click()  # an empty gallery leads to Generate
        page.get_by_role("link", name="create one on the Generate tab").click()
        expect(page.get_by_role("tab", name="Generate")).to_have_attribute("aria-selected", "true")
    finally:
        page.context.close()

    _, page = new_user(site, chromium, tier="basic")
    try:
        realism, fast = page.get_by_label("Prefer realism"), page.get_by_label("Fast", exact=True)
        expect(realism).to_be_enabled()
        realism.check()
        expect(page.locator("#quote")).to_contain_text("Why: you asked for realism.")
        fast.check()  # one preference at a time: the last ticked wins
        expect(realism).not_to_be_checked()
        expect(page.locator("#quote")).to_contain_text("Will use FLUX.1-schnell Fast")
        expect(page.locator("#quote")).to_contain_text("Why: you asked for fast.")
        pw.choose(page, "Model", "FLUX.1-dev + Realism LoRA · 12 credits")
        expect(fast).to_be_disabled()
        expect(fast).not_to_be_checked()
    finally:
        page.context.close()


def test_enterprise_prices_and_balance_refresh_without_reload(site: LiveServer, chromium: Any) -> None:
    name, page = new_user(site, chromium, tier="enterprise")
    try:
        page.get_by_label("Model", exact=True).click()
        expect(page.get_by_role("option", name="FLUX.1-dev Base · 0 credits")).to_be_visible()
        page.keyboard.press("Escape")
        expect(page.locator("#quote")).to_contain_text("enterprise renders are free")
        before = site.app.accounts.by_name(name).balance
        site.app.admin.adjust_credits(
            site.app.accounts.by_name(ADMIN_USERNAME), name, 33, "grant while the tab is open"
        )
        page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
        expect(page.locator("#greeting")).to_contain_text(f"{before + 33} credits")
        expect(page.locator("#quote")).to_contain_text(f"Balance: {before + 33} credits")
    finally:
        page.context.close()


def test_admins_see_the_operator_note_and_a_tidy_admin_tab(site: LiveServer, chromium: Any) -> None:
    admin = site.app.accounts.by_name(ADMIN_USERNAME)
    site.app.generations.generate(admin, GenerationRequest(prompt="enterprise render"))
    page = pw.login(chromium, site.url, ADMIN_USERNAME, ADMIN_PASSWORD)
    try:
        expect(page.locator("#offline-note")).to_contain_text("HF_TOKEN")
        page.get_by_role("tab", name="Admin").click()
        expect(page.locator("#admin-users")).to_contain_text(ADMIN_USERNAME)
        search = page.get_by_label("Search users (name or tier)")
        search.fill("nobody-like-this")
        search.press("Enter")
        expect(page.locator("#admin-users-note")).to_contain_text("No users match “nobody-like-this”.")
        expect(page.get_by_label("New tier")).to_be_visible()
        page.get_by_role("tab", name="Credits").click()
        page.get_by_label("Username", exact=True).fill(ADMIN_USERNAME)
        page.get_by_role("button", name="Show ledger").click()
        expect(page.locator("#ledger-title")).to_contain_text(f"Ledger of {ADMIN_USERNAME}")
        ledger = page.locator("#admin-ledger")
        expect(ledger).to_contain_text("grant")
        expect(ledger).not_to_contain_text("capture")  # enterprise captures 0: not shown
        page.get_by_label("Credits", exact=True).fill("5")
        page.get_by_label("Reason", exact=True).fill("browser test")
        page.get_by_role("button", name="Grant credits").click()
        expect(page.locator("#admin-msg")).to_contain_text("Granted 5 credits")
        page.get_by_label("Credits", exact=True).fill("0")
        page.get_by_role("button", name="Grant credits").click()
        expect(page.locator("#admin-msg")).not_to_contain_text("Granted")  # replaced, not stale
    finally:
        page.context.close()


def test_axe_finds_nothing_serious_on_any_page(site: LiveServer, chromium: Any) -> None:
    if not axe_available():
        missing("axe-core (make dev runs npm install --prefix .venv/axe axe-core@4)")
    found: dict[str, list[dict[str, Any]]] = {}
    anon = chromium.new_context()
    try:
        page = anon.new_page()
        for path in ("/login", "/signup"):
            page.goto(site.url + path)
            expect(page.locator("h1")).to_have_count(1)
            found[path] = run_axe(page)
    finally:
        anon.close()
    _, page = new_user(site, chromium)
    try:
        expect(page.locator("#quote")).to_contain_text("Will use")
        found["generate"] = run_axe(page)
        pw.generate(page, "a violinist in a green velvet jacket")
        expect(page.locator("#generate-btn")).to_be_enabled()
        found["generate with a result"] = run_axe(page)
        page.get_by_role("tab", name="Gallery").click()
        page.locator("#avatar-grid .thumb").first.click()
        pw.wait_image(page, "#avatar-detail img.avatar-result")
        expect(page.locator("#avatar-recipe")).to_contain_text("Seed:")
        expect(page.locator("#fav-btn")).to_be_enabled()
        page.wait_for_timeout(400)  # Gradio fades a pending Markdown in; measure it settled
        found["gallery"] = run_axe(page)
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
    finally:
        page.context.close()
    page = pw.login(chromium, site.url, ADMIN_USERNAME, ADMIN_PASSWORD)
    try:
        page.get_by_role("tab", name="Admin").click()
        expect(page.locator("#admin-users")).to_contain_text(ADMIN_USERNAME)
        found["admin"] = run_axe(page)
    finally:
        page.context.close()
    print({where: len(v) for where, v in found.items()})
    bad = {where: describe(serious(v)) for where, v in found.items() if serious(v)}
    assert not bad, bad


def test_phones_reach_generate_quickly_and_admin_fits(site: LiveServer, chromium: Any) -> None:
    _, page = new_user(site, chromium, viewport=(390, 844))
    try:
        bottom = page.evaluate(
            "() => document.querySelector('#generate-btn').getBoundingClientRect().bottom + window.scrollY"
        )
        assert bottom <= 2 * 844, bottom
        assert page.evaluate(OVERFLOW_JS) <= 0
        page.get_by_label("Prompt").fill("a gardener with a straw hat")
        page.click("#generate-btn")
        expect(page.locator("#result-image img.avatar-result")).to_be_attached()
        page.wait_for_function(
            "() => { const r = document.querySelector('#result-image')"
            ".getBoundingClientRect(); return r.top < window.innerHeight && "
            "r.bottom > 0; }"
        )
    finally:
        page.context.close()
    page = pw.login(chromium, site.url, ADMIN_USERNAME, ADMIN_PASSWORD, viewport=(390, 844))
    try:
        page.get_by_role("tab", name="Admin").click()
        expect(page.locator("#admin-users")).to_contain_text(ADMIN_USERNAME)
        assert page.evaluate(OVERFLOW_JS) <= 0
        expect(page.get_by_role("button", name="Log out")).to_be_in_viewport()
    finally:
        page.context.close()


def test_a_queued_generation_can_be_cancelled_before_it_starts(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path, chromium: Any
) -> None:
    tmp_path = tmp_path_factory.mktemp("e2e-queue")
    engine = SlowEngine(delay=4.0)
    app = with_admin(
        tmp_path,
        fresh_database_url("sqlite", tmp_path, sqlite_template, None),
        engine_impl=engine,
        concurrency=1,
    )
    try:
        with serve(app) as one_slot:
            first_name, first = new_user(one_slot, chromium)
            second_name, second = new_user(one_slot, chromium)
            try:
                first.get_by_label("Prompt").fill("a first portrait")
                first.click("#generate-btn")
                assert engine.started.wait(10)
                second.get_by_label("Prompt").fill("a second portrait")
                second.click("#generate-btn")
                progress = second.locator("#result-image .progress-text")
                expect(progress).to_have_attribute(
                    "data-words", re.compile(r"^Waiting for a free slot: you're next")
                )
                cancel = second.get_by_role("button", name="Cancel: leave the queue")
                expect(cancel).to_be_visible()
                cancel.click()
                expect(second.locator("#generate-btn")).to_be_enabled()
                expect(cancel).to_be_hidden()
                expect(first.locator("#result-image img.avatar-result")).to_be_attached(timeout=15_000)
                second.wait_for_timeout(1000)
                user = app.accounts.by_name(second_name)
                assert user.balance == 24 and app.gallery.page(user.id).total == 0
                assert app.gallery.page(app.accounts.by_name(first_name).id).total == 1
            finally:
                first.context.close()
                second.context.close()
    finally:
        app.close()
