"""The memory skill's tables: a profile per user, named core memory blocks, notes.

Notes are searched through ``memory_note_terms``: each note's normalized words,
one row each, so one indexed query finds a note by a word it contains on SQLite
and Postgres alike, Cyrillic included (see ``notes.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from concierge.storage.models import Base, utcnow


class ProfileRow(Base):
    __tablename__ = "memory_profiles"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    onboarding: Mapped[str] = mapped_column(String(16), default="new")  # new|running|done|skipped
    step: Mapped[str | None] = mapped_column(String(32), default=None)  # the next question
    quality: Mapped[int | None] = mapped_column(Integer, default=None)  # 720 | 1080 | 2160
    audio: Mapped[str | None] = mapped_column(String(16), default=None)  # original|ru|any
    genres: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"slugs": [...]}
    max_size_gb: Mapped[int | None] = mapped_column(Integer, default=None)
    letterboxd: Mapped[str | None] = mapped_column(String(64), default=None)
    learned_at: Mapped[int] = mapped_column(Integer, default=0)  # titles seen at last learnings
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class BlockRow(Base):
    __tablename__ = "memory_blocks"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    content: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class NoteRow(Base):
    __tablename__ = "memory_notes"
    __table_args__ = (Index("ix_memory_notes_user", "user_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NoteTermRow(Base):
    __tablename__ = "memory_note_terms"
    __table_args__ = (Index("ix_memory_note_terms_lookup", "user_id", "term"),)

    note_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("memory_notes.id", ondelete="CASCADE"), primary_key=True
    )
    term: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer)


class FeedSeenRow(Base):
    """A Letterboxd diary entry already applied to the user's lists (by its RSS guid)."""

    __tablename__ = "memory_feed_seen"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guid: Mapped[str] = mapped_column(String(200), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
