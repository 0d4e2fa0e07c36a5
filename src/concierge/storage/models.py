"""Core tables. Skills declare theirs on the same ``Base`` in their own models.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands datetimes back without their zone; every stored time is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        datetime: DateTime(timezone=True),
    }


class UserRow(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("platform", "platform_id", name="uq_users_platform_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    platform_id: Mapped[int] = mapped_column(BigInteger)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    platform_language: Mapped[str | None] = mapped_column(String(16), default=None)
    language: Mapped[str | None] = mapped_column(String(8), default=None)  # chosen by /language
    role: Mapped[str] = mapped_column(String(16), default="pending")
    model: Mapped[str | None] = mapped_column(String(100), default=None)
    thinking: Mapped[str] = mapped_column(String(8), default="off")
    timezone: Mapped[str | None] = mapped_column(String(64), default=None)  # IANA, by /timezone
    approval_requested: Mapped[bool] = mapped_column(default=False)
    refused_at: Mapped[datetime | None] = mapped_column(default=None)  # last "please wait"
    unreachable: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ButtonRow(Base):
    __tablename__ = "buttons"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_user_id: Mapped[int] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProcessedUpdateRow(Base):
    """Platform deliveries already handled, so a redelivery is processed once."""

    __tablename__ = "processed_updates"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    update_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class CredentialRow(Base):
    """An encrypted secret; ``user_id`` 0 holds operator-wide values."""

    __tablename__ = "credentials"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_credentials_user_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(64))
    ciphertext: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ConversationMessageRow(Base):
    __tablename__ = "conversation_messages"
    __table_args__ = (Index("ix_conversation_chat_id", "chat_key", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_key: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column()
    tokens: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OpenFlowRow(Base):
    """One open conversation (a wizard, a retro): the user's next plain text may answer it.

    Keyed by user and flow, so several coexist; the most recently active one answers.
    """

    __tablename__ = "open_flows"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flow: Mapped[str] = mapped_column(String(64), primary_key=True)
    action: Mapped[str] = mapped_column(String(64))  # the button action that takes the answer
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    touched_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()


class ScheduleTickRow(Base):
    """One tick of one schedule, claimed by exactly one process (the primary key)."""

    __tablename__ = "schedule_ticks"

    schedule: Mapped[str] = mapped_column(String(128), primary_key=True)
    tick_at: Mapped[datetime] = mapped_column(primary_key=True)
    job_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    claimed_at: Mapped[datetime] = mapped_column(index=True)


class UserScheduleRow(Base):
    """A user's own schedule; ``cron`` is wall-clock time in the user's time zone."""

    __tablename__ = "user_schedules"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_user_schedules_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(64))
    cron: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    next_at: Mapped[datetime] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class JobRow(Base):
    """One background job, whatever engine runs it (see ``core/jobs.py``).

    The embedded engine claims rows here; the procrastinate engine mirrors each of its
    jobs here, so status, history, progress and enqueue-time limits are engine-neutral.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        # a dedupe key is unique among live jobs only: once done, the same work may be asked again
        Index(
            "uq_jobs_dedupe_live",
            "dedupe_key",
            unique=True,
            sqlite_where=text("state IN ('queued', 'running')"),
            postgresql_where=text("state IN ('queued', 'running')"),
        ),
        Index("ix_jobs_due", "state", "run_at", "priority", "id"),
        Index("ix_jobs_lane", "lane", "state", "id"),
        Index("ix_jobs_user", "user_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(16), default="queued")
    lane: Mapped[str | None] = mapped_column(String(128), default=None)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), default=None)
    user_id: Mapped[int | None] = mapped_column(Integer, default=None)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_at: Mapped[datetime] = mapped_column(default=utcnow)
    progress: Mapped[float | None] = mapped_column(default=None)
    note: Mapped[str | None] = mapped_column(String(300), default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    worker: Mapped[str | None] = mapped_column(String(100), default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    engine_ref: Mapped[int | None] = mapped_column(BigInteger, default=None)  # procrastinate's id


class SentNoticeRow(Base):
    """A bot-initiated message that went out, by idempotency key (see ``core/notify.py``)."""

    __tablename__ = "sent_notices"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    handle: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LeaseRow(Base):
    """Who runs a thing that must run once among replicas (Telegram polling, Discord's
    gateway), until when; a holder renews, a dead one's lease runs out."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column(index=True)
