"""In Chromium, issue #23 items 5 and 9: the gallery as a place to look and to keep things in
order: names on thumbnails, rename, projects made and renamed in the app, move with counts that
refresh, several chosen for a zip / move / delete, and the full-size viewer (keys, swipe, Esc)."""

from __future__ import annotations

import io
import os
import re
import uuid
import zipfile
from typing import Any

import pytest

from avatar_core.services.generation import GenerationRequest
from tests.e2e import browser as pw
from tests.e2e.axe import axe_available, describe, run_axe, serious
from tests.web.server import PASSWORD, LiveServer

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


def with_avatars(site: LiveServer, chromium: Any, names: list[str], **kw: Any) -> tuple[str, Any, list[int]]:
    """A new user with one avatar per name (oldest first), on the Gallery tab."""
    user = f"g-{uuid.uuid4().hex[:8]}"
    page = pw.signup(chromium, site.url, user, PASSWORD, **kw)
    who = site.app.accounts.by_name(user)
    ids = [
        site.app.generations.generate(who, GenerationRequest(prompt=f"portrait of {n}", name=n)).generation_id
        for n in names
    ]
    page.get_by_role("tab", name="Gallery").click()
    expect(page.locator("#avatar-grid .thumb")).to_have_count(len(names))
    return user, page, ids


def thumb(page: Any, avatar_id: int) -> Any:
    return page.locator(f'#avatar-grid .thumb[data-id="{avatar_id}"]')


def test_names_rename_projects_and_counts(site: LiveServer, chromium: Any) -> None:
    user, page, ids = with_avatars(site, chromium, ["Ada", "Grace"])
    try:
        expect(thumb(page, ids[0]).locator(".thumb-name")).to_have_text("Ada")
        thumb(page, ids[1]).click()
        box = page.locator("#avatar-rename input, #avatar-rename textarea").first
        expect(box).to_have_value("Grace")
        box.fill("Grace at work")
        page.locator("#rename-btn").click()
        expect(page.locator("#manage-msg")).to_contain_text("Renamed to “Grace at work”")
        expect(thumb(page, ids[1]).locator(".thumb-name")).to_have_text("Grace at work")
        download = page.request.get(f"{site.url}/avatars/{ids[1]}/download.png")
        assert f'filename="grace-at-work-{ids[1]}.png"' in download.headers["content-disposition"]

        page.get_by_text("Projects: new, rename").click()
        page.locator("#project-name input, #project-name textarea").first.fill("Holiday")
        page.get_by_role("button", name="Create project").click()
        expect(page.locator("#manage-msg")).to_contain_text("Created the project “Holiday”")
        shown = page.get_by_label("Show project", exact=True)
        expect(shown).to_have_value("Holiday (0)")
        expect(page.locator("#avatar-grid .thumb")).to_have_count(0)
        assert [p.name for p in site.app.projects.of_user(site.app.accounts.by_name(user).id)] == [
            "My avatars",
            "Holiday",
        ]
        pw.choose(page, "Show project", "All projects")
        thumb(page, ids[0]).click()
        pw.choose(page, "In project", "Holiday")
        expect(page.locator("#manage-msg")).to_contain_text("Moved to “Holiday”")
        shown.click()
        expect(page.get_by_role("option", name="Holiday (1)")).to_be_visible()  # the count follows
        expect(page.get_by_role("option", name="My avatars (1)")).to_be_visible()
        page.keyboard.press("Escape")
        page.get_by_role("tab", name="Generate").click()
        page.get_by_label("Project", exact=True).click()
        expect(page.get_by_role("option", name="Holiday")).to_be_visible()  # Generate knows it too
    finally:
        page.context.close()


