"""Tables of the grab skill: one row per accepted link, and the delivered-files cache.

A grab row is what quotas and ``/queue`` count and what holds the progress message's
handle; its job (in ``jobs``) is what the engine runs. The cache maps a normalized URL
to the files kept from its last delivery, so the same link again is re-sent without a
download (it survives restarts; the storage quota evicts the oldest entries).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from concierge.storage.models import Base, utcnow


class GrabRow(Base):
    __tablename__ = "grabs"
    __table_args__ = (Index("ix_grabs_user_created", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(String(2000))
    url_key: Mapped[str] = mapped_column(String(64), index=True)  # sha256 of the normalized URL
    job_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    reason: Mapped[str | None] = mapped_column(String(32), default=None)
    tool: Mapped[str | None] = mapped_column(String(16), default=None)
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    lang: Mapped[str] = mapped_column(String(8), default="en")
    handle: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class GrabCacheRow(Base):
    __tablename__ = "grab_cache"

    url_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    files: Mapped[dict[str, Any]] = mapped_column()  # {"files": [{"path", "kind", "name"}]}
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
