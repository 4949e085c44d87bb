"""Provider routes: per-model endpoint and licence; what ran for each generation

- ai_models.endpoint_url / endpoint_handler: a dedicated Inference Endpoint for one catalog row and
  the handler it runs ("default" toolkit handler, or "avatar-creator" = deploy/endpoint/handler.py,
  which applies a LoRA or refuses).
- ai_models.license: shown in the admin tab and `verify`.
- generations.provider / provider_model: the route and the provider's model id that really ran.
- generations.error_detail: the operator's detail of a failure (the user sees `error`).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ai_models", schema=None) as batch_op:
        batch_op.add_column(sa.Column("endpoint_url", sa.String(500), nullable=True))
        batch_op.add_column(sa.Column("endpoint_handler", sa.String(32), nullable=True))
        batch_op.add_column(sa.Column("license", sa.String(64), nullable=False, server_default=""))
    with op.batch_alter_table("generations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provider", sa.String(32), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("provider_model", sa.String(160), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("error_detail", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("generations", schema=None) as batch_op:
        batch_op.drop_column("error_detail")
        batch_op.drop_column("provider_model")
        batch_op.drop_column("provider")
    with op.batch_alter_table("ai_models", schema=None) as batch_op:
        batch_op.drop_column("license")
        batch_op.drop_column("endpoint_handler")
        batch_op.drop_column("endpoint_url")
