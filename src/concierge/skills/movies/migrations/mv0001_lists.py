"""Movies skill: watchlist, watched (date, rating) and blocklist entries per user.

Revision ID: mv0001_lists
"""

import sqlalchemy as sa
from alembic import op

revision = "mv0001_lists"
down_revision = "0002_movies"
branch_labels = ("movies",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "movies_list_entries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("list", sa.String(16), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("year", sa.Integer, nullable=True),
        sa.Column("genres", sa.JSON, nullable=False),
        sa.Column("rating", sa.Integer, nullable=True),
        sa.Column("watched_on", sa.Date, nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("user_id", "list", "key", name="uq_movies_list_entry"),
    )
    op.create_index(
        "ix_movies_list_user_list", "movies_list_entries", ["user_id", "list", "updated_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_movies_list_user_list", "movies_list_entries")
    op.drop_table("movies_list_entries")
