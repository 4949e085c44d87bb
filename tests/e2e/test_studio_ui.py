"""In Chromium, issue #23: Generate is never offered when it can only be refused, the gallery's
buttons act only on a selected avatar, bad uploads leave no error badges, the attached photo stays
in view, and the price stays next to Generate."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.e2e import browser as pw
from tests.web.server import ADMIN_USERNAME, PASSWORD, LiveServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|The copy keyword is deprecated).*"),
]


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as _expect

    return _expect(locator)


@pytest.fixture(scope="module")
def site(live: LiveServer) -> LiveServer:
    """The shared live app (tests/e2e/conftest.py: offline engine, an admin)."""
    return live


def new_user(site: LiveServer, chromium: Any, **kw: Any) -> tuple[str, Any]:
    """A fresh user signed up in the browser; (name, page)."""
    name = f"s-{uuid.uuid4().hex[:8]}"
    page = pw.signup(chromium, site.url, name, PASSWORD, **kw)
    page.wait_for_selector("body[data-followed]", state="attached")
    return name, page


def grant(site: LiveServer, name: str, credits: int) -> None:
    """Move `name`'s balance by `credits` as the admin would."""
    admin = site.app.accounts.by_name(ADMIN_USERNAME)
    site.app.admin.adjust_credits(admin, name, credits, "test")


def refresh(page: Any) -> None:
    """What a tab regaining focus does: balance and quote read again."""
    page.evaluate("() => document.getElementById('refresh-balance').click()")


def test_generate_is_not_offered_when_the_quote_says_not_enough_credits(
    site: LiveServer, chromium: Any
) -> None:
    """#23 item 1: the quote said "not enough credits" and Generate stayed clickable."""
    name, page = new_user(site, chromium)
    try:
        go = page.locator("#generate-btn")
        expect(go).to_be_enabled()
        grant(site, name, -site.app.accounts.by_name(name).balance)  # nothing left
        refresh(page)
        expect(page.locator("#quote")).to_contain_text("not enough credits")
        expect(go).to_be_disabled()
        expect(go).to_have_attribute("aria-label", "Not enough credits")
        grant(site, name, 10)  # an admin grants credits while the tab is open
        refresh(page)
        expect(page.locator("#quote")).not_to_contain_text("not enough credits")
        expect(go).to_be_enabled()
        expect(go).not_to_have_attribute("aria-label", "Not enough credits")
    finally:
        page.context.close()
