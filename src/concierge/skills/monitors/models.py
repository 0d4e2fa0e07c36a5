"""Monitors' tables and value types: what a user waits for, and what was found for them.

A monitor row is one user's wish (a film at a quality, or a series from a season on).
A match row is written once per monitor and target (the film, or one episode/season)
under a unique key before any push is queued, so a rerun of a check finds it and
queues nothing new. Matches outlive their monitor: digests read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from concierge.storage.models import Base, utcnow

ACTIVE, FOUND = "active", "found"  # a film's monitor is done once found; a follow stays active
MOVIE_TARGET = "film"


class MonitorRow(Base):
    __tablename__ = "monitors"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "tmdb_id", "quality", name="uq_monitors_user_title"),
        Index("ix_monitors_due", "state", "next_check_at"),
        Index("ix_monitors_group", "kind", "tmdb_id", "quality"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(8))  # movie | tv
    tmdb_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    original_title: Mapped[str] = mapped_column(String(300), default="")
    year: Mapped[int | None] = mapped_column(Integer, default=None)
    quality: Mapped[int] = mapped_column(Integer, default=0)  # pixel height; 0: any quality
    auto: Mapped[bool] = mapped_column(Boolean, default=False)
    season_from: Mapped[int] = mapped_column(Integer, default=0)  # series: from this season on
    # series: the newest episode already handled, as season * 1000 + episode
    last_seen: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(8), default=ACTIVE)
    next_check_at: Mapped[datetime] = mapped_column(default=utcnow)
    checked_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MonitorMatchRow(Base):
    __tablename__ = "monitor_matches"
    __table_args__ = (
        UniqueConstraint("monitor_id", "target", name="uq_monitor_matches_target"),
        Index("ix_monitor_matches_user_found", "user_id", "found_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    monitor_id: Mapped[int] = mapped_column(Integer)  # no foreign key: kept after removal
    user_id: Mapped[int] = mapped_column(Integer)
    target: Mapped[str] = mapped_column(String(16))  # "film", "S02E05", "S02"
    kind: Mapped[str] = mapped_column(String(8))
    tmdb_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    year: Mapped[int | None] = mapped_column(Integer, default=None)
    quality: Mapped[int] = mapped_column(Integer, default=0)
    release_key: Mapped[str] = mapped_column(String(64))  # the recommended pick's hash or key
    release_name: Mapped[str] = mapped_column(String(500))
    # what the push shows: {"poster_url", "episode", "pack", "picks": [{"role", "result"}]}
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    auto_state: Mapped[str] = mapped_column(String(8), default="none")  # none | sent | failed
    found_at: Mapped[datetime] = mapped_column(default=utcnow)


class MonitorUserRow(Base):
    """Per-user monitor settings: auto-download for every monitor of theirs."""

    __tablename__ = "monitor_users"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    auto: Mapped[bool] = mapped_column(Boolean, default=False)


@dataclass(frozen=True, slots=True)
class MonitorMatch:
    """One release a user's monitor found (for digests: "this week we found …")."""

    title: str
    year: int | None
    quality: str  # "2160p", or "" for any quality
    release_name: str
    found_at: datetime
    tmdb_id: int
    kind: str


def quality_label(quality: int) -> str:
    return f"{quality}p" if quality else ""


def episode_code(code: int) -> str:
    """``2005`` → ``S02E05``; the cursor's packed form made readable."""
    return f"S{code // 1000:02d}E{code % 1000:02d}"
