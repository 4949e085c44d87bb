"""End to end in Debian Chromium: sign up, generate offline, gallery, admin credits, privacy."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from avatar_core.services import credits
from avatar_core.services.generation import GenerationRequest
from tests.e2e import browser as pw
from tests.web.server import ADMIN_PASSWORD, ADMIN_USERNAME, PASSWORD, LiveServer

XSS_PROMPT = "<img src=x onerror=window.__xss=1> [link](javascript:window.__xss=2)"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|The copy keyword is deprecated).*"),
]


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as _expect

    return _expect(locator)


@pytest.fixture(scope="module")
def alice(live: LiveServer, chromium: Any) -> tuple[str, Any]:
    """A user signed up through the browser form; (username, page)."""
    name = f"alice-{uuid.uuid4().hex[:6]}"
    return name, pw.signup(chromium, live.url, name, PASSWORD)


def own_image_url(live: LiveServer, username: str) -> str:
    """The URL of one of `username`'s avatars (made through the service if there is none)."""
    user = live.app.accounts.by_name(username)
    items = live.app.gallery.page(user.id).items
    if items:
        return f"/avatars/{items[0].id}/image.png"
    gen = live.app.generations.generate(user, GenerationRequest(prompt="a portrait"))
    return f"/avatars/{gen.generation_id}/image.png"


def test_sign_up_generate_and_find_it_in_the_gallery(alice: tuple[str, Any]) -> None:
    name, page = alice
    expect(page.locator("#greeting")).to_contain_text(f"Signed in as {name}")
    expect(page.locator("#greeting")).to_contain_text("24 credits")
    banner = page.locator("#offline-note")
    expect(banner).to_contain_text("Preview mode: this server isn't connected to an image model")
    expect(banner).not_to_contain_text("HF_TOKEN")  # operator how-to: admins only
    quote = page.locator("#quote")
    expect(quote).to_contain_text("Will use FLUX.1-dev Base")
    expect(quote).to_contain_text("8 credits · Balance: 24 credits")
    expect(page.locator("#locked-note")).to_contain_text("FLUX.1-dev HD + Realism LoRA (pro)")
    expect(page.get_by_role("tab", name="Admin")).to_have_count(0)

    pw.generate(page, "a woman with red curly hair and green glasses")
    src = page.locator("#result-image img.avatar-result").get_attribute("src")
    assert src and re.fullmatch(r"/avatars/\d+/image\.png", src)
    expect(page.get_by_text("Charged 8 credits")).to_be_visible()
    expect(page.locator("#greeting")).to_contain_text("16 credits")
    expect(quote).to_contain_text("Balance: 16 credits")

    page.get_by_role("tab", name="Gallery").click()
    thumb = page.locator(f'#avatar-grid .thumb[data-id="{src.split("/")[2]}"]')
    expect(thumb).to_be_visible()
    pw.wait_image(page, "#avatar-grid .thumb img")
    expect(page.locator("#page-label")).to_have_text("1 avatar")
    expect(page.get_by_role("button", name="Older →")).to_have_count(0)  # no pager on one page
    for action in ("☆ Favourite", "Use these settings again", "Delete", "👍 Good", "👎 Not right"):
        expect(page.get_by_role("button", name=action, exact=True)).to_be_disabled()
    expect(page.locator("#variations-btn")).to_be_disabled()  # nothing selected (#23 item 4)
    thumb.click()
    expect(thumb).to_have_class(re.compile(r"\bpicked\b"))
    detail = page.locator("#avatar-detail img.avatar-result")
    expect(detail).to_have_attribute("src", src)
    pw.wait_image(page, "#avatar-detail img.avatar-result")
    recipe = page.locator("#avatar-recipe")
    expect(recipe).to_contain_text("a woman with red curly hair and green glasses")
    expect(recipe).to_contain_text("FLUX.1-dev Base (offline preview)")
    expect(recipe).to_contain_text("512×512")
    expect(recipe.get_by_role("link", name="Download PNG")).to_have_attribute(
        "href", src.replace("image.png", "download.png")
    )

    expect(page.locator("#variations-btn")).to_be_enabled()
    page.get_by_role("button", name="☆ Favourite").click()
    expect(page.locator("#gallery-msg")).to_contain_text("Added to favourites")
    expect(thumb.locator(".fav")).to_be_visible()
    expect(page.get_by_role("button", name="★ Unfavourite")).to_be_enabled()
    page.get_by_role("button", name="Use these settings again").click()
    expect(page.get_by_role("tab", name="Generate")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_label("Prompt")).to_have_value("a woman with red curly hair and green glasses")

    page.get_by_role("tab", name="Gallery").click()
    page.get_by_role("button", name="Delete", exact=True).click()  # asks first
    page.get_by_role("button", name="Keep it").click()
    expect(page.locator("#confirm-delete:visible")).to_have_count(0)  # Gradio may keep a hidden copy
    expect(thumb).to_be_visible()
    page.get_by_role("button", name="Delete", exact=True).click()
    page.get_by_role("button", name="Yes, remove it").click()
    expect(page.locator("#gallery-msg")).to_contain_text("Avatar deleted.")
    expect(page.locator("#avatar-grid")).to_contain_text("No avatars yet")
    expect(page.locator("#avatar-detail img")).to_have_count(0)
    expect(page.locator("#avatar-recipe")).to_contain_text("Select an avatar")
    expect(page.get_by_role("button", name="Delete", exact=True)).to_be_disabled()
    assert page.request.get(page.url.rstrip("/") + src).status == 404
    expect(page.locator("#greeting")).to_contain_text("16 credits")


