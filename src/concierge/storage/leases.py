"""Leases in the database: one row per name, taken when free or expired, renewed by its holder."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from concierge.core.clock import SYSTEM_CLOCK, Clock
from concierge.storage.db import Database
from concierge.storage.models import LeaseRow, as_utc


class SqlLeases:
    def __init__(self, db: Database, clock: Clock = SYSTEM_CLOCK) -> None:
        self._db = db
        self._clock = clock

    async def acquire(self, name: str, holder: str, ttl: timedelta) -> bool:
        """Take or renew ``name`` for ``ttl``; False while another holder's lease runs."""
        now = self._clock.now()
        async with self._db.session() as s:
            # one guarded UPDATE: of two replicas racing for an expired lease, one matches
            result = await s.execute(
                update(LeaseRow)
                .where(
                    LeaseRow.name == name,
                    or_(LeaseRow.holder == holder, LeaseRow.expires_at < now),
                )
                .values(holder=holder, expires_at=now + ttl)
            )
            if int(result.rowcount):  # type: ignore[attr-defined]
                return True
        try:
            async with self._db.session() as s:
                s.add(LeaseRow(name=name, holder=holder, expires_at=now + ttl))
        except IntegrityError:
            return False  # someone holds it (or took it a moment ago)
        return True

    async def release(self, name: str, holder: str) -> None:
        """Give ``name`` up at once (a clean stop), so another replica need not wait."""
        async with self._db.session() as s:
            await s.execute(
                delete(LeaseRow).where(LeaseRow.name == name, LeaseRow.holder == holder)
            )

    async def holder(self, name: str) -> str | None:
        """Who holds ``name`` now, if anyone."""
        async with self._db.session() as s:
            row = await s.scalar(select(LeaseRow).where(LeaseRow.name == name))
        if row is None:
            return None
        return row.holder if as_utc(row.expires_at) >= self._clock.now() else None
