"""In Chromium: the choices peers offer: aspect ratio, random seed, 1-4 images, variations (offline)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from tests.e2e import browser as pw
from tests.web.server import ADMIN_USERNAME, PASSWORD, LiveServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|The copy keyword is deprecated).*"),
]
BOX_WIDTH_JS = "() => document.querySelector('#result-image').getBoundingClientRect().width"
SIZES_JS = (
    "() => [...document.querySelectorAll('#result-image img.avatar-result')]"
    ".map(i => [i.naturalWidth, i.naturalHeight])"
)


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as _expect

    return _expect(locator)


def new_user(live: LiveServer, chromium: Any, credits: int = 24) -> tuple[str, Any]:
    """A fresh user signed up in the browser with `credits`; (name, page)."""
    name = f"c-{uuid.uuid4().hex[:8]}"
    page = pw.signup(chromium, live.url, name, PASSWORD)
    if credits != 24:
        admin = live.app.accounts.by_name(ADMIN_USERNAME)
        live.app.admin.adjust_credits(admin, name, credits - 24, "test")
        page.reload()
        expect(page.locator("#greeting")).to_contain_text(f"{credits} credits")
    return name, page


def click_generate(page: Any, count: int = 1) -> None:
    """Click Generate and wait for `count` loaded images."""
    page.wait_for_selector("body[data-followed]", state="attached")  # the page load's own result first
    page.evaluate("() => document.querySelectorAll('img.avatar-result').forEach(i => i.remove())")
    page.click("#generate-btn")
    expect(page.locator("#result-image img.avatar-result")).to_have_count(count, timeout=pw.TIMEOUT_MS)
    pw.wait_image(page, "#result-image img.avatar-result")
    expect(page.locator("#generate-btn")).not_to_have_attribute("aria-busy", "true")  # done (it stays
    # disabled, as "Not enough credits", when the balance left cannot pay for the next click)


def test_aspect_ratio_shows_the_size_first_and_keeps_the_layout(live: LiveServer, chromium: Any) -> None:
    _, page = new_user(live, chromium)
    try:
        page.get_by_label("Prompt").fill("a chef, head and shoulders")
        expect(page.locator("#quote")).to_contain_text("512×512")
        before = page.evaluate(BOX_WIDTH_JS)
        page.locator("#aspect").get_by_label("Portrait 4:5").check()
        expect(page.locator("#quote")).to_contain_text("464×576")
        click_generate(page)
        assert page.evaluate(SIZES_JS) == [[464, 576]]
        expect(page.locator("#result-info")).to_contain_text("464×576")
        assert page.evaluate(BOX_WIDTH_JS) == before  # no width jump for a portrait image
        page.locator("#aspect").get_by_label("Landscape 4:3").check()
        expect(page.locator("#quote")).to_contain_text("592×448")
    finally:
        page.context.close()


def test_random_seed_is_a_checkbox_and_the_seed_used_is_shown(live: LiveServer, chromium: Any) -> None:
    _, page = new_user(live, chromium)
    try:
        seed_box = page.locator("#seed input")
        expect(page.get_by_label("Random seed")).to_be_checked()
        expect(seed_box).to_be_disabled()
        page.get_by_label("Prompt").fill("a lighthouse keeper")
        click_generate(page)
        used = re.search(r"seed (\d+)", page.locator("#result-info").inner_text())
        assert used is not None
        expect(seed_box).to_have_value(used.group(1))  # the seed used, ready to reuse
        page.get_by_label("Random seed").uncheck()
        expect(seed_box).to_be_enabled()
        click_generate(page)
        expect(page.locator("#result-info")).to_contain_text(f"seed {used.group(1)}")
        seed_box.fill("-1")
        page.click("#generate-btn")
        expect(page.locator(".toast-body").first).to_contain_text("tick “Random seed”")
    finally:
        page.context.close()


def test_several_images_are_charged_each_and_the_quote_multiplies(live: LiveServer, chromium: Any) -> None:
    name, page = new_user(live, chromium)
    try:
        page.get_by_label("Prompt").fill("a violinist")
        page.locator("#count").get_by_label("4").check()
        expect(page.locator("#quote")).to_contain_text("4 × 8 = 32")
        expect(page.locator("#quote")).to_contain_text("not enough credits for 4")
        page.locator("#count").get_by_label("2").check()
        expect(page.locator("#quote")).to_contain_text("2 × 8 = 16")
        click_generate(page, 2)
        expect(page.locator("#result-info")).to_contain_text("2 of 2")
        expect(page.locator("#greeting")).to_contain_text("8 credits")
        expect(page.locator("#generate-btn")).to_be_disabled()  # 8 left cannot pay 2 × 8
        user = live.app.accounts.by_name(name)
        assert live.app.gallery.page(user.id).total == 2 and user.balance == 8
    finally:
        page.context.close()


def test_variations_of_a_gallery_avatar(live: LiveServer, chromium: Any) -> None:
    name, page = new_user(live, chromium, credits=40)
    try:
        page.get_by_label("Prompt").fill("a gardener")
        page.locator("#aspect").get_by_label("Portrait 3:4").check()
        click_generate(page)
        page.get_by_role("tab", name="Gallery").click()
        page.locator("#avatar-grid .thumb").first.click()
        expect(page.locator("#avatar-recipe")).to_contain_text("448×592")
        page.click("#variations-btn")
        expect(page.locator("#gallery-msg")).to_contain_text("2 of 2 variations made", timeout=pw.TIMEOUT_MS)
        expect(page.locator("#avatar-grid .thumb")).to_have_count(3)
        user = live.app.accounts.by_name(name)
        items = live.app.gallery.page(user.id).items
        assert {(a.width, a.height) for a in items} == {(448, 592)} and user.balance == 40 - 24
    finally:
        page.context.close()
