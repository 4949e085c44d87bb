"""In Chromium, #23 item 7: a free user with 0 credits is never at a dead end. The locked models
are listed with the tier that opens them (and Generate is not offered for one), "Get credits"
opens by itself with the shop link and a code box, and a redeemed code brings Generate back."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from avatar_core.config_credits import CreditSettings
from avatar_core.services.actors import OPERATOR
from tests.conftest import fresh_database_url
from tests.e2e import browser as pw
from tests.web.server import ADMIN_USERNAME, PASSWORD, LiveServer, serve, with_admin

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|The copy keyword is deprecated).*"),
]
SHOP = "https://shop.example.com/credits"


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as _expect

    return _expect(locator)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[LiveServer]:
    """The web app (offline engine) with an admin and a shop link."""
    tmp_path = tmp_path_factory.mktemp("e2e-credits")
    url = fresh_database_url("sqlite", tmp_path, sqlite_template, None)
    app = with_admin(tmp_path, url, credits=CreditSettings(shop_url=SHOP))
    try:
        with serve(app) as server:
            yield server
    finally:
        app.close()


def broke_user(site: LiveServer, chromium: Any) -> tuple[str, Any]:
    """A free user signed up in the browser, then left with 0 credits and the page reloaded."""
    name = f"c-{uuid.uuid4().hex[:8]}"
    page = pw.signup(chromium, site.url, name, PASSWORD)
    admin = site.app.accounts.by_name(ADMIN_USERNAME)
    site.app.admin.adjust_credits(admin, name, -site.app.accounts.by_name(name).balance, "test")
    page.reload()
    page.wait_for_selector("body[data-followed]", state="attached")
    return name, page


def test_a_free_user_with_no_credits_finds_the_way_and_gets_generate_back(
    site: LiveServer, chromium: Any
) -> None:
    name, page = broke_user(site, chromium)
    try:
        go, quote = page.locator("#generate-btn"), page.locator("#quote")
        expect(quote).to_contain_text("not enough credits (see “Get credits” above)")
        expect(go).to_be_disabled()
        ways = page.locator("#credit-ways")
        expect(ways).to_be_visible()  # the section opened by itself: 0 credits pay for nothing
        expect(ways).to_contain_text("You have 0 credits")
        expect(page.locator("#credit-ways a", has_text="the shop")).to_have_attribute("href", SHOP)
        code = site.app.codes.create(OPERATOR, 10).code
        assert code
        page.get_by_label("Credit code").fill("not-a-code")
        page.click("#redeem-btn")
        expect(page.locator("#redeem-msg")).to_contain_text("That code is not valid")
        expect(go).to_be_disabled()
        page.get_by_label("Credit code").fill(code.lower())
        page.click("#redeem-btn")
        expect(page.locator("#redeem-msg")).to_contain_text("+10 credits added")
        expect(page.locator("#greeting")).to_contain_text("10 credits")
        expect(quote).not_to_contain_text("not enough credits")
        expect(go).to_be_enabled()
        pw.generate(page, "a smiling gardener")  # 8 of the 10
        expect(page.locator("#greeting")).to_contain_text("2 credits")
        assert site.app.accounts.by_name(name).balance == 2
    finally:
        page.context.close()


def test_locked_models_are_listed_with_their_tier_and_generate_is_not_offered(
    site: LiveServer, chromium: Any
) -> None:
    name = f"l-{uuid.uuid4().hex[:8]}"
    page = pw.signup(chromium, site.url, name, PASSWORD)
    try:
        page.wait_for_selector("body[data-followed]", state="attached")
        expect(page.locator("#locked-note")).to_contain_text("They end the Model list, marked “locked”")
        go, quote = page.locator("#generate-btn"), page.locator("#quote")
        expect(go).to_be_enabled()
        box = page.get_by_label("Model", exact=True)
        box.click()
        expect(
            page.get_by_role("option", name="FLUX.1-dev + Realism LoRA · locked: basic tier")
        ).to_be_visible()
        page.get_by_role("option", name="FLUX.1-dev HD + Realism LoRA · locked: pro tier").click()
        expect(quote).to_contain_text("needs the pro tier or higher; your tier is free")
        expect(go).to_be_disabled()
        expect(go).to_have_attribute("aria-label", "Needs a higher tier")  # not "Not enough credits"
        pw.choose(page, "Model", "Auto (recommended)")
        expect(quote).to_contain_text("Will use FLUX.1-dev Base")
        expect(go).to_be_enabled()
        assert site.app.accounts.by_name(name).balance == 24
    finally:
        page.context.close()
