"""The movies skill's tables, on the shared declarative ``Base``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from concierge.storage.models import Base, utcnow


class LastResultsRow(Base):
    """A user's last list (titles or torrents), so "download 2" works after a restart."""

    __tablename__ = "movies_last_results"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "titles" | "torrents"
    query: Mapped[str] = mapped_column(String(300), default="")
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TitleListRow(Base):
    """One entry of a user's lists: watchlist, watched (with date and rating) or blocked.

    ``key`` names the thing ("movie:693134", "person:1190668", "genre:horror"), so a
    title, a person or a genre can be blocked alike and each is on a list once.
    """

    __tablename__ = "movies_list_entries"
    __table_args__ = (
        UniqueConstraint("user_id", "list", "key", name="uq_movies_list_entry"),
        Index("ix_movies_list_user_list", "user_id", "list", "updated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Integer)
    list: Mapped[str] = mapped_column(String(16))  # "watchlist" | "watched" | "blocked"
    key: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300), default="")
    year: Mapped[int | None] = mapped_column(Integer, default=None)
    genres: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"slugs": [...]}
    rating: Mapped[int | None] = mapped_column(Integer, default=None)  # 1–10
    watched_on: Mapped[date | None] = mapped_column(Date, default=None)
    source: Mapped[str] = mapped_column(String(16), default="here")  # here|letterboxd|trakt
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
