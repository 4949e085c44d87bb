"""Generations held by a lease while they run, their idempotent request's fingerprint, soft deletes

`lease_until`: a running generation's process renews it every few seconds; one whose lease has
run out belongs to a process that died, and is refunded (within a minute of the crash, not after
the deadline). `request_digest`: the SHA-256 of what was asked, so an `Idempotency-Key` reused with
another request is refused instead of answering the first one. `deleted_at`: an avatar its owner
deleted (its image is gone; the row stays, so usage, costs and A/B results keep it).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("generations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("request_digest", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("generations", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")
        batch_op.drop_column("request_digest")
        batch_op.drop_column("lease_until")
