"""Tiny test skill: its own table.

Revision ID: t0001_tiny_notes
"""

import sqlalchemy as sa
from alembic import op

revision = "t0001_tiny_notes"
down_revision = "0001_core"
branch_labels = ("tiny",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tiny_notes",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("user_id", sa.Integer, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("tiny_notes")
