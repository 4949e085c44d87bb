"""Browser tests: the live web app (SQLite, offline engine) and Debian Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import fresh_database_url, missing
from tests.e2e import browser as pw
from tests.web.server import LiveServer, serve, with_admin


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[LiveServer]:
    """The real web app with an admin, on a free loopback port."""
    tmp_path = tmp_path_factory.mktemp("e2e")
    app = with_admin(tmp_path, fresh_database_url("sqlite", tmp_path, sqlite_template, None))
    try:
        with serve(app) as server:
            yield server
    finally:
        app.close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian Chromium driven by Playwright (skips, or fails under AVATAR_REQUIRE_ALL=1)."""
    if not pw.chromium_available():
        missing("Chromium (apt-get install chromium; pip install playwright)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = pw.launch(p)
        yield browser
        browser.close()
