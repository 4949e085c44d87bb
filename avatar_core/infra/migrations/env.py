"""Alembic environment: runs online against the engine handed in by `avatar_core.infra.db.upgrade`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from avatar_core.infra.models import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # plain `alembic` command line: use DATABASE_URL through the settings
    from avatar_core.config import load_settings

    engine = create_engine(load_settings().resolved_database_url)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
