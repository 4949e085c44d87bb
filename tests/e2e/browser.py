"""Playwright helpers: Debian Chromium launch flags, logging in, waiting for images."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

CHROMIUM = Path(os.environ.get("AVATAR_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 20_000
IMAGE_LOADED = """(sel) => { const i = document.querySelector(sel);
  return !!i && i.complete && i.naturalWidth > 0; }"""


def chromium_available() -> bool:
    """True when Debian Chromium and the Playwright package are both installed."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return CHROMIUM.is_file() or shutil.which(str(CHROMIUM)) is not None


def launch(playwright: Any) -> Any:
    """Chromium from Debian (never a downloaded one)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)


def login(
    browser: Any, url: str, username: str, password: str, *, viewport: tuple[int, int] = (1280, 900)
) -> Any:
    """A new context logged in through the form; returns its page, on the app."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{url}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")
    expect(page.locator("#greeting")).to_contain_text("Signed in as", timeout=TIMEOUT_MS)
    return page


def signup(
    browser: Any, url: str, username: str, password: str, *, viewport: tuple[int, int] = (1280, 900)
) -> Any:
    """A new context signed up through the form; returns its page, on the app."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{url}/signup")
    page.fill("#username", username)
    page.fill("#password", password)
    page.fill("#confirm", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")
    expect(page.locator("#greeting")).to_contain_text("Signed in as", timeout=TIMEOUT_MS)
    return page


def wait_image(page: Any, selector: str) -> None:
    """Wait until the image matched by `selector` has really loaded (naturalWidth > 0)."""
    page.wait_for_function(IMAGE_LOADED, arg=selector, timeout=TIMEOUT_MS)


def generate(page: Any, prompt: str = "", preset_label: str | None = None) -> None:
    """Fill the Generate tab, click Generate and wait for the image to load."""
    from playwright.sync_api import expect

    page.wait_for_selector(
        "body[data-followed]", state="attached", timeout=TIMEOUT_MS
    )  # the load's own result
    page.get_by_role("tab", name="Generate").click()
    if preset_label:
        choose(page, "Preset", preset_label)
    page.get_by_label("Prompt").fill(prompt)
    page.evaluate("() => document.querySelectorAll('img.avatar-result').forEach(i => i.remove())")
    page.click("#generate-btn")
    expect(page.locator("#result-image img.avatar-result")).to_be_attached(timeout=TIMEOUT_MS)
    wait_image(page, "#result-image img.avatar-result")


def choose(page: Any, label: str, option: str) -> None:
    """Pick `option` in the Gradio dropdown labelled `label`."""
    box = page.get_by_label(label, exact=True)
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option).first.click()