def test_admin_grants_credits_and_the_user_sees_the_new_balance(
    live: LiveServer, chromium: Any, alice: tuple[str, Any]
) -> None:
    name, user_page = alice
    before = live.app.accounts.by_name(name).balance
    admin = pw.login(chromium, live.url, ADMIN_USERNAME, ADMIN_PASSWORD)
    try:
        tab = admin.get_by_role("tab", name="Admin")
        expect(tab).to_be_visible()
        expect(admin.locator("#quote")).to_contain_text("0 credits")  # enterprise: free renders
        admin.get_by_label("Fast", exact=True).check()  # the quote follows the preferences
        expect(admin.locator("#quote")).to_contain_text("Will use FLUX.1-schnell Fast")
        tab.click()
        users = admin.locator("#admin-users")
        expect(users).to_contain_text(name)
        admin.get_by_role("tab", name="Credits").click()
        admin.get_by_label("Username", exact=True).fill(name)
        admin.get_by_label("Credits", exact=True).fill("40")
        admin.get_by_label("Reason", exact=True).fill("browser test bonus")
        admin.get_by_role("button", name="Grant credits").click()
        expect(admin.locator("#admin-msg")).to_contain_text(
            f"Granted 40 credits for {name}; balance now {before + 40}."
        )
        admin.get_by_role("tab", name="Users").click()  # the section reads the users again
        expect(users).to_contain_text(str(before + 40))
    finally:
        admin.context.close()
    with live.app.db.read() as session:
        top = credits.history(session, live.app.accounts.by_name(name).id, limit=1)[0]
    admin_id = live.app.accounts.by_name(ADMIN_USERNAME).id
    assert (top.type, top.amount, top.actor_id, top.reason) == (
        "admin_adjust",
        40,
        admin_id,
        "browser test bonus",
    )
    user_page.reload()
    expect(user_page.locator("#greeting")).to_contain_text(f"{before + 40} credits")
    expect(user_page.locator("#quote")).to_contain_text(f"Balance: {before + 40} credits")


def test_another_user_sees_an_empty_gallery_and_cannot_fetch_the_image(
    live: LiveServer, chromium: Any, alice: tuple[str, Any]
) -> None:
    url = own_image_url(live, alice[0])
    assert alice[1].request.get(f"{live.url}{url}").status == 200
    name = f"bob-{uuid.uuid4().hex[:6]}"
    page = pw.signup(chromium, live.url, name, PASSWORD)
    try:
        expect(page.get_by_role("tab", name="Admin")).to_have_count(0)
        page.get_by_role("tab", name="Gallery").click()
        expect(page.locator("#avatar-grid")).to_contain_text("No avatars yet")
        expect(page.locator("#avatar-grid .thumb")).to_have_count(0)
        response = page.request.get(f"{live.url}{url}")
        assert response.status == 404
        status = page.evaluate("(u) => fetch(u).then(r => r.status)", url)
        assert status == 404

        # Their own prompt is shown as text, never as markup or a script link.
        pw.generate(page, XSS_PROMPT)
        page.get_by_role("tab", name="Gallery").click()
        page.locator("#avatar-grid .thumb").first.click()
        expect(page.locator("#avatar-recipe")).to_contain_text("<img src=x")
        assert page.evaluate("() => window.__xss") is None
        expect(page.locator("a[href^='javascript']")).to_have_count(0)
    finally:
        page.context.close()
