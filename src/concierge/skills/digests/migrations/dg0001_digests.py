"""Digests skill: preferences, built digests, *Less like this* presses, the request cache.

Revision ID: dg0001_digests
"""

import sqlalchemy as sa
from alembic import op

revision = "dg0001_digests"
down_revision = "0001_core"
branch_labels = ("digests",)
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "digest_prefs",
        sa.Column("user_id", sa.Integer, primary_key=True),
        sa.Column("daily", sa.Boolean, nullable=False),
        sa.Column("weekly", sa.Boolean, nullable=False),
        sa.Column("hour", sa.Integer, nullable=False),
        sa.Column("weekday", sa.Integer, nullable=False),
        sa.Column("quiet_from", sa.Integer),
        sa.Column("quiet_to", sa.Integer),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "digests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, nullable=False, index=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("local_date", sa.String(10), nullable=False),
        sa.Column("items", sa.JSON, nullable=False),
        sa.Column("summary", sa.Text),
        sa.Column("made_by", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("user_id", "kind", "local_date", name="uq_digests_user_kind_date"),
    )
    op.create_table(
        "digest_less",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, nullable=False, index=True),
        sa.Column("facet", sa.String(300), nullable=False),
        sa.Column("source", sa.String(120), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("user_id", "facet", "source", name="uq_digest_less_press"),
    )
    op.create_table(
        "digest_fetches",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("request", sa.String(500), nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("fetched_at", TS, nullable=False),
    )


def downgrade() -> None:
    for table in ("digest_fetches", "digest_less", "digests", "digest_prefs"):
        op.drop_table(table)
