"""Core: when a waiting stranger was last told "please wait" (once an hour at most).

Revision ID: 0010_refusals
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_refusals"
down_revision = "0009_time"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("refused_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("refused_at")
