"""Generation ids are never handed out twice (SQLite: AUTOINCREMENT)

The ledger's keys name generations (`reserve:<id>`, `settle:<id>`). SQLite's plain rowid reuses
the largest id once its row is deleted (a deleted avatar), so a new generation could meet the
deleted one's ledger rows: its reserve refused (or, before, silently treated as already paid).
AUTOINCREMENT never reuses an id; the sequence starts after every id the ledger has seen.
PostgreSQL's identity sequence never reuses one, so nothing changes there.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "generations", recreate="always", table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.alter_column("id", autoincrement=True)
    op.execute("DELETE FROM sqlite_sequence WHERE name = 'generations'")
    op.execute(
        "INSERT INTO sqlite_sequence (name, seq) VALUES ('generations', max("
        "(SELECT coalesce(max(id), 0) FROM generations),"
        " (SELECT coalesce(max(generation_id), 0) FROM credit_ledger)))"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "generations", recreate="always", table_kwargs={"sqlite_autoincrement": False}
    ) as batch_op:
        batch_op.alter_column("id", autoincrement=True)
