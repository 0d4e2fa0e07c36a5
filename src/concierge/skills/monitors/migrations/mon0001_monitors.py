"""Monitors skill: release monitors and series follows, what they found, per-user settings.

Revision ID: mon0001_monitors
"""

import sqlalchemy as sa
from alembic import op

revision = "mon0001_monitors"
down_revision = "0001_core"
branch_labels = ("monitors",)
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "monitors",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, nullable=False, index=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("tmdb_id", sa.Integer, nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("original_title", sa.String(300), nullable=False),
        sa.Column("year", sa.Integer),
        sa.Column("quality", sa.Integer, nullable=False),
        sa.Column("auto", sa.Boolean, nullable=False),
        sa.Column("season_from", sa.Integer, nullable=False),
        sa.Column("last_seen", sa.Integer, nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("next_check_at", TS, nullable=False),
        sa.Column("checked_at", TS),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("user_id", "kind", "tmdb_id", "quality", name="uq_monitors_user_title"),
    )
    op.create_index("ix_monitors_due", "monitors", ["state", "next_check_at"])
    op.create_index("ix_monitors_group", "monitors", ["kind", "tmdb_id", "quality"])
    op.create_table(
        "monitor_matches",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("monitor_id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("target", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("tmdb_id", sa.Integer, nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("year", sa.Integer),
        sa.Column("quality", sa.Integer, nullable=False),
        sa.Column("release_key", sa.String(64), nullable=False),
        sa.Column("release_name", sa.String(500), nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("auto_state", sa.String(8), nullable=False),
        sa.Column("found_at", TS, nullable=False),
        sa.UniqueConstraint("monitor_id", "target", name="uq_monitor_matches_target"),
    )
    op.create_index("ix_monitor_matches_user_found", "monitor_matches", ["user_id", "found_at"])
    op.create_table(
        "monitor_users",
        sa.Column("user_id", sa.Integer, primary_key=True),
        sa.Column("auto", sa.Boolean, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("monitor_users")
    op.drop_index("ix_monitor_matches_user_found", "monitor_matches")
    op.drop_table("monitor_matches")
    op.drop_index("ix_monitors_group", "monitors")
    op.drop_index("ix_monitors_due", "monitors")
    op.drop_table("monitors")
