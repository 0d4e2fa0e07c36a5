"""Downloads skill: downloads, download notices, NAS library index.

Revision ID: 0003_downloads
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_downloads"
down_revision = "0002_movies"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "downloads",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, nullable=False, index=True),
        sa.Column("client_key", sa.String(32), nullable=False),
        sa.Column("client_kind", sa.String(16), nullable=False),
        sa.Column("info_hash", sa.String(40), nullable=False, index=True),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("normalized_name", sa.String(500), nullable=False, index=True),
        sa.Column("chat_key", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("progress", sa.Float, nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("save_path", sa.String(1000), nullable=False),
        sa.Column("sync_state", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("completed_at", TS),
        sa.Column("synced_at", TS),
        sa.UniqueConstraint("user_id", "client_key", "info_hash", name="uq_downloads_user_hash"),
    )
    op.create_index("ix_downloads_status", "downloads", ["status", "client_key"])
    op.create_index("ix_downloads_sync", "downloads", ["sync_state"])
    op.create_table(
        "download_notices",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "download_id",
            sa.Integer,
            sa.ForeignKey("downloads.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("claimed_until", TS),
        sa.Column("sent_at", TS, index=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.String(300)),
        sa.UniqueConstraint("download_id", "kind", name="uq_download_notices_kind"),
    )
    op.create_table(
        "library_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("normalized_title", sa.String(300), nullable=False),
        sa.Column("year", sa.Integer),
        sa.Column("path", sa.String(1000), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("episodes", sa.Integer, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_library_title", "library_items", ["normalized_title", "year"])


def downgrade() -> None:
    op.drop_index("ix_library_title", table_name="library_items")
    op.drop_table("library_items")
    op.drop_table("download_notices")
    op.drop_index("ix_downloads_sync", table_name="downloads")
    op.drop_index("ix_downloads_status", table_name="downloads")
    op.drop_table("downloads")
