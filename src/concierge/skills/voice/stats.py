"""The voice skill's part of /stats and ``GET /admin/stats``: transcriptions, their
minutes and cost, failures, and who sent notes lately (from ``voice_transcriptions``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from concierge.skills.admin.ports import Figures
from concierge.skills.voice.models import TranscriptionRow
from concierge.storage.db import Database


class VoiceStats:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def figures(self, day_ago: datetime, week_ago: datetime) -> Figures:
        ok = TranscriptionRow.outcome == "ok"
        async with self._db.session() as s:

            async def active(since: datetime) -> frozenset[int]:
                rows = await s.scalars(
                    select(TranscriptionRow.user_id)
                    .where(TranscriptionRow.created_at >= since)
                    .distinct()
                )
                return frozenset(rows)

            day, week = await active(day_ago), await active(week_ago)
            count, seconds, cost, failed = (
                await s.execute(
                    select(
                        func.count(TranscriptionRow.id).filter(ok),
                        func.coalesce(func.sum(TranscriptionRow.audio_seconds).filter(ok), 0.0),
                        func.coalesce(func.sum(TranscriptionRow.cost), 0.0),
                        func.count(TranscriptionRow.id).filter(~ok),
                    )
                )
            ).one()
        return Figures(
            active_since_day=day,
            active_since_week=week,
            counters={
                "transcriptions": int(count or 0),
                "transcription_minutes": round(float(seconds or 0.0) / 60, 1),
                "transcription_cost_usd": float(cost or 0.0),
                "transcriptions_failed": int(failed or 0),
            },
        )
