"""Core: the record of bot-initiated messages that went out (idempotency + handles).

Revision ID: 0007_outbound
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_outbound"
down_revision = "0004_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sent_notices",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("user_id", sa.Integer, nullable=False, index=True),
        sa.Column("handle", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sent_notices")
