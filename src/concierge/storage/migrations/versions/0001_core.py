"""Core tables: users, buttons, processed updates, credentials, conversation history.

Revision ID: 0001_core
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_core"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("platform_id", sa.BigInteger, nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("platform_language", sa.String(16)),
        sa.Column("language", sa.String(8)),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("model", sa.String(100)),
        sa.Column("thinking", sa.String(8), nullable=False),
        sa.Column("approval_requested", sa.Boolean, nullable=False),
        sa.Column("unreachable", sa.Boolean, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.UniqueConstraint("platform", "platform_id", name="uq_users_platform_id"),
    )
    op.create_table(
        "buttons",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("owner_user_id", sa.Integer, nullable=False, index=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("expires_at", TS, nullable=False, index=True),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "processed_updates",
        sa.Column("platform", sa.String(16), primary_key=True),
        sa.Column("update_id", sa.String(64), primary_key=True),
        sa.Column("created_at", TS, nullable=False, index=True),
    )
    op.create_table(
        "credentials",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("ciphertext", sa.Text, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.UniqueConstraint("user_id", "name", name="uq_credentials_user_name"),
    )
    op.create_table(
        "conversation_messages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("chat_key", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("tokens", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_conversation_chat_id", "conversation_messages", ["chat_key", "id"])
    op.create_table(
        "pending_inputs",
        sa.Column("user_id", sa.Integer, primary_key=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "pending_inputs",
        "conversation_messages",
        "credentials",
        "processed_updates",
        "buttons",
        "users",
    ):
        op.drop_table(table)
