"""Alembic migrations: upgrading an existing database keeps its data, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from avatar_core.infra.db import MIGRATIONS, Database, current_revision, head_revision, upgrade
from tests.conftest import pg_base_url


def _fresh_url(kind: str, tmp_path: Path) -> tuple[str, str | None]:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'm.db'}", None
    base = pg_base_url()
    if base is None:
        from tests.conftest import missing

        missing("PostgreSQL (set AVATAR_TEST_PG_URL)")
    assert base is not None
    schema = f"mig_{tmp_path.name[-12:].replace('-', '_').lower()}"
    with Database(base).engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}", schema


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_upgrade_from_first_revision_keeps_users(kind: str, tmp_path: Path) -> None:
    url, schema = _fresh_url(kind, tmp_path)
    db = Database(url)
    try:
        upgrade(db, "0001")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (username, password_hash, tier, is_admin, balance, created_at)"
                    " VALUES ('old', 'x', 'pro', false, 7, CURRENT_TIMESTAMP)"
                )
            )
        upgrade(db)
        assert current_revision(db) == head_revision()
        with db.engine.connect() as conn:
            row = conn.execute(text("SELECT tier, balance, session_epoch FROM users")).one()
        assert tuple(row) == ("pro", 7, 0)
        upgrade(db)  # idempotent at head
    finally:
        db.dispose()
        if schema:
            with Database(pg_base_url() or "").engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


MODEL_ROW = (
    "INSERT INTO ai_models (model_key, app_id, name, tier, credit_cost, model_id, width, height,"
    " steps, guidance_scale, enabled, processing_time, expected_seconds, capabilities, sort_order)"
    " VALUES (:key, 'avatar-creator', :key, 'free', :cost, :model_id, 512, 512, 4, 0, true, '', 10,"
    " '{}', 0)"
)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_0009_fallback_key_up_and_down(kind: str, tmp_path: Path) -> None:
    url, schema = _fresh_url(kind, tmp_path)
    db = Database(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = db.engine
    rows = {"dev": "black-forest-labs/FLUX.1-dev", "fast": "black-forest-labs/FLUX.1-schnell"}
    rows |= {"kontext": "black-forest-labs/FLUX.1-Kontext-dev"}
    try:
        upgrade(db, "0008")
        with db.engine.begin() as conn:
            for key, model_id in rows.items():
                conn.execute(text(MODEL_ROW), {"key": key, "cost": 6, "model_id": model_id})
        upgrade(db, "0009")
        with db.engine.connect() as conn:
            found: dict[str, str | None] = {
                k: v for k, v in conn.execute(text("SELECT model_key, fallback_key FROM ai_models"))
            }
        assert found == {"dev": "fast", "fast": None, "kontext": None}  # the old flux.1-dev rule
        command.downgrade(config, "0008")
        with db.engine.connect() as conn:
            columns = conn.execute(text("SELECT * FROM ai_models")).keys()
        assert "fallback_key" not in columns and current_revision(db) == "0008"
        upgrade(db)
        assert current_revision(db) == head_revision()
    finally:
        db.dispose()
        if schema:
            with Database(pg_base_url() or "").engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def test_0010_never_reuses_a_generation_id_the_ledger_has_seen(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'ids.db'}")
    try:
        upgrade(db, "0009")
        with db.engine.begin() as conn:  # an avatar #7 that was deleted, its ledger rows kept
            conn.execute(
                text(
                    "INSERT INTO users (username, password_hash, tier, is_admin, balance, created_at)"
                    " VALUES ('old', 'x', 'free', false, 16, CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO credit_ledger (user_id, type, amount, balance_after, generation_id,"
                    " idempotency_key, reason, created_at)"
                    " VALUES (1, 'reserve', -8, 16, 7, 'reserve:7', '', CURRENT_TIMESTAMP)"
                )
            )
        upgrade(db, "0010")
        with db.engine.connect() as conn:
            seq = conn.execute(text("SELECT seq FROM sqlite_sequence WHERE name = 'generations'")).scalar()
        assert seq == 7  # the next generation is #8, whatever the table holds
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["engine"] = db.engine
        command.downgrade(config, "0009")
        upgrade(db)
    finally:
        db.dispose()
