"""Grab: accepted links and the delivered-files cache.

Revision ID: g0001_grabs
"""

import sqlalchemy as sa
from alembic import op

revision = "g0001_grabs"
down_revision = "0004_jobs"
branch_labels = ("grab",)
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "grabs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("url_key", sa.String(64), nullable=False, index=True),
        sa.Column("job_id", sa.Integer, nullable=True, index=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("tool", sa.String(16), nullable=True),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("handle", sa.JSON, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("finished_at", TS, nullable=True),
    )
    op.create_index("ix_grabs_user_created", "grabs", ["user_id", "created_at"])
    op.create_table(
        "grab_cache",
        sa.Column("url_key", sa.String(64), primary_key=True),
        sa.Column("files", sa.JSON, nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("used_at", TS, nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("grab_cache")
    op.drop_index("ix_grabs_user_created", table_name="grabs")
    op.drop_table("grabs")
