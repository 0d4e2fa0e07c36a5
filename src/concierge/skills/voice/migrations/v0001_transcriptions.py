"""Voice skill: one row per transcription (usage and cost; no audio, no text).

Revision ID: v0001_transcriptions
"""

import sqlalchemy as sa
from alembic import op

revision = "v0001_transcriptions"
down_revision = "0001_core"
branch_labels = ("voice",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "voice_transcriptions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, nullable=False, index=True),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("model", sa.String(100), nullable=False),
        sa.Column("audio_seconds", sa.Float, nullable=False),
        sa.Column("processing_seconds", sa.Float, nullable=False),
        sa.Column("cost", sa.Float, nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("voice_transcriptions")
