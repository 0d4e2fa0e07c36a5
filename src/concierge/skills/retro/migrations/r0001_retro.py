"""Retro skill: retros, their answers (raw and cleaned) and the search words.

Revision ID: r0001_retro
"""

import sqlalchemy as sa
from alembic import op

revision = "r0001_retro"
down_revision = "0001_core"
branch_labels = ("retro",)
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "retros",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, nullable=False, index=True),
        sa.Column("local_date", sa.String(10), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("step", sa.Integer, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("mood", sa.Integer),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("touched_at", TS, nullable=False),
        sa.Column("finished_at", TS),
        sa.UniqueConstraint("user_id", "local_date", name="uq_retros_user_date"),
    )
    op.create_table(
        "retro_answers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "retro_id",
            sa.Integer,
            sa.ForeignKey("retros.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("user_id", sa.Integer, nullable=False, index=True),
        sa.Column("step", sa.String(32), nullable=False),
        sa.Column("raw", sa.Text, nullable=False),
        sa.Column("cleaned", sa.Text, nullable=False),
        sa.Column("cleaner", sa.String(48), nullable=False),
        sa.Column("tokens_in", sa.Integer, nullable=False),
        sa.Column("tokens_out", sa.Integer, nullable=False),
        sa.Column("cost_usd", sa.Float, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.UniqueConstraint("retro_id", "step", name="uq_retro_answers_step"),
    )
    op.create_table(
        "retro_words",
        sa.Column(
            "answer_id",
            sa.Integer,
            sa.ForeignKey("retro_answers.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("word", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, nullable=False),
    )
    op.create_index("ix_retro_words_user_word", "retro_words", ["user_id", "word"])


def downgrade() -> None:
    op.drop_table("retro_words")
    op.drop_table("retro_answers")
    op.drop_table("retros")
