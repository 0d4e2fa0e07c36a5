"""The retro's own tables: one retro per user and local date, its answers, their words.

The open flow row only says "the next text answers step N"; everything a restart must
not lose (step, answers raw and cleaned, status) is here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from concierge.storage.models import Base, utcnow

OPEN, PAUSED, DONE = "open", "paused", "done"


class RetroRow(Base):
    __tablename__ = "retros"
    __table_args__ = (UniqueConstraint("user_id", "local_date", name="uq_retros_user_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    local_date: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD in the user's zone
    status: Mapped[str] = mapped_column(String(8), default=OPEN)  # open | paused | done
    step: Mapped[int] = mapped_column(Integer, default=0)  # index into the step list
    seq: Mapped[int] = mapped_column(Integer, default=0)  # bumped on every move (expiry check)
    mood: Mapped[int | None] = mapped_column(Integer, default=None)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    touched_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class RetroAnswerRow(Base):
    __tablename__ = "retro_answers"
    __table_args__ = (UniqueConstraint("retro_id", "step", name="uq_retro_answers_step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    retro_id: Mapped[int] = mapped_column(ForeignKey("retros.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    step: Mapped[str] = mapped_column(String(32))
    raw: Mapped[str] = mapped_column(Text)
    cleaned: Mapped[str] = mapped_column(Text)
    cleaner: Mapped[str] = mapped_column(String(48))  # e.g. "rules-v1", "llm-v1:openai:gpt-4.1"
    tokens_in: Mapped[int] = mapped_column(Integer, default=0)
    tokens_out: Mapped[int] = mapped_column(Integer, default=0)
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class RetroWordRow(Base):
    """Normalized words of an answer (raw and cleaned): full-text search on any database."""

    __tablename__ = "retro_words"
    __table_args__ = (Index("ix_retro_words_user_word", "user_id", "word"),)

    answer_id: Mapped[int] = mapped_column(
        ForeignKey("retro_answers.id", ondelete="CASCADE"), primary_key=True
    )
    word: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer)
