"""Private, empty PostgreSQL schemas on the test server (the apps under test migrate them)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import text

from avatar_core.infra.db import Database
from tests.conftest import missing, pg_base_url


@contextmanager
def pg_schemas() -> Iterator[Callable[[], str]]:
    """Makes empty PostgreSQL schemas (apps migrate them themselves); drops them on the way out."""
    base = pg_base_url()
    if base is None:
        missing("PostgreSQL (set AVATAR_TEST_PG_URL)")
    assert base is not None
    admin = Database(base)
    made: list[str] = []

    def make() -> str:
        schema = f"load_{uuid.uuid4().hex[:10]}"
        with admin.engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        made.append(schema)
        sep = "&" if "?" in base else "?"
        return f"{base}{sep}options=-csearch_path%3D{schema}"

    try:
        yield make
    finally:
        with admin.engine.begin() as conn:
            for schema in made:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
