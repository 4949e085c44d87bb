"""In Chromium: pick a project and a name on the Generate tab, then filter the gallery by project."""

from __future__ import annotations

from typing import Any

import pytest

from avatar_core.services.generation import GenerationRequest
from tests.e2e import browser as pw
from tests.web.server import PASSWORD, LiveServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|The copy keyword is deprecated).*"),
]


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as _expect

    return _expect(locator)


def test_projects_and_names_on_the_generate_tab_and_in_the_gallery(live: LiveServer, chromium: Any) -> None:
    page = pw.signup(chromium, live.url, "pat-projects", PASSWORD)
    user = live.app.accounts.by_name("pat-projects")
    team = live.app.projects.create(user.id, "Team page")
    live.app.generations.generate(user, GenerationRequest(prompt="an earlier avatar"))  # My avatars
    page.reload()
    try:
        pw.choose(page, "Project", "Team page")
        page.get_by_label("Avatar name (optional)").fill("Team headshot")
        pw.generate(page, "a calm sailor")
        [made] = [a for a in live.app.gallery.page(user.id).items if a.project_id == team.id]
        assert made.name == "Team headshot"
        page.get_by_role("tab", name="Gallery").click()
        expect(page.locator("#avatar-grid .thumb")).to_have_count(2)
        pw.choose(page, "Show project", "Team page (1)")
        expect(page.locator("#avatar-grid .thumb")).to_have_count(1)
        expect(page.locator("#page-label")).to_contain_text("1 avatar")
    finally:
        page.context.close()
