"""Database engine, sessions, per-user write serialisation and migrations."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from avatar_core.domain.errors import NotFound
from avatar_core.infra.models import User

MIGRATIONS = Path(__file__).with_name("migrations")


def _sqlite_setup(engine: Engine) -> None:
    """WAL, foreign keys, a busy timeout, and BEGIN issued by us so writers can be IMMEDIATE."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def private_file(path: Path) -> None:
    """Create `path` readable by its owner only (0600), or tighten an existing one."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        os.chmod(path, 0o600)
    except OSError:  # a read-only install, or someone else's file: SQLite reports what matters
        pass


def make_engine(url: str) -> Engine:
    """An Engine for `url`; SQLite files are 0600, their directory created, the pragmas set."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
            db_path = Path(parsed.database)
            db_path.parent.mkdir(parents=True, exist_ok=True)
            for path in (db_path, *(db_path.with_name(db_path.name + s) for s in ("-wal", "-shm"))):
                if path == db_path or path.exists():  # SQLite gives -wal/-shm the file's own mode
                    private_file(path)
        engine = create_engine(url, connect_args={"timeout": 30})
        _sqlite_setup(engine)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    # 40 pooled connections and no overflow: the same cap as 20 + 20 overflow, but a connection
    # is kept once opened. Overflow ones were closed on return and reopened by the next burst
    # (32 generations at once): ~3 % of the app's Python time (bench/bench_cpu.py).
    return create_engine(url, pool_size=40, max_overflow=0, pool_pre_ping=True)


class Database:
    """Owns the engine and hands out sessions; writers go through `transaction()`."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        writer = self.engine.execution_options(sqlite_begin="IMMEDIATE") if self.is_sqlite else self.engine
        self._write = sessionmaker(writer, expire_on_commit=False)
        # SQLite has one writer at a time anyway; queueing this process's writers on a lock wakes
        # the next one at once, where SQLite's busy handler sleeps in growing steps (up to 100 ms)
        # and starves unlucky writers: 16 threads of reserve+capture had a p99 of 1.2 s without
        # it, 0.33 s with it (docs/benchmarks.md). Other processes still meet the busy timeout.
        self._write_lock: contextlib.AbstractContextManager[object] = (
            threading.RLock() if self.is_sqlite else contextlib.nullcontext()
        )

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reads (rolled back at the end)."""
        with self._read() as session:
            yield session

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write transaction: committed on success, rolled back on any exception."""
        with self._write_lock, self._write() as session, session.begin():
            yield session

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def _alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(db: Database, revision: str = "head") -> None:
    """Apply the Alembic migrations up to `revision`."""
    command.upgrade(_alembic_config(db.engine), revision)


def current_revision(db: Database) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    """The newest revision shipped with the code."""
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


INIT_LOCK_KEY = 0x61766174617221  # pg_advisory_lock key shared by every replica's `init`


@contextmanager
def init_lock(db: Database) -> Iterator[None]:
    """Serialise migrate + seed across processes (replicas starting together would collide).

    PostgreSQL: a session advisory lock on a dedicated connection. SQLite: an exclusive flock on
    a file beside the database. In-memory SQLite (and platforms without fcntl): nothing to share.
    """
    if not db.is_sqlite:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f"SELECT pg_advisory_lock({INIT_LOCK_KEY})")
            try:
                yield
            finally:
                conn.exec_driver_sql(f"SELECT pg_advisory_unlock({INIT_LOCK_KEY})")
        return
    database = db.engine.url.database
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        fcntl = None  # type: ignore[assignment]
    if fcntl is None or not database or database == ":memory:":
        yield
        return
    path = Path(database).with_name(Path(database).name + ".init-lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def lock_user(session: Session, user_id: int) -> User:
    """The user row, locked until the transaction ends (FOR UPDATE; SQLite's BEGIN IMMEDIATE)."""
    stmt = select(User).where(User.id == user_id).execution_options(populate_existing=True)
    if session.get_bind().dialect.name != "sqlite":
        stmt = stmt.with_for_update()
    user = session.scalars(stmt).one_or_none()
    if user is None:
        raise NotFound("No such user.")
    return user
