"""Core: leases, so one replica among several runs Telegram polling or Discord's gateway.

Revision ID: 0011_leases
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_leases"
down_revision = "0010_refusals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(128), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_leases_expires_at", "leases", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_leases_expires_at", "leases")
    op.drop_table("leases")
