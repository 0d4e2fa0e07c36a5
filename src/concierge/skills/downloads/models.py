"""Tables of the downloads skill: downloads, their notices, and the NAS library index."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from concierge.storage.models import Base, utcnow


class DownloadRow(Base):
    """One torrent a user sent to a client, tracked until it is done (and synced)."""

    __tablename__ = "downloads"
    __table_args__ = (
        UniqueConstraint("user_id", "client_key", "info_hash", name="uq_downloads_user_hash"),
        Index("ix_downloads_status", "status", "client_key"),
        Index("ix_downloads_sync", "sync_state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    client_key: Mapped[str] = mapped_column(String(32))  # "global" | "user:<id>"
    client_kind: Mapped[str] = mapped_column(String(16))
    info_hash: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str] = mapped_column(String(500))
    normalized_name: Mapped[str] = mapped_column(String(500), index=True)
    chat_key: Mapped[str] = mapped_column(String(64))  # where it was asked for
    status: Mapped[str] = mapped_column(String(16), default="active")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    save_path: Mapped[str] = mapped_column(String(1000), default="")
    sync_state: Mapped[str] = mapped_column(String(16), default="none")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    synced_at: Mapped[datetime | None] = mapped_column(default=None)


class DownloadNoticeRow(Base):
    """A message owed to a user; ``queued_at`` is set once its ``notify.send`` job exists."""

    __tablename__ = "download_notices"
    __table_args__ = (UniqueConstraint("download_id", "kind", name="uq_download_notices_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    download_id: Mapped[int] = mapped_column(ForeignKey("downloads.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # "complete" | "ready"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    queued_at: Mapped[datetime | None] = mapped_column(default=None, index=True)


class LibraryItemRow(Base):
    """One film or series on the NAS, as last pushed by ``concierge nas-sync``."""

    __tablename__ = "library_items"
    __table_args__ = (Index("ix_library_title", "normalized_title", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(8))  # "movie" | "series"
    title: Mapped[str] = mapped_column(String(300))
    normalized_title: Mapped[str] = mapped_column(String(300))
    year: Mapped[int | None] = mapped_column(Integer, default=None)
    path: Mapped[str] = mapped_column(String(1000))
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    episodes: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
