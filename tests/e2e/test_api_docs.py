"""In Chromium: /api/docs renders the REST API's operations with files served by us (no CDN)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.server import LiveServer

pytestmark = [pytest.mark.browser]


def test_api_docs_render_offline_under_the_csp(live: LiveServer, chromium: Any) -> None:
    page = chromium.new_page()
    remote: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: remote.append(r.url) if not r.url.startswith(live.url) else None)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live.url}/api/docs")
    page.wait_for_selector(".opblock", timeout=15_000)
    operations = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/v1/projects/{project_id}/avatars/generate" in operations and len(operations) >= 10
    assert remote == [] and errors == []  # everything from this server; nothing blocked by the CSP
    page.close()
