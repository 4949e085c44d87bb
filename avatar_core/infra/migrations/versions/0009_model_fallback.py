"""Catalog fallbacks: ai_models.fallback_key, the row to run when the provider refuses this one

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ai_models", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fallback_key", sa.String(96), nullable=True))
    # The rule this column replaces: a refused FLUX.1-dev row fell back to the cheapest schnell row.
    op.execute(
        "UPDATE ai_models SET fallback_key = ("
        "SELECT f.model_key FROM ai_models AS f WHERE lower(f.model_id) LIKE '%schnell%'"
        " ORDER BY f.credit_cost, f.id LIMIT 1)"
        " WHERE lower(model_id) LIKE '%flux.1-dev%'"
    )


def downgrade() -> None:
    with op.batch_alter_table("ai_models", schema=None) as batch_op:
        batch_op.drop_column("fallback_key")
