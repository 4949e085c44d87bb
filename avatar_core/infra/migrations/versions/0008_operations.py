"""Operations: provider cost per model and per image, ratings, A/B experiments

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ai_models", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cost_usd", sa.Float(), nullable=False, server_default="0"))
    with op.batch_alter_table("generations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cost_usd", sa.Float(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("rating", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("rating_reason", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("arm", sa.String(32), nullable=True))
    op.create_table(
        "experiments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tier", sa.String(16), nullable=False),
        sa.Column("model_a", sa.String(96), nullable=False),
        sa.Column("model_b", sa.String(96), nullable=False),
        sa.Column("split_pct", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_experiments_tier", "experiments", ["tier"])
    # The design's published per-image costs (README): FLUX.1-dev and Kontext $0.05, schnell $0.01.
    op.execute("UPDATE ai_models SET cost_usd = 0.01 WHERE model_id = 'black-forest-labs/FLUX.1-schnell'")
    op.execute("UPDATE ai_models SET cost_usd = 0.05 WHERE model_id <> 'black-forest-labs/FLUX.1-schnell'")


def downgrade() -> None:
    op.drop_index("ix_experiments_tier", table_name="experiments")
    op.drop_table("experiments")
    with op.batch_alter_table("generations", schema=None) as batch_op:
        for name in ("arm", "rating_reason", "rating", "cost_usd"):
            batch_op.drop_column(name)
    with op.batch_alter_table("ai_models", schema=None) as batch_op:
        batch_op.drop_column("cost_usd")
