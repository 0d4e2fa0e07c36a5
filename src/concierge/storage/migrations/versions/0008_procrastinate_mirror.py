"""Core: link a ``jobs`` row to the procrastinate job that runs it.

The procrastinate engine keeps each job's ledger row in ``jobs`` (state, attempts,
progress, reasons, limits) and runs it as a procrastinate job; ``engine_ref`` is that
job's id, so a cancel can ask procrastinate to abort it. Empty for the embedded engine.

Revision ID: 0008_procrastinate_mirror
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_procrastinate_mirror"
down_revision = "0007_outbound"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("engine_ref", sa.BigInteger, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("engine_ref")
