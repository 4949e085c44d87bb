"""Replicas starting together: four processes run `init` on one empty database at the same moment.

Before `init_lock`, all but one crashed (PostgreSQL: duplicate `alembic_version` type; SQLite:
"database is locked"; with an admin configured: "the username 'admin' is taken").
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from avatar_core.infra.db import Database, current_revision, head_revision
from avatar_core.infra.models import AIModel, User

PROCESSES = 4
ADMIN, ADMIN_PASSWORD = "boss", "Str0ng-Operator-Key"


def init_worker(url: str, data_dir: str, barrier: Any, results: Any) -> None:
    """One 'replica': bootstrap, wait for the others, then init."""
    from avatar_core.bootstrap import init
    from tests.conftest import make_app

    app = make_app(Path(data_dir), url, admin_username=ADMIN, admin_password=ADMIN_PASSWORD)
    barrier.wait(timeout=60)
    try:
        init(app)
        results.put("ok")
    except Exception as exc:  # noqa: BLE001 - reported to the test
        results.put(f"{type(exc).__name__}: {exc}"[:300])
    finally:
        app.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a new SQLite file or an empty PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    make: Callable[[], str] = request.getfixturevalue("pg_schema")
    return make()


def test_simultaneous_inits_all_succeed(empty_db: str, tmp_path: Path) -> None:
    ctx = mp.get_context("fork")  # the children inherit the imports: quick
    barrier, results = ctx.Barrier(PROCESSES), ctx.Queue()
    procs = [
        ctx.Process(target=init_worker, args=(empty_db, str(tmp_path / f"d{i}"), barrier, results))
        for i in range(PROCESSES)
    ]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    assert outcomes == ["ok"] * PROCESSES
    db = Database(empty_db)
    try:
        assert current_revision(db) == head_revision()
        with db.read() as session:
            assert session.scalar(select(func.count()).select_from(AIModel)) == 5
            admins = session.scalars(select(User.username).where(User.is_admin)).all()
        assert admins == [ADMIN]
    finally:
        db.dispose()
