"""In Chromium, issue #23 items 6 and 8: the quote says when the user's words replace part of a
preset (before the click, without a request per keystroke), the result and the gallery show the
prompt sent, and the price and Generate stay in view on a desktop (sticky) and a phone (a bar)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.e2e import browser as pw
from tests.web.server import PASSWORD, LiveServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|The copy keyword is deprecated).*"),
]
DESKTOP, PHONE = (1440, 900), (390, 844)
REPLACED = "Your words replace the preset's ‘hijab’ (hair)"
RECT_JS = """(id) => { const b = document.getElementById(id).getBoundingClientRect();
  return {top: b.top, bottom: b.bottom, height: b.height, inner: window.innerHeight}; }"""
# Every visible block of the form (`true`: of the whole Generate tab) that reaches below the top of
# the phone's bar (the bar's own aside): what the bar would hide.
HIDDEN_BEHIND_BAR_JS = """(tab) => { const bar = document.getElementById('price-bar').getBoundingClientRect();
  const prompt = document.getElementById('prompt');
  const scope = tab ? prompt.closest('.tabitem') : prompt.closest('.column');
  return [...scope.querySelectorAll('.block, button')].filter(el => !el.closest('#price-bar'))
    .map(el => [el.id || el.className, el.getBoundingClientRect()])
    .filter(([, r]) => r.height > 0 && r.bottom > bar.top + 1 && r.top < window.innerHeight)
    .map(([name]) => String(name)); }"""


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as _expect

    return _expect(locator)


def new_user(live: LiveServer, chromium: Any, viewport: tuple[int, int]) -> Any:
    """A fresh user's page at `viewport`, once the page load is done."""
    page = pw.signup(chromium, live.url, f"p-{uuid.uuid4().hex[:8]}", PASSWORD, viewport=viewport)
    page.wait_for_selector("body[data-followed]", state="attached")
    return page


def in_viewport(page: Any, element_id: str) -> bool:
    """The element is wholly within the viewport (vertically)."""
    r = page.evaluate(RECT_JS, element_id)
    return bool(r["height"] > 0 and r["top"] >= 0 and r["bottom"] <= r["inner"])


def to_the_form_bottom(page: Any) -> None:
    """Scroll until the form's last field is at the bottom of the view."""
    page.evaluate("() => document.getElementById('avatar-name').scrollIntoView({block: 'end'})")
    page.wait_for_timeout(200)


def test_the_quote_names_what_the_prompt_replaces_without_a_request_per_keystroke(
    live: LiveServer, chromium: Any
) -> None:
    page = new_user(live, chromium, DESKTOP)
    try:
        pw.choose(page, "Preset", "Modest Fashion")
        quote = page.locator("#quote")
        expect(quote).to_contain_text("Will use")
        expect(quote).not_to_contain_text("Your words replace")
        posts: list[str] = []
        page.on(
            "request",
            lambda r: posts.append(r.url) if "/gradio_api/" in r.url and r.method == "POST" else None,
        )
        box = page.locator("#prompt textarea")
        box.click()
        box.press_sequentially("long curly red hair", delay=80)  # 19 keystrokes
        expect(quote).to_contain_text(REPLACED)
        page.wait_for_timeout(1000)
        assert 1 <= len(posts) <= 2, posts  # one quote once typing pauses (a blur may add one)
        box.fill("smiling, soft light")  # words that replace nothing
        expect(quote).not_to_contain_text("Your words replace")
        box.fill("long curly red hair")
        box.blur()
        expect(quote).to_contain_text(REPLACED)
        page.click("#generate-btn")
        details = page.locator("#result-info details.prompt-sent")
        expect(details).to_be_attached(timeout=pw.TIMEOUT_MS)
        details.locator("summary").click()
        sent = details.inner_text()
        assert "long curly red hair" in sent and "dusty rose abaya" in sent and "hijab" not in sent, sent
        expect(quote).to_contain_text(REPLACED)  # the quote after the click says it again
        page.get_by_role("tab", name="Gallery").click()
        page.locator(".thumb").first.click()
        recipe = page.locator("#avatar-recipe details.prompt-sent")
        expect(recipe).to_be_attached()
        recipe.locator("summary").click()
        expect(recipe).to_contain_text("long curly red hair")
    finally:
        page.context.close()


def test_on_a_desktop_the_price_and_generate_stick_to_the_top(live: LiveServer, chromium: Any) -> None:
    page = new_user(live, chromium, DESKTOP)
    try:
        expect(page.locator("#quote")).to_contain_text("credits")
        to_the_form_bottom(page)
        assert page.evaluate("() => window.scrollY") > 100  # the form is taller than the screen
        assert in_viewport(page, "avatar-name")
        assert in_viewport(page, "quote") and in_viewport(page, "generate-btn")
        expect(page.locator("#price-line")).to_be_hidden()  # the phone's bar line is not shown here
        page.locator("#count").get_by_label("2").check()  # a choice made down there is priced up here
        expect(page.locator("#quote")).to_contain_text("2 × 8 = 16")
        assert in_viewport(page, "quote")
    finally:
        page.context.close()


def test_on_a_phone_a_bar_keeps_the_price_and_generate_and_hides_nothing(
    live: LiveServer, chromium: Any
) -> None:
    page = new_user(live, chromium, PHONE)
    try:
        line = page.locator("#price-line")
        expect(line).to_have_text("FLUX.1-dev Base · 8 credits · Balance: 24 credits")
        to_the_form_bottom(page)
        assert in_viewport(page, "price-line") and in_viewport(page, "generate-btn")
        assert page.evaluate(HIDDEN_BEHIND_BAR_JS, False) == []  # the last field is above the bar
        page.locator("#count").get_by_label("3").check()
        expect(line).to_contain_text("3 × 8 = 24 credits")
        expect(page.locator("#quote")).to_contain_text("Why:")  # the full quote stays in the page
        page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
        page.wait_for_timeout(200)
        assert page.evaluate(HIDDEN_BEHIND_BAR_JS, True) == []  # the end of the page clears the bar
        page.evaluate("() => window.scrollTo(0, 0)")
        page.get_by_label("Avatar name (optional)").focus()  # scrolled into view above the bar
        page.wait_for_timeout(200)
        assert in_viewport(page, "avatar-name")
        assert page.evaluate(HIDDEN_BEHIND_BAR_JS, False) == []
        page.set_viewport_size({"width": 390, "height": 420})  # a keyboard that shrinks the page
        page.locator("#prompt textarea").focus()
        expect(page.locator("#price-bar")).to_be_hidden()  # never over the line being typed
        page.locator("#prompt textarea").blur()
        expect(page.locator("#generate-btn")).to_be_visible()
        page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
        page.locator("#count").get_by_label("1").check()
        page.get_by_label("Prompt").fill("a gardener with a straw hat")
        page.click("#generate-btn")  # Generate in the bar works while the prompt has the focus
        expect(page.locator("#result-image img.avatar-result")).to_be_attached(timeout=pw.TIMEOUT_MS)
    finally:
        page.context.close()
