"""Memory skill: profiles (onboarding answers), core memory blocks, notes and their terms.

Revision ID: m0001_memory
"""

import sqlalchemy as sa
from alembic import op

revision = "m0001_memory"
down_revision = "0001_core"
branch_labels = ("memory",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "memory_profiles",
        sa.Column("user_id", sa.Integer, primary_key=True),
        sa.Column("onboarding", sa.String(16), nullable=False),
        sa.Column("step", sa.String(32), nullable=True),
        sa.Column("quality", sa.Integer, nullable=True),
        sa.Column("audio", sa.String(16), nullable=True),
        sa.Column("genres", sa.JSON, nullable=False),
        sa.Column("max_size_gb", sa.Integer, nullable=True),
        sa.Column("letterboxd", sa.String(64), nullable=True),
        sa.Column("learned_at", sa.Integer, nullable=False, server_default="0"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "memory_blocks",
        sa.Column("user_id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "memory_notes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_memory_notes_user", "memory_notes", ["user_id", "id"])
    op.create_table(
        "memory_note_terms",
        sa.Column(
            "note_id",
            sa.Integer,
            sa.ForeignKey("memory_notes.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("term", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, nullable=False),
    )
    op.create_index("ix_memory_note_terms_lookup", "memory_note_terms", ["user_id", "term"])
    op.create_table(
        "memory_feed_seen",
        sa.Column("user_id", sa.Integer, primary_key=True),
        sa.Column("guid", sa.String(200), primary_key=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("memory_feed_seen")
    op.drop_table("memory_note_terms")
    op.drop_table("memory_notes")
    op.drop_table("memory_blocks")
    op.drop_table("memory_profiles")
