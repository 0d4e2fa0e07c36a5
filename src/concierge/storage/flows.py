"""Open conversations as rows, one per user and flow (see ``core/flows.py``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select

from concierge.core.clock import SYSTEM_CLOCK, Clock
from concierge.core.flows import OpenFlow
from concierge.storage.db import Database
from concierge.storage.models import OpenFlowRow


class SqlFlows:
    def __init__(self, db: Database, clock: Clock = SYSTEM_CLOCK) -> None:
        self._db = db
        self._clock = clock

    async def open(
        self, user_id: int, flow: str, action: str, payload: dict[str, Any], ttl: timedelta
    ) -> None:
        now = self._clock.now()
        async with self._db.session() as s:
            row = await s.get(OpenFlowRow, (user_id, flow))
            if row is None:
                row = OpenFlowRow(user_id=user_id, flow=flow)
                s.add(row)
            row.action, row.payload = action, payload
            row.touched_at, row.expires_at = now, now + ttl

    async def _current_row(self, s: Any, user_id: int) -> OpenFlowRow | None:
        row: OpenFlowRow | None = await s.scalar(
            select(OpenFlowRow)
            .where(OpenFlowRow.user_id == user_id, OpenFlowRow.expires_at > self._clock.now())
            .order_by(OpenFlowRow.touched_at.desc())
            .limit(1)
        )
        return row

    async def take(self, user_id: int) -> OpenFlow | None:
        async with self._db.session() as s:
            row = await self._current_row(s, user_id)
            if row is None:
                return None
            await s.delete(row)
            return OpenFlow(row.flow, row.action, dict(row.payload))

    async def current(self, user_id: int) -> OpenFlow | None:
        async with self._db.session() as s:
            row = await self._current_row(s, user_id)
            return OpenFlow(row.flow, row.action, dict(row.payload)) if row else None

    async def close(self, user_id: int, flow: str) -> bool:
        async with self._db.session() as s:
            result = await s.execute(
                delete(OpenFlowRow).where(OpenFlowRow.user_id == user_id, OpenFlowRow.flow == flow)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def prune(self) -> int:
        async with self._db.session() as s:
            result = await s.execute(
                delete(OpenFlowRow).where(OpenFlowRow.expires_at <= self._clock.now())
            )
            return int(result.rowcount)  # type: ignore[attr-defined]
