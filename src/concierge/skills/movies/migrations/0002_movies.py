"""Movies skill: each user's last result list.

Revision ID: 0002_movies
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_movies"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "movies_last_results",
        sa.Column("user_id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("query", sa.String(300), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("movies_last_results")
