"""The retro's part of /stats: who kept a retro lately, how many, what clean-up cost."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from concierge.skills.admin.ports import Figures
from concierge.skills.retro.models import DONE, RetroAnswerRow, RetroRow
from concierge.storage.db import Database


class RetroStats:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def figures(self, day_ago: datetime, week_ago: datetime) -> Figures:
        async with self._db.session() as s:

            async def active(since: datetime) -> frozenset[int]:
                rows = await s.scalars(
                    select(RetroRow.user_id).where(RetroRow.touched_at >= since).distinct()
                )
                return frozenset(rows)

            day, week = await active(day_ago), await active(week_ago)
            done = await s.scalar(
                select(func.count()).select_from(RetroRow).where(RetroRow.status == DONE)
            )
            this_week = await s.scalar(
                select(func.count())
                .select_from(RetroRow)
                .where(RetroRow.status == DONE, RetroRow.finished_at >= week_ago)
            )
            tokens, cost = (
                await s.execute(
                    select(
                        func.coalesce(
                            func.sum(RetroAnswerRow.tokens_in + RetroAnswerRow.tokens_out), 0
                        ),
                        func.coalesce(func.sum(RetroAnswerRow.cost_usd), 0.0),
                    )
                )
            ).one()
        return Figures(
            active_since_day=day,
            active_since_week=week,
            counters={
                "retros": int(done or 0),
                "retros_week": int(this_week or 0),
                "cleanup_tokens": int(tokens or 0),
                "cleanup_cost_usd": float(cost or 0.0),
            },
        )
