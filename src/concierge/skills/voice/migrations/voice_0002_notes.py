"""Voice skill: voice notes queued as ``voice.transcribe`` jobs (no audio, no text).

Revision ID: voice_0002_notes
"""

import sqlalchemy as sa
from alembic import op

revision = "voice_0002_notes"
down_revision = "v0001_transcriptions"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "voice_notes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, nullable=False, index=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.BigInteger, nullable=False),
        sa.Column("chat_kind", sa.String(16), nullable=False),
        sa.Column("message_id", sa.BigInteger, nullable=True),
        sa.Column("file_id", sa.String(300), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=True),
        sa.Column("duration", sa.Integer, nullable=True),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("handle", sa.JSON, nullable=True),
        sa.Column("job_id", sa.Integer, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False, index=True),
        sa.Column("finished_at", TS, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("voice_notes")
