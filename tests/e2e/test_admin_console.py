"""In Chromium: the Admin tab as a console (issue #23, item 10).

Six sections that switch and load only when opened, tables whose headers never break inside a
word (desktop and phone), a clicked user row that fills the form, saves that say what changed,
a usage chart that says something with one day of data, an offline "Add model" that gives the
command, and axe-core clean on every section.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from avatar_core.services.generation import GenerationRequest
from tests.conftest import missing
from tests.e2e import browser as pw
from tests.e2e.axe import axe_available, describe, run_axe, serious
from tests.web.server import ADMIN_PASSWORD, ADMIN_USERNAME, PASSWORD, LiveServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|The copy keyword is deprecated).*"),
]
# Each section and what shows once it is open.
SECTIONS = {
    "Users": "#admin-users",
    "Credits": "#admin-target",
    "Models": "#admin-models",
    "Usage": "#admin-usage",
    "Experiments": "#admin-experiments",
    "Invites": "#admin-invites",
}
# Every word of every visible admin table header on one line, and no header wider than its cell.
BROKEN_HEADERS_JS = """() => { const bad = [];
  for (const th of document.querySelectorAll('.admin-table th')) {
    if (!th.offsetParent) continue;
    const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT); let node;
    while ((node = walker.nextNode())) {
      const words = /\\S+/g; let m;
      while ((m = words.exec(node.data))) {
        const r = document.createRange(); r.setStart(node, m.index); r.setEnd(node, m.index + m[0].length);
        const tops = new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top)));
        if (tops.size > 1) bad.push(m[0]);
      }
    }
    const span = th.querySelector('span') || th;
    if (span.scrollWidth > span.clientWidth + 1) bad.push('cut: ' + span.textContent.trim());
  }
  return bad; }"""
OVERFLOW_JS = "() => document.documentElement.scrollWidth - window.innerWidth"
TOAST = ".toast-body"


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as _expect

    return _expect(locator)


@pytest.fixture(scope="module")
def person(live: LiveServer) -> str:
    """A user with one avatar (so every table has a row)."""
    name = f"rowan-{uuid.uuid4().hex[:6]}"
    live.signup(name)
    user = live.app.accounts.by_name(name)
    live.app.generations.generate(user, GenerationRequest(prompt="a sailor with a red scarf"))
    return name


def open_admin(live: LiveServer, chromium: Any, viewport: tuple[int, int] = (1440, 900)) -> Any:
    """The admin's page with the Admin tab open on its first section."""
    page = pw.login(chromium, live.url, ADMIN_USERNAME, ADMIN_PASSWORD, viewport=viewport)
    page.get_by_role("tab", name="Admin").click()
    expect(page.locator("#admin-users")).to_contain_text(ADMIN_USERNAME)
    return page


def section(page: Any, name: str) -> None:
    """Open one section of the console and wait for its content."""
    tab = page.locator("#admin-sections").get_by_role("tab", name=name, exact=True)
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")
    expect(page.locator(SECTIONS[name])).to_be_visible()


def cell(table: Any, name: str, column: int) -> Any:
    """The cell in `column` of the row whose first cell is `name`."""
    first = table.get_by_role("gridcell").filter(has_text=name).first
    row = (first.get_attribute("data-testid") or "").split("-")[1]
    return table.get_by_test_id(f"cell-{row}-{column}")


def test_sections_switch_headers_fit_and_axe_is_clean(live: LiveServer, chromium: Any, person: str) -> None:
    page = open_admin(live, chromium)
    try:
        tabs = page.locator("#admin-sections").get_by_role("tab")
        expect(tabs).to_have_text(list(SECTIONS))
        for selector in list(SECTIONS.values())[1:]:  # a section is drawn when it is first opened
            expect(page.locator(selector)).to_have_count(0)
        found: dict[str, list[dict[str, Any]]] = {}
        for name in SECTIONS:
            section(page, name)
            page.wait_for_timeout(300)  # the section's own data has arrived
            assert page.evaluate(BROKEN_HEADERS_JS) == [], name
            if axe_available():
                found[name] = run_axe(page)
        if not axe_available():
            missing("axe-core (make dev runs npm install --prefix .venv/axe axe-core@4)")
        bad = {where: describe(serious(v)) for where, v in found.items() if serious(v)}
        assert not bad, bad
    finally:
        page.context.close()


def test_on_a_phone_tables_scroll_in_their_box_and_headers_stay_whole(
    live: LiveServer, chromium: Any, person: str
) -> None:
    page = open_admin(live, chromium, viewport=(390, 844))
    try:
        for name in ("Users", "Models", "Usage"):
            section(page, name)
            page.wait_for_timeout(300)
            assert page.evaluate(BROKEN_HEADERS_JS) == [], name
            assert page.evaluate(OVERFLOW_JS) <= 0, name  # the page itself never scrolls sideways
        expect(page.locator("#admin-sections").get_by_role("tab", name="Invites")).to_be_in_viewport()
    finally:
        page.context.close()


def test_opening_the_tab_reads_only_the_first_section(live: LiveServer, chromium: Any) -> None:
    page = pw.login(chromium, live.url, ADMIN_USERNAME, ADMIN_PASSWORD)
    try:
        page.wait_for_selector("body[data-followed]", state="attached")
        page.wait_for_timeout(500)
        names = page.evaluate(
            "() => Object.fromEntries(window.gradio_config.dependencies.map(d => [d.id, d.api_name]))"
        )
        events: list[str] = []
        page.on(
            "request",
            lambda r: (
                events.append(str(names.get(str(json.loads(r.post_data or "{}").get("fn_index")))))
                if "/gradio_api/queue/join" in r.url or "/gradio_api/run/predict" in r.url
                else None
            ),
        )
        page.get_by_role("tab", name="Admin").click()
        expect(page.locator("#admin-users")).to_contain_text(ADMIN_USERNAME)
        page.wait_for_timeout(1000)
        assert events == ["admin_users"]
        section(page, "Models")
        expect(page.locator("#admin-models")).to_contain_text("flux-dev-base")
        assert events == ["admin_users", "admin_models"]
    finally:
        page.context.close()


