"""Core: background jobs (both engines record their jobs here).

Revision ID: 0004_jobs
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_jobs"
down_revision = "0001_core"  # the core never depends on a skill's tables
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
LIVE = sa.text("state IN ('queued', 'running')")


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(64), nullable=False, index=True),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("lane", sa.String(128), nullable=True),
        sa.Column("dedupe_key", sa.String(200), nullable=True),
        sa.Column("user_id", sa.Integer, nullable=True),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("run_at", TS, nullable=False),
        sa.Column("progress", sa.Float, nullable=True),
        sa.Column("note", sa.String(300), nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("cancel_requested", sa.Boolean, nullable=False),
        sa.Column("worker", sa.String(100), nullable=True),
        sa.Column("heartbeat_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("started_at", TS, nullable=True),
        sa.Column("finished_at", TS, nullable=True),
    )
    op.create_index(
        "uq_jobs_dedupe_live",
        "jobs",
        ["dedupe_key"],
        unique=True,
        sqlite_where=LIVE,
        postgresql_where=LIVE,
    )
    op.create_index("ix_jobs_due", "jobs", ["state", "run_at", "priority", "id"])
    op.create_index("ix_jobs_lane", "jobs", ["lane", "state", "id"])
    op.create_index("ix_jobs_user", "jobs", ["user_id", "state"])


def downgrade() -> None:
    op.drop_table("jobs")
