"""In Chromium, with the Hugging Face engine on the Replicate route against the provider fake.

The page must tell the truth before and after the click: the size the route really makes, the
LoRA that really runs, what ran; and admins see, per row, what runs where and why a row is not sold.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from avatar_core.engines.hf import HFEngine
from tests.conftest import fresh_database_url
from tests.e2e import browser as pw
from tests.fakes.fake_hf import FakeHF
from tests.fakes.hf_env import FAKE_TOKEN, fake_hub
from tests.web.server import ADMIN_PASSWORD, ADMIN_USERNAME, PASSWORD, LiveServer, serve, with_admin

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|The copy keyword is deprecated).*"),
]


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as _expect

    return _expect(locator)


@pytest.fixture(scope="module")
def hf_live(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[tuple[LiveServer, FakeHF]]:
    """The web app with HFEngine(provider=replicate) talking to the fake."""
    tmp_path = tmp_path_factory.mktemp("e2e-hf")
    with pytest.MonkeyPatch.context() as mp, fake_hub(mp) as fake:
        engine = HFEngine(token=FAKE_TOKEN, provider="replicate", timeout=10, poll_interval=0.05)
        app = with_admin(
            tmp_path, fresh_database_url("sqlite", tmp_path, sqlite_template, None), engine_impl=engine
        )
        try:
            with serve(app) as server:
                yield server, fake
        finally:
            app.close()


def test_basic_user_sees_the_real_size_and_lora_before_and_after(
    hf_live: tuple[LiveServer, FakeHF], chromium: Any
) -> None:
    live, fake = hf_live
    app = live.app
    admin = app.accounts.by_name(ADMIN_USERNAME)
    page = pw.signup(chromium, live.url, "bea-basic", PASSWORD)

    app.admin.set_tier(admin, "bea-basic", "basic")
    page.reload()
    expect(page.locator("#quote")).to_contain_text(
        "Will use FLUX.1-dev + Realism LoRA (1024×1024 + LoRA @ 0.9) · 12 credits"
    )
    pw.generate(page, "a calm sailor")
    run = fake.last_run()
    assert (run.model, run.lora_scale, run.width) == ("black-forest-labs/flux-dev-lora", 0.9, 1024)
    details = page.locator("#result-info")
    expect(details).to_contain_text("replicate: black-forest-labs/flux-dev-lora")
    expect(details).to_contain_text("XLabs-AI/flux-RealismLora @ 0.9")
    expect(details).to_contain_text("1024×1024")
    expect(details).to_contain_text("Charged 12 credits")


def test_admin_sees_routes_and_adds_a_model_checked_against_the_hub(
    hf_live: tuple[LiveServer, FakeHF], chromium: Any
) -> None:
    live, fake = hf_live
    page = pw.login(chromium, live.url, ADMIN_USERNAME, ADMIN_PASSWORD, viewport=(1400, 1000))
    page.get_by_role("tab", name="Admin").click()
    page.get_by_role("tab", name="Models").click()
    table = page.locator("#admin-models")
    expect(table).to_contain_text("black-forest-labs/flux-dev-lora")
    expect(table).to_contain_text("1024x1024 (catalog 768x768)")
    expect(table).to_contain_text("FLUX.1-dev non-commercial")
    page.get_by_text("Add a model (checked against the Hub before it is saved)").click()
    page.get_by_label("Key", exact=True).fill("avatar-creator:flux-krea")
    page.get_by_label("Model repo", exact=True).fill("black-forest-labs/FLUX.1-schnell-nope")
    page.get_by_role("button", name="Add model").click()
    expect(page.get_by_text("is not mapped to 'replicate' on the Hub")).to_be_visible()
    page.get_by_label("Model repo", exact=True).fill("black-forest-labs/FLUX.1-Krea-dev")
    page.get_by_role("button", name="Add model").click()
    expect(page.locator("#model-msg")).to_contain_text(
        "Added avatar-creator:flux-krea: replicate black-forest-labs/flux-krea-dev"
    )
    expect(table).to_contain_text("black-forest-labs/flux-krea-dev")
    if os.environ.get("AVATAR_SHOTS"):
        page.evaluate("() => document.querySelectorAll('.toast-close').forEach(b => b.click())")
        expect(page.locator(".toast-close")).to_have_count(0)  # the refusal's and the confirmation's
        page.wait_for_timeout(500)
        page.screenshot(path=str(ROOT / "docs" / "screenshot-admin-models.png"), full_page=True)
