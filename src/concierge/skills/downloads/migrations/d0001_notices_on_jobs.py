"""Downloads: notices go out as jobs; their own lease, attempts and back-off go away.

Revision ID: d0001_notices_on_jobs
"""

import sqlalchemy as sa
from alembic import op

revision = "d0001_notices_on_jobs"
down_revision = "0003_downloads"
branch_labels = ("downloads",)
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.drop_index("ix_download_notices_sent_at", table_name="download_notices")
    with op.batch_alter_table("download_notices") as batch:
        batch.add_column(sa.Column("queued_at", TS))
    # notices already sent count as queued: their job would find nothing to do
    op.execute("UPDATE download_notices SET queued_at = sent_at WHERE sent_at IS NOT NULL")
    with op.batch_alter_table("download_notices") as batch:
        batch.drop_column("claimed_until")
        batch.drop_column("sent_at")
        batch.drop_column("attempts")
        batch.drop_column("last_error")
    op.create_index("ix_download_notices_queued_at", "download_notices", ["queued_at"])


def downgrade() -> None:
    op.drop_index("ix_download_notices_queued_at", table_name="download_notices")
    with op.batch_alter_table("download_notices") as batch:
        batch.add_column(sa.Column("claimed_until", TS))
        batch.add_column(sa.Column("sent_at", TS))
        batch.add_column(sa.Column("attempts", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("last_error", sa.String(300)))
        batch.drop_column("queued_at")
    op.create_index("ix_download_notices_sent_at", "download_notices", ["sent_at"])
