"""The voice skill's one table: a row per transcription, for cost and usage figures.

No audio and no transcript are kept here (they are the user's; logs never hold them
either): only who, which provider and model, how long, how much, and the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Float, Integer, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from concierge.core.clock import Clock
from concierge.storage.db import Database
from concierge.storage.models import Base


class TranscriptionRow(Base):
    __tablename__ = "voice_transcriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    provider: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(100))
    audio_seconds: Mapped[float] = mapped_column(Float)
    processing_seconds: Mapped[float] = mapped_column(Float)
    cost: Mapped[float] = mapped_column(Float, default=0.0)
    outcome: Mapped[str] = mapped_column(String(32))  # "ok" | a catalogue key of the failure
    created_at: Mapped[datetime] = mapped_column(index=True)


@dataclass(frozen=True, slots=True)
class UsageTotals:
    count: int
    audio_seconds: float
    cost: float
    failed: int


class TranscriptionLog:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def record(
        self,
        *,
        user_id: int,
        provider: str,
        model: str,
        audio_seconds: float,
        processing_seconds: float,
        cost: float,
        outcome: str,
    ) -> None:
        async with self._db.session() as s:
            s.add(
                TranscriptionRow(
                    user_id=user_id,
                    provider=provider,
                    model=model[:100],
                    audio_seconds=audio_seconds,
                    processing_seconds=processing_seconds,
                    cost=cost,
                    outcome=outcome[:32],
                    created_at=self._clock.now(),
                )
            )

    async def totals(self, since: datetime | None = None) -> UsageTotals:
        """Transcriptions since ``since`` (all time by default), for /stats and the admin API."""
        ok = TranscriptionRow.outcome == "ok"
        query = select(
            func.count(TranscriptionRow.id),
            func.coalesce(func.sum(TranscriptionRow.audio_seconds), 0.0),
            func.coalesce(func.sum(TranscriptionRow.cost), 0.0),
            func.count(TranscriptionRow.id).filter(~ok),
        )
        if since is not None:
            query = query.where(TranscriptionRow.created_at >= since)
        async with self._db.session() as s:
            count, seconds, cost, failed = (await s.execute(query)).one()
        return UsageTotals(int(count), float(seconds), float(cost), int(failed))