def test_choose_several_to_zip_move_and_delete(site: LiveServer, chromium: Any) -> None:
    user, page, ids = with_avatars(site, chromium, ["One", "Two", "Three"])
    try:
        page.locator("#select-mode input").check()
        thumb(page, ids[0]).click()
        thumb(page, ids[2]).click()
        expect(thumb(page, ids[0])).to_have_class(re.compile(r"\bchosen\b"))
        expect(page.locator("#avatar-detail img")).to_have_count(0)  # choosing does not open one
        link = page.get_by_role("link", name="Download 2 as .zip")
        expect(link).to_be_visible()
        zipped = page.request.get(site.url + (link.get_attribute("href") or ""))
        names = zipfile.ZipFile(io.BytesIO(zipped.body())).namelist()
        order = (("three", ids[2]), ("one", ids[0]))  # as the page shows them: newest first
        assert names == [f"{n}-{i}.{e}" for n, i in order for e in ("png", "json")]
        page.get_by_role("button", name="Delete them…").click()
        page.get_by_role("button", name="Yes, delete them").click()
        expect(page.locator("#manage-msg")).to_contain_text("Deleted 2 avatars")
        expect(page.locator("#avatar-grid .thumb")).to_have_count(1)
        expect(page.locator("#page-label")).to_have_text("1 avatar")
        expect(page.get_by_text("Tap avatars to choose them.")).to_be_visible()
        page.locator("#select-mode input").uncheck()
        expect(page.locator("#select-bar:visible")).to_have_count(0)
    finally:
        page.context.close()


def test_the_full_size_viewer_moves_with_keys_and_swipes(site: LiveServer, chromium: Any) -> None:
    _user, page, ids = with_avatars(site, chromium, ["Oldest", "Middle", "Newest"])
    try:
        thumb(page, ids[2]).dblclick()  # newest first on the page
        viewer = page.locator("#viewer")
        expect(viewer).to_be_visible()
        expect(page.locator("#viewer-name")).to_have_text("Newest")
        expect(page.locator("#viewer-count")).to_have_text("1 of 3 on this page")
        pw.wait_image(page, "#viewer-img")
        page.keyboard.press("ArrowRight")
        expect(page.locator("#viewer-name")).to_have_text("Middle")
        expect(thumb(page, ids[1])).to_have_class(re.compile(r"\bpicked\b"))  # the gallery follows
        box = page.locator("#viewer .viewer-stage").bounding_box()
        y = box["y"] + box["height"] / 2
        page.mouse.move(box["x"] + box["width"] * 0.8, y)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.2, y, steps=5)
        page.mouse.up()
        expect(page.locator("#viewer-name")).to_have_text("Oldest")  # swiped left: the next one
        expect(page.locator("#viewer .viewer-next")).to_be_hidden()
        expect(page.locator("#viewer-download")).to_have_attribute("href", f"/avatars/{ids[0]}/download.png")
        if os.environ.get("AVATAR_SHOTS"):
            page.screenshot(path="/tmp/viewer-desktop.png")
        if axe_available():
            found = serious(run_axe(page))
            assert not found, describe(found)
        page.keyboard.press("Escape")
        expect(viewer).to_be_hidden()
        page.locator("#avatar-detail .open-viewer").click()  # the large picture opens it too
        expect(page.locator("#viewer-name")).to_have_text("Oldest")
        page.get_by_role("button", name="✕ Close").click()
        expect(viewer).to_be_hidden()
    finally:
        page.context.close()


def test_the_viewer_on_a_phone(site: LiveServer, chromium: Any) -> None:
    _user, page, ids = with_avatars(site, chromium, ["Phone one", "Phone two"], viewport=(390, 844))
    try:
        thumb(page, ids[1]).click()  # a tap opens it on a phone (the details are a scroll away)
        expect(page.locator("#viewer-name")).to_have_text("Phone two")
        pw.wait_image(page, "#viewer-img")
        img = page.locator("#viewer-img").bounding_box()
        assert img["width"] >= 340  # the picture fills the phone's width
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
        if os.environ.get("AVATAR_SHOTS"):
            page.screenshot(path="/tmp/viewer-phone.png")
        page.get_by_role("button", name="Details and actions").click()
        expect(page.locator("#viewer")).to_be_hidden()
        expect(page.locator("#avatar-recipe")).to_be_in_viewport()
        expect(page.locator("#avatar-rename input, #avatar-rename textarea").first).to_have_value("Phone two")
    finally:
        page.context.close()
