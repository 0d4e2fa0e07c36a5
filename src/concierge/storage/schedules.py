"""The schedule tables: tick claims shared by every process, and users' own schedules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from concierge.core.clock import SYSTEM_CLOCK, Clock
from concierge.core.schedules import UserSchedule
from concierge.storage.db import Database
from concierge.storage.models import ScheduleTickRow, UserScheduleRow, as_utc


class SqlTickLedger:
    def __init__(self, db: Database, clock: Clock = SYSTEM_CLOCK) -> None:
        self._db = db
        self._clock = clock

    async def claim(self, schedule: str, tick: datetime) -> bool:
        try:
            async with self._db.session() as s:
                s.add(
                    ScheduleTickRow(schedule=schedule, tick_at=tick, claimed_at=self._clock.now())
                )
        except IntegrityError:
            return False
        return True

    async def enqueued(self, schedule: str, tick: datetime, job_id: int) -> None:
        async with self._db.session() as s:
            await s.execute(
                update(ScheduleTickRow)
                .where(ScheduleTickRow.schedule == schedule, ScheduleTickRow.tick_at == tick)
                .values(job_id=job_id)
            )

    async def unfinished(self, older_than: datetime) -> list[tuple[str, datetime]]:
        async with self._db.session() as s:
            rows = await s.execute(
                select(ScheduleTickRow.schedule, ScheduleTickRow.tick_at).where(
                    ScheduleTickRow.job_id.is_(None), ScheduleTickRow.claimed_at < older_than
                )
            )
            return [(name, as_utc(tick)) for name, tick in rows]

    async def prune(self, before: datetime) -> int:
        async with self._db.session() as s:
            result = await s.execute(
                delete(ScheduleTickRow).where(ScheduleTickRow.tick_at < before)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]


def _schedule(row: UserScheduleRow) -> UserSchedule:
    return UserSchedule(
        id=row.id,
        user_id=row.user_id,
        name=row.name,
        kind=row.kind,
        cron=row.cron,
        payload=dict(row.payload),
        next_at=as_utc(row.next_at),
    )


class SqlUserSchedules:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def put(
        self,
        user_id: int,
        name: str,
        kind: str,
        cron: str,
        payload: dict[str, Any],
        next_at: datetime,
    ) -> UserSchedule:
        async with self._db.session() as s:
            row = await s.scalar(
                select(UserScheduleRow).where(
                    UserScheduleRow.user_id == user_id, UserScheduleRow.name == name
                )
            )
            if row is None:
                row = UserScheduleRow(user_id=user_id, name=name)
                s.add(row)
            row.kind, row.cron, row.payload, row.next_at = kind, cron, payload, next_at
            await s.flush()
            return _schedule(row)

    async def remove(self, user_id: int, name: str) -> bool:
        async with self._db.session() as s:
            result = await s.execute(
                delete(UserScheduleRow).where(
                    UserScheduleRow.user_id == user_id, UserScheduleRow.name == name
                )
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def get(self, schedule_id: int) -> UserSchedule | None:
        async with self._db.session() as s:
            row = await s.get(UserScheduleRow, schedule_id)
            return _schedule(row) if row is not None else None

    async def for_user(self, user_id: int) -> list[UserSchedule]:
        async with self._db.session() as s:
            rows = await s.scalars(
                select(UserScheduleRow)
                .where(UserScheduleRow.user_id == user_id)
                .order_by(UserScheduleRow.name)
            )
            return [_schedule(row) for row in rows]

    async def due(self, now: datetime, limit: int) -> list[UserSchedule]:
        async with self._db.session() as s:
            rows = await s.scalars(
                select(UserScheduleRow)
                .where(UserScheduleRow.next_at <= now)
                .order_by(UserScheduleRow.next_at)
                .limit(limit)
            )
            return [_schedule(row) for row in rows]

    async def advance(self, schedule_id: int, seen: datetime, next_at: datetime) -> None:
        async with self._db.session() as s:
            await s.execute(
                update(UserScheduleRow)
                .where(UserScheduleRow.id == schedule_id, UserScheduleRow.next_at == seen)
                .values(next_at=next_at)
            )
