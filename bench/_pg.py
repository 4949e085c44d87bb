"""A private PostgreSQL schema for a benchmark, dropped afterwards.

The server comes from AVATAR_BENCH_PG_URL, AVATAR_TEST_PG_URL or a postgresql DATABASE_URL; without
one, a throwaway server is started with .ci/pg.sh when PostgreSQL is installed (as `make test` does).
Otherwise PostgreSQL rows are skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from _common import ROOT, free_port


def configured_url() -> str | None:
    """A PostgreSQL server URL from the environment, if any."""
    for name in ("AVATAR_BENCH_PG_URL", "AVATAR_TEST_PG_URL", "DATABASE_URL"):
        url = os.environ.get(name, "")
        if url.startswith("postgresql"):
            return url
    return None


@contextmanager
def throwaway_server() -> Iterator[str | None]:
    """Start .ci/pg.sh's throwaway server when PostgreSQL is installed; None when it is not."""
    script = ROOT / ".ci" / "pg.sh"
    if not script.is_file() or not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        yield None
        return
    base = tempfile.mkdtemp(prefix="bench-pg-")
    env = {**os.environ, "PG_BASE": base, "PG_PORT": str(free_port())}
    started = subprocess.run(
        ["bash", "-c", f". {script} && pg_start"], env=env, capture_output=True, text=True
    )
    try:
        if started.returncode != 0:
            print(f"(PostgreSQL did not start: {started.stdout[-500:]} {started.stderr[-500:]})")
            yield None
            return
        yield f"postgresql+psycopg://avatar:avatar@127.0.0.1:{env['PG_PORT']}/avatar_test"
    finally:
        subprocess.run(["bash", "-c", f". {script} && pg_stop"], env=env, capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def pg_schema_url() -> Iterator[str | None]:
    """A URL whose search_path is a fresh, empty schema (dropped at the end), or None."""
    from sqlalchemy import create_engine, text

    with throwaway_server() if configured_url() is None else _given() as base:
        if base is None:
            yield None
            return
        schema = f"bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        admin = create_engine(base)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in base else "?"
        try:
            yield f"{base}{sep}options=-csearch_path%3D{schema}"
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


@contextmanager
def _given() -> Iterator[str | None]:
    yield configured_url()


def settings_note(url: str) -> str:
    """fsync / synchronous_commit of the server (the test servers run without fsync)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            fsync = conn.execute(text("SHOW fsync")).scalar()
            sync = conn.execute(text("SHOW synchronous_commit")).scalar()
            version = conn.execute(text("SHOW server_version")).scalar()
        return f"PostgreSQL {version} (fsync={fsync}, synchronous_commit={sync})"
    finally:
        engine.dispose()
