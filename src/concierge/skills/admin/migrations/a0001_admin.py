"""Admin skill: broadcasts and one delivery row per recipient.

Revision ID: a0001_admin
"""

import sqlalchemy as sa
from alembic import op

revision = "a0001_admin"
down_revision = "0001_core"
branch_labels = ("admin",)
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_by", sa.Integer),
        sa.Column("token", sa.String(32), unique=True),
        sa.Column("recipients", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "broadcast_deliveries",
        sa.Column("broadcast_id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, primary_key=True),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("at", TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("broadcast_deliveries")
    op.drop_table("broadcasts")
