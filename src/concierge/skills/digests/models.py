"""The digest's tables: each user's choices, each digest built, *Less like this*, the cache.

A digest is one row per (user, kind, local date): built once, its items and summary
stored, so a rerun of the job after a crash sends the same digest under the same key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from concierge.storage.models import Base, utcnow


class DigestPrefsRow(Base):
    __tablename__ = "digest_prefs"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    daily: Mapped[bool] = mapped_column(Boolean, default=False)
    weekly: Mapped[bool] = mapped_column(Boolean, default=False)
    hour: Mapped[int] = mapped_column(Integer, default=9)  # local hour, 0-23
    weekday: Mapped[int] = mapped_column(Integer, default=7)  # ISO: 1 Monday … 7 Sunday
    quiet_from: Mapped[int | None] = mapped_column(Integer, default=None)  # local hour
    quiet_to: Mapped[int | None] = mapped_column(Integer, default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class DigestRow(Base):
    __tablename__ = "digests"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "local_date", name="uq_digests_user_kind_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(8))  # daily | weekly | now
    local_date: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD in the user's zone
    items: Mapped[dict[str, Any]] = mapped_column()  # {"items": [DigestItem…]}
    summary: Mapped[str | None] = mapped_column(Text, default=None)
    made_by: Mapped[str] = mapped_column(String(64), default="list")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DigestLessRow(Base):
    """One *Less like this* press: (user, facet, where it was pressed) once."""

    __tablename__ = "digest_less"
    __table_args__ = (UniqueConstraint("user_id", "facet", "source", name="uq_digest_less_press"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    facet: Mapped[str] = mapped_column(String(300))  # genre:horror | person:123 | feed:<url>
    source: Mapped[str] = mapped_column(String(120))  # digest id and item number
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DigestFetchRow(Base):
    """A shared request's parsed answer (a TMDB list, a feed), reused by every user."""

    __tablename__ = "digest_fetches"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the request
    request: Mapped[str] = mapped_column(String(500))
    body: Mapped[dict[str, Any]] = mapped_column()
    fetched_at: Mapped[datetime] = mapped_column()
