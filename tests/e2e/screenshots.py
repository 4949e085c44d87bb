"""Render the README screenshots: `python -m tests.e2e.screenshots [--out docs]`.

Starts the real web app (offline engine, throwaway SQLite data dir) with a user who has a few
avatars from different presets and an admin, then saves docs/screenshot-{generate,gallery,
gallery-viewer,admin,mobile,mobile-generate,mobile-viewer,progress}.png, docs/presets.png,
docs/choices.png (a portrait 4:5 result grid of 2) and the Admin tab's sections
(docs/screenshot-admin-{usage,mobile,mobile-models}.png) with Debian Chromium; `--only admin`
makes the Admin tab's alone.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
from pathlib import Path

from PIL import Image

from avatar_core.services.generation import GenerationRequest
from tests.e2e import browser as pw
from tests.e2e.slow_engine import SlowEngine
from tests.web.server import ADMIN_PASSWORD, ADMIN_USERNAME, PASSWORD, serve, with_admin

ROOT = Path(__file__).resolve().parents[2]
SEEDED = [  # (user, preset, prompt, seed)
    ("maya", "professional-business-woman", "", 11),
    ("maya", "casual-creative-artist", "short blue hair, round glasses", 12),
    ("maya", "traditional-japanese", "", 13),
    ("maya", "", "a smiling man with a grey beard and a green scarf", 14),
    ("sam", "runner-athlete", "", 21),
    ("sam", "tech-professional", "", 22),
    ("lee", "elegant-evening", "", 31),
]


def save_png(page: object, path: Path, full_page: bool = False) -> None:
    """A screenshot, re-encoded as an optimised palette PNG when that keeps it small."""
    page.evaluate("() => window.scrollTo(0, 0)")  # type: ignore[attr-defined]
    page.mouse.move(0, 0)  # type: ignore[attr-defined]
    raw = page.screenshot(full_page=full_page)  # type: ignore[attr-defined]
    image = Image.open(io.BytesIO(raw)).convert("RGB")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    if out.tell() > 350_000:
        out = io.BytesIO()
        image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            out, "PNG", optimize=True
        )
    path.write_bytes(out.getvalue())
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} ({out.tell() // 1024} KB)")


def shoot_choices(page: object, path: Path) -> None:
    """The Generate tab with a portrait 4:5 result grid of 2; then the choices back to their defaults."""
    from playwright.sync_api import expect

    page.locator("#aspect").get_by_label("Portrait 4:5").check()  # type: ignore[attr-defined]
    page.locator("#count").get_by_label("2").check()  # type: ignore[attr-defined]
    prompt = page.get_by_label("Prompt")  # type: ignore[attr-defined]
    prompt.fill("a chef in a white jacket, warm kitchen light")
    expect(page.locator("#quote")).to_contain_text("2 × ")  # type: ignore[attr-defined]
    page.evaluate("() => document.querySelectorAll('img.avatar-result').forEach(i => i.remove())")  # type: ignore[attr-defined]
    page.click("#generate-btn")  # type: ignore[attr-defined]
    images = page.locator("#result-image img.avatar-result")  # type: ignore[attr-defined]
    expect(images).to_have_count(2, timeout=20_000)
    pw.wait_image(page, "#result-image img.avatar-result")
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => [...document.querySelectorAll('#result-image img')].every(i => i.complete && i.naturalWidth)"
    )
    save_png(page, path)
    page.locator("#aspect").get_by_label("Square 1:1").check()  # type: ignore[attr-defined]
    page.locator("#count").get_by_label("1").check()  # type: ignore[attr-defined]


def shoot_admin(browser: object, url: str, out: Path) -> None:
    """The Admin tab's sections: Users with a row clicked and Usage at 1440×900, Users and Models
    on a 390×844 phone (docs/screenshot-admin{,-usage,-mobile,-mobile-models}.png)."""
    from playwright.sync_api import expect

    admin = pw.login(browser, url, ADMIN_USERNAME, ADMIN_PASSWORD, viewport=(1440, 900))
    admin.get_by_role("tab", name="Admin").click()
    users = admin.locator("#admin-users")
    expect(users).to_contain_text("maya")
    users.get_by_role("gridcell", name="maya", exact=True).first.click()
    expect(admin.locator("#admin-user-card")).to_contain_text("Editing maya")
    admin.get_by_role("tab", name="Credits").click()
    admin.get_by_label("Reason", exact=True).fill("support ticket #42")
    admin.get_by_role("button", name="Grant credits").click()
    expect(admin.locator("#admin-msg")).to_contain_text("Granted 10 credits for maya")
    admin.locator(".toast-close").first.click()  # the toast said it; the shot shows the page
    admin.get_by_role("tab", name="Users").click()
    expect(users).to_contain_text("46")
    admin.wait_for_timeout(800)
    save_png(admin, out / "screenshot-admin.png", full_page=True)
    admin.get_by_role("tab", name="Usage").click()
    expect(admin.locator("#usage-bars")).to_be_visible()
    expect(admin.locator("#admin-stats")).to_contain_text("flux-dev-realism")
    admin.wait_for_timeout(1000)  # let the chart finish its transitions
    save_png(admin, out / "screenshot-admin-usage.png", full_page=True)
    phone = pw.login(browser, url, ADMIN_USERNAME, ADMIN_PASSWORD, viewport=(390, 844))
    phone.get_by_role("tab", name="Admin").click()
    expect(phone.locator("#admin-users")).to_contain_text("maya")
    phone.wait_for_timeout(500)
    save_png(phone, out / "screenshot-admin-mobile.png", full_page=True)
    phone.get_by_role("tab", name="Models").click()
    expect(phone.locator("#admin-models")).to_contain_text("flux-dev-base")
    phone.wait_for_timeout(500)
    save_png(phone, out / "screenshot-admin-mobile-models.png", full_page=True)
    for page in (admin, phone):
        page.context.close()


def seed_data(app: object) -> None:
    """Users, tiers, credits and a few generations (through the services, like the UI would)."""
    from avatar_core.bootstrap import App

    assert isinstance(app, App)
    admin = app.accounts.by_name(ADMIN_USERNAME)
    service = app.admin
    for name, tier in (("maya", "basic"), ("sam", "pro"), ("lee", "free")):
        app.accounts.register(name, PASSWORD)
        service.set_tier(admin, name, tier)
        service.adjust_credits(admin, name, 60, "launch promo")
    for name, preset, prompt, seed in SEEDED:
        user = app.accounts.by_name(name)
        app.generations.generate(user, GenerationRequest(prompt=prompt, preset=preset or None, seed=seed))
    maya = app.accounts.by_name("maya")
    first = app.gallery.page(maya.id).items[-1]
    app.gallery.set_favourite(maya.id, first.id, True)


def main(argv: list[str] | None = None) -> int:
    """Seed, serve, drive Chromium, write the PNGs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="output directory")
    parser.add_argument("--only", choices=("all", "admin"), default="all", help="admin: the Admin tab's only")
    args = parser.parse_args(argv)
    if not pw.chromium_available():
        print("error: needs Debian Chromium (/usr/bin/chromium) and the playwright package", file=sys.stderr)
        return 1
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    args.out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import expect, sync_playwright

    with tempfile.TemporaryDirectory(prefix="avatar-shots-") as tmp:
        tmp_path = Path(tmp)
        slow = SlowEngine()
        app = with_admin(tmp_path, f"sqlite:///{tmp_path / 'shots.db'}", engine_impl=slow)
        with serve(app) as server, sync_playwright() as p:
            seed_data(app)
            browser = pw.launch(p)
            shoot_admin(browser, server.url, args.out)
            if args.only == "admin":
                browser.close()
                app.close()
                return 0
            # Generate tab, during a (slowed-down) generation.
            page = pw.login(browser, server.url, "maya", PASSWORD)
            slow.delay = 6.0
            page.get_by_label("Prompt").fill("a lighthouse keeper with a grey beard")
            page.click("#generate-btn")
            expect(page.locator("#result-image")).to_contain_text("s of about", timeout=15_000)
            page.wait_for_timeout(1500)
            save_png(page, args.out / "screenshot-progress.png")
            expect(page.locator("#result-image img.avatar-result")).to_be_attached(timeout=20_000)
            slow.delay = 0.0
            # Generate tab, after a generation.
            pw.generate(page, "warm smile, freckles", preset_label="Tech Professional")
            expect(page.locator("#greeting")).to_contain_text("credits")
            page.mouse.move(0, 0)
            save_png(page, args.out / "screenshot-generate.png")
            # The preset picker, filtered to one category.
            page.get_by_role("button", name="Presets").click()
            page.get_by_label("Category").select_option("professional")
            pw.wait_image(page, "#preset-gallery .preset-card:not([hidden]) img")
            page.wait_for_function("""() => [...document.querySelectorAll(
                '#preset-gallery .preset-card:not([hidden]) img')]
                .every(i => i.complete && i.naturalWidth > 0)""")
            save_png(page, args.out / "presets.png")
            page.get_by_role("button", name="Presets").click()
            app.admin.adjust_credits(app.accounts.by_name(ADMIN_USERNAME), "maya", 24, "two more")
            shoot_choices(page, args.out / "choices.png")
            # Gallery tab with one avatar selected.
            page.get_by_role("tab", name="Gallery").click()
            thumbs = page.locator("#avatar-grid .thumb")
            expect(thumbs.nth(3)).to_be_visible()
            thumbs.nth(2).click()
            expect(page.locator("#avatar-detail img.avatar-result")).to_be_attached()
            pw.wait_image(page, "#avatar-detail img.avatar-result")
            page.wait_for_function("""() => [...document.querySelectorAll('#avatar-grid img')]
                .every(i => i.complete && i.naturalWidth > 0)""")
            page.mouse.move(0, 0)
            save_png(page, args.out / "screenshot-gallery.png")
            page.locator("#avatar-detail .open-viewer").click()  # the full-size viewer
            pw.wait_image(page, "#viewer-img")
            save_png(page, args.out / "screenshot-gallery-viewer.png")
            page.keyboard.press("Escape")
            # Mobile width: the Generate tab, then the gallery.
            mobile = pw.login(browser, server.url, "maya", PASSWORD, viewport=(390, 844))
            expect(mobile.locator("#quote")).to_contain_text("Will use")
            save_png(mobile, args.out / "screenshot-mobile-generate.png")
            mobile.get_by_role("tab", name="Gallery").click()
            expect(mobile.locator("#avatar-grid .thumb").nth(4)).to_be_visible()
            mobile.locator("#avatar-grid .thumb").nth(1).click()  # a tap opens the viewer on a phone
            pw.wait_image(mobile, "#viewer-img")
            save_png(mobile, args.out / "screenshot-mobile-viewer.png")
            mobile.keyboard.press("Escape")
            pw.wait_image(mobile, "#avatar-detail img.avatar-result")
            mobile.wait_for_function("""() => [...document.querySelectorAll('#avatar-grid img')]
                .every(i => i.complete && i.naturalWidth > 0)""")
            save_png(mobile, args.out / "screenshot-mobile.png")
            if os.environ.get("AVATAR_SHOTS_DEBUG"):
                save_png(mobile, args.out / "debug-mobile-full.png", full_page=True)
            browser.close()
        app.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