def test_a_clicked_user_row_fills_the_form_and_every_save_says_what_changed(
    live: LiveServer, chromium: Any, person: str
) -> None:
    page = open_admin(live, chromium)
    try:
        users = page.locator("#admin-users")
        cell(users, person, 0).click()
        expect(page.get_by_label("User", exact=True)).to_have_value(person)
        expect(page.locator("#admin-user-card")).to_contain_text(f"Editing {person}: their credits")
        expect(page.get_by_label("New tier")).to_have_value("free")
        pw.choose(page, "New tier", "basic")
        page.get_by_role("button", name="Set tier").click()
        done = f"{person} is now on the basic tier."
        expect(page.locator("#admin-user-msg")).to_have_text(done)
        expect(page.locator(TOAST).filter(has_text=done)).to_be_visible()
        expect(cell(users, person, 1)).to_have_text("basic")

        section(page, "Credits")  # the clicked user is already chosen here, and their ledger shown
        expect(page.get_by_label("Username", exact=True)).to_have_value(person)
        expect(page.locator("#ledger-title")).to_contain_text(f"Ledger of {person}")
        page.get_by_label("Credits", exact=True).fill("50")
        page.get_by_label("Reason", exact=True).fill("support ticket #7")
        page.get_by_role("button", name="Grant credits").click()
        done = f"Granted 50 credits for {person}; balance now 66."
        expect(page.locator("#admin-msg")).to_have_text(done)
        expect(page.locator(TOAST).filter(has_text=done)).to_be_visible()
        expect(page.locator("#admin-ledger")).to_contain_text("support ticket #7")
        assert live.app.accounts.by_name(person).balance == 66
        section(page, "Users")
        expect(cell(users, person, 3)).to_have_text("66")
    finally:
        page.context.close()


def test_usage_with_one_day_of_data_is_bars_per_model(live: LiveServer, chromium: Any, person: str) -> None:
    page = open_admin(live, chromium)
    try:
        section(page, "Usage")
        expect(page.locator("#usage-note")).to_contain_text("per model")
        expect(page.locator("#usage-bars")).to_be_visible()
        expect(page.locator("#usage-lines")).to_be_hidden()
        expect(page.locator("#admin-usage")).to_contain_text("flux-dev-base")
        expect(page.locator("#admin-stats")).to_contain_text("flux-dev-base")
    finally:
        page.context.close()


def test_an_ab_test_started_is_listed_and_a_click_shows_its_results(live: LiveServer, chromium: Any) -> None:
    page = open_admin(live, chromium)
    try:
        section(page, "Experiments")
        pw.choose(page, "Tier", "free")
        pw.choose(page, "Model A", "flux-dev-base")
        pw.choose(page, "Model B", "flux-schnell-fast")
        page.get_by_role("button", name="Start test").click()
        msg = page.locator("#exp-msg")
        expect(msg).to_contain_text("running: free Auto")
        exp_id = msg.inner_text().split("#")[1].split(" ")[0]
        expect(page.locator(TOAST).filter(has_text=f"Started experiment #{exp_id}")).to_be_visible()
        tests = page.locator("#admin-experiments")
        expect(cell(tests, "flux-schnell-fast", 6)).to_have_text("running")
        cell(tests, "flux-schnell-fast", 0).click()
        expect(page.get_by_label("Experiment id")).to_have_value(exp_id)
        expect(msg).to_have_text(f"Experiment #{exp_id}: 0 arm(s) with data.")
        page.get_by_role("button", name="Stop test").click()
        expect(msg).to_have_text(f"Experiment #{exp_id} stopped.")
        expect(cell(tests, "flux-schnell-fast", 6)).to_contain_text("ended")
    finally:
        page.context.close()


def test_add_model_offline_gives_the_no_check_command(live: LiveServer, chromium: Any) -> None:
    page = open_admin(live, chromium)
    try:
        section(page, "Models")
        page.get_by_text("Add a model (offline").click()
        page.get_by_label("Key", exact=True).fill("avatar-creator:flux-krea")
        page.get_by_label("Model repo", exact=True).fill("black-forest-labs/FLUX.1-Krea-dev")
        page.get_by_role("button", name="Add model").click()
        msg = page.locator("#model-msg")
        expect(msg).to_contain_text("Not added: the Hub check cannot run here.")
        command = msg.locator("pre code")
        expect(command).to_contain_text(
            "avatar-creator models add avatar-creator:flux-krea --model black-forest-labs/FLUX.1-Krea-dev"
        )
        expect(command).to_contain_text("--no-check")
        expect(page.locator("#admin-models")).not_to_contain_text("flux-krea")
        assert "avatar-creator:flux-krea" not in {m.model_key for m in live.app.catalog.models()}
    finally:
        page.context.close()


def test_a_user_never_gets_the_console(live: LiveServer, chromium: Any) -> None:
    page = pw.signup(chromium, live.url, f"nina-{uuid.uuid4().hex[:6]}", PASSWORD)
    try:
        expect(page.get_by_role("tab", name="Admin")).to_have_count(0)
        expect(page.locator("#admin-sections")).to_have_count(0)
    finally:
        page.context.close()
