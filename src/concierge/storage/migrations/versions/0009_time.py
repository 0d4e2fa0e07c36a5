"""Core: schedules (ticks claimed once, per-user rows), users' time zones, open flows.

``open_flows`` replaces ``pending_inputs`` (one question per user): several
conversations per user, keyed by flow.

Revision ID: 0009_time
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_time"
down_revision = "0008_procrastinate_mirror"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("timezone", sa.String(64), nullable=True))
    op.create_table(
        "schedule_ticks",
        sa.Column("schedule", sa.String(128), primary_key=True),
        sa.Column("tick_at", _TS, primary_key=True),
        sa.Column("job_id", sa.BigInteger, nullable=True),
        sa.Column("claimed_at", _TS, nullable=False, index=True),
    )
    op.create_table(
        "user_schedules",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, nullable=False, index=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("cron", sa.String(100), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("next_at", _TS, nullable=False, index=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.UniqueConstraint("user_id", "name", name="uq_user_schedules_name"),
    )
    op.create_table(
        "open_flows",
        sa.Column("user_id", sa.Integer, primary_key=True),
        sa.Column("flow", sa.String(64), primary_key=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("touched_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
    )
    op.drop_table("pending_inputs")


def downgrade() -> None:
    op.create_table(
        "pending_inputs",
        sa.Column("user_id", sa.Integer, primary_key=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
    )
    op.drop_table("open_flows")
    op.drop_table("user_schedules")
    op.drop_table("schedule_ticks")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("timezone")
