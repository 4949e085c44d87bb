"""Shared fixtures: a migrated, seeded database on SQLite and PostgreSQL, and an app over it.

PostgreSQL tests use `AVATAR_TEST_PG_URL` (or a postgresql `DATABASE_URL`). Without one they
skip, unless `AVATAR_REQUIRE_ALL=1` (set by `make test` and CI), where a missing component fails.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from avatar_core.bootstrap import App, bootstrap
from avatar_core.config import Settings
from avatar_core.engines.base import Engine
from avatar_core.infra.db import Database, upgrade
from avatar_core.infra.models import Base
from avatar_core.infra.storage import ImageStore
from avatar_core.services.auth import make_hasher
from avatar_core.services.catalog import seed_catalog

REQUIRE_ALL = os.environ.get("AVATAR_REQUIRE_ALL") == "1"
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # what app.py sets for the real server
# Every table, emptied before each PostgreSQL test (experiments, projects, tokens... leaked before).
TABLES = tuple(t.name for t in Base.metadata.sorted_tables)
CHEAP_HASHER = make_hasher(rounds=1, memory_kib=1024)


def missing(component: str) -> None:
    """Skip for a missing component, or fail when the run requires everything."""
    message = f"{component} is not available"
    if REQUIRE_ALL:
        pytest.fail(message + " (AVATAR_REQUIRE_ALL=1)")
    pytest.skip(message)


def pg_base_url() -> str | None:
    """The PostgreSQL URL for tests, if any."""
    url = os.environ.get("AVATAR_TEST_PG_URL") or os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated and seeded SQLite file, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    with db.transaction() as session:
        seed_catalog(session)
    db.dispose()
    return path


@pytest.fixture(scope="session")
def pg_schema_url() -> Iterator[str | None]:
    """A private, migrated schema on the test PostgreSQL server (dropped at the end)."""
    base = pg_base_url()
    if base is None:
        yield None
        return
    schema = f"t_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = Database(base)
    with admin.engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    url = f"{base}{sep}options=-csearch_path%3D{schema}"
    db = Database(url)
    upgrade(db)
    db.dispose()
    yield url
    with admin.engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def fresh_database_url(kind: str, tmp_path: Path, sqlite_template: Path, pg_schema_url: str | None) -> str:
    """An empty-but-seeded database of `kind` for one test."""
    if kind == "sqlite":
        path = tmp_path / "avatar.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    if pg_schema_url is None:
        missing("PostgreSQL (set AVATAR_TEST_PG_URL)")
    assert pg_schema_url is not None
    db = Database(pg_schema_url)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    with db.transaction() as session:
        seed_catalog(session)
    db.dispose()
    return pg_schema_url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_kind(request: pytest.FixtureRequest) -> str:
    """Runs a test once per database."""
    return str(request.param)


@pytest.fixture
def database_url(db_kind: str, tmp_path: Path, sqlite_template: Path, pg_schema_url: str | None) -> str:
    """A fresh, seeded database URL of each kind."""
    return fresh_database_url(db_kind, tmp_path, sqlite_template, pg_schema_url)


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A fresh, seeded SQLite database (for tests that do not need both databases)."""
    return fresh_database_url("sqlite", tmp_path, sqlite_template, None)


def make_settings(tmp_path: Path, database_url: str, **overrides: object) -> Settings:
    """Test settings: a private data dir, the offline engine, cheap password hashing."""
    base = Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        engine="local",
        signup_credits=24,
        password_rounds=1,
        password_memory_kib=1024,
        signup_per_hour=100_000,
        signup_global_per_hour=100_000,  # many users from one address
        allowed_hosts=("testserver",),  # Starlette's TestClient (loopback names are always served)
    )
    return base.with_overrides(**overrides)


def make_app(
    tmp_path: Path,
    database_url: str,
    engine_impl: Engine | None = None,
    store_impl: ImageStore | None = None,
    **overrides: Any,  # Settings fields
) -> App:
    """An App over `database_url` with test settings (and fakes instead of the configured engine/store)."""
    return bootstrap(
        make_settings(tmp_path, database_url, **overrides),
        engine=engine_impl,
        store=store_impl,
        hasher=CHEAP_HASHER,
    )


@pytest.fixture
def app(tmp_path: Path, database_url: str) -> Iterator[App]:
    """The app over a fresh database, once per database kind."""
    instance = make_app(tmp_path, database_url)
    yield instance
    instance.close()


@pytest.fixture
def sqlite_app(tmp_path: Path, sqlite_url: str) -> Iterator[App]:
    """The app over a fresh SQLite database only."""
    instance = make_app(tmp_path, sqlite_url)
    yield instance
    instance.close()
