"""In Chromium: "From my photo": upload, consent, the offline preview built from it, the gallery,
and the photo gone after its (shortened) retention."""

from __future__ import annotations

import io
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw, ImageStat

from tests.conftest import fresh_database_url
from tests.e2e import browser as pw
from tests.web.server import ADMIN_USERNAME, PASSWORD, LiveServer, serve, with_admin

ROOT = Path(__file__).resolve().parents[2]
RETENTION_S = 4.0
pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|The copy keyword is deprecated).*"),
]


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as _expect

    return _expect(locator)


@pytest.fixture(scope="module")
def short_lived(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[LiveServer]:
    """The web app (offline engine) keeping photos for only a few seconds."""
    tmp_path = tmp_path_factory.mktemp("e2e-likeness")
    app = with_admin(
        tmp_path,
        fresh_database_url("sqlite", tmp_path, sqlite_template, None),
        photo_retention_hours=RETENTION_S / 3600,
    )
    try:
        with serve(app) as server:
            yield server
    finally:
        app.close()


def selfie(path: Path) -> Path:
    """A stand-in selfie with a strongly coloured face (and camera tags)."""
    image = Image.new("RGB", (600, 800), (110, 115, 120))
    ImageDraw.Draw(image).ellipse((180, 160, 420, 520), fill=(230, 60, 160))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    image.save(path, format="JPEG", exif=exif.tobytes())
    return path


def test_upload_a_photo_and_get_an_avatar_of_it(
    short_lived: LiveServer, chromium: Any, tmp_path: Path
) -> None:
    live = short_lived
    page = pw.signup(chromium, live.url, "pia-photo", PASSWORD)
    live.app.admin.set_tier(live.app.accounts.by_name(ADMIN_USERNAME), "pia-photo", "basic")
    page.reload()
    page.get_by_text("From my photo", exact=True).click()
    page.get_by_label("I am the person in this photo or have their permission").check()
    page.locator("#photo-input input[type=file]").set_input_files(str(selfie(tmp_path / "me.jpg")))
    status = page.locator("#photo-status")
    expect(status).to_contain_text("Photo attached (600×800), kept until")
    expect(status).to_contain_text(re.compile(r"until \w{3} \d{1,2} \w{3}, \d\d:\d\d UTC"))  # the day too
    expect(page.locator("#attached-photo img")).to_have_attribute("alt", "Your attached photo (600×800)")
    expect(page.locator("#from-photo input")).to_be_checked()
    # #23 item 4: a bad file is said beside the upload, with no "Error" badges over the controls,
    # and the photo attached before stays attached
    bad = tmp_path / "notes.png"
    bad.write_bytes(b"not an image at all")
    page.locator("#photo-input input[type=file]").set_input_files(str(bad))
    expect(status).to_contain_text("not a photo we can read")
    expect(page.locator(".error:visible")).to_have_count(0)
    expect(page.locator("#attached-photo img")).to_be_visible()
    # #23 item 3: a second photo replaces the first (one file kept), and a reload keeps it in view
    page.locator("#photo-input input[type=file]").set_input_files(str(selfie(tmp_path / "me.jpg")))
    expect(status).to_contain_text("Photo attached (600×800)")
    page.wait_for_function("() => !document.querySelector('#photo-status .pending')")
    assert len(list(live.app.settings.photo_dir.rglob("*.jpg"))) == 1
    page.reload()
    expect(status).to_contain_text("Photo attached (600×800)")
    expect(page.locator("#attached-photo img")).to_be_visible()  # the section opens to show it
    page.locator("#from-photo input").check()
    expect(page.locator("#quote")).to_contain_text("Will use FLUX.1 Kontext Likeness")
    expect(page.locator("#quote")).to_contain_text("14 credits")
    files = list(live.app.settings.photo_dir.rglob("*.jpg"))
    assert len(files) == 1 and b"PhoneMaker" not in files[0].read_bytes()
    pw.choose(page, "Preset", "Yoga Instructor")
    page.get_by_role("button", name="Generate").click()
    details = page.locator("#result-info")
    expect(details).to_contain_text("from your photo", timeout=30_000)
    expect(details).to_contain_text("Charged 14 credits")
    pw.wait_image(page, "#result-image img.avatar-result")
    src = page.locator("#result-image img.avatar-result").get_attribute("src")
    png = page.request.get(live.url + (src or ""))
    face = Image.open(io.BytesIO(png.body())).convert("RGB")
    w, h = face.size
    r, g, b = ImageStat.Stat(face.crop((int(w * 0.45), int(h * 0.3), int(w * 0.55), int(h * 0.4)))).mean
    assert r > g + 60 and b > g + 30  # the photo's magenta face is in the preview
    if os.environ.get("AVATAR_SHOTS"):
        page.screenshot(path=str(ROOT / "docs" / "screenshot-likeness.png"), full_page=True)
    page.get_by_role("tab", name="Gallery").click()
    page.locator("#avatar-grid .thumb").first.click()
    expect(page.locator("#avatar-detail")).to_be_visible()
    expect(page.get_by_text("from your photo (not kept)")).to_be_visible()
    time.sleep(RETENTION_S + 0.5)
    assert live.app.photos.purge() == 1  # the sweeper's job, run here without waiting for it
    assert not list(live.app.settings.photo_dir.rglob("*.jpg"))
    live.app.admin.adjust_credits(live.app.accounts.by_name(ADMIN_USERNAME), "pia-photo", 20, "again")
    page.get_by_role("tab", name="Generate").click()
    page.evaluate("() => document.getElementById('refresh-balance').click()")  # 10 + 20 covers 14
    expect(page.locator("#quote")).to_contain_text("Balance: 30 credits")
    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_text("That photo is no longer available; upload it again.")).to_be_visible()
