"""The live web app for HTTP tests: one uvicorn thread per module and database kind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import fresh_database_url
from tests.web.server import LiveServer, serve, with_admin


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
    pg_schema_url: str | None,
) -> Iterator[LiveServer]:
    """The real web app (offline engine, cheap hashing, an admin) on a free loopback port."""
    tmp_path = tmp_path_factory.mktemp(f"live-{request.param}")
    url = fresh_database_url(str(request.param), tmp_path, sqlite_template, pg_schema_url)
    app = with_admin(tmp_path, url)
    try:
        with serve(app) as server:
            yield server
    finally:
        app.close()
