"""Live apps for the security tests: SQLite unless a test needs both databases.

`live_app` builds a server with settings overrides; overrides unknown to `Settings` are dropped,
so these tests can also be replayed against the code before the fix (to see them fail).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path
from typing import Any

import pytest

from avatar_core.config import Settings
from tests.conftest import fresh_database_url
from tests.web.server import LiveServer, serve, with_admin

FIELDS = {f.name for f in dataclasses.fields(Settings)}
LiveFactory = Callable[..., LiveServer]


def known(overrides: dict[str, Any]) -> dict[str, Any]:
    """Only the overrides this version of Settings has."""
    return {k: v for k, v in overrides.items() if k in FIELDS}


@pytest.fixture(scope="package")
def live_factory(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[LiveFactory]:
    """Start live apps (SQLite, an admin) with settings overrides; all stop at the end of the package."""
    with ExitStack() as stack:

        def start(**overrides: Any) -> LiveServer:
            tmp = tmp_path_factory.mktemp("sec")
            app = with_admin(
                tmp, fresh_database_url("sqlite", tmp, sqlite_template, None), **known(overrides)
            )
            stack.callback(app.close)
            server: AbstractContextManager[LiveServer] = serve(app)
            return stack.enter_context(server)

        yield start


@pytest.fixture(scope="package")
def live(live_factory: LiveFactory) -> LiveServer:
    """The default live app: trusts X-Forwarded-For (the tests play the proxy)."""
    return live_factory()
