"""Monitor rows: add within the per-user cap, list, remove, due groups, matches.

Every write that a rerun of a job might repeat is keyed: a match is unique per monitor
and target, so the second writer reads the first one's row instead of adding another.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from concierge.skills.monitors.models import (
    ACTIVE,
    FOUND,
    MonitorMatch,
    MonitorMatchRow,
    MonitorRow,
    MonitorUserRow,
    quality_label,
)
from concierge.storage.db import Database


class LimitReached(Exception):
    """The user has as many active monitors as ``MONITORS_PER_USER`` allows."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"at most {limit} monitors per user")
        self.limit = limit


def aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back without a zone; every stored one is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Group:
    """Monitors of one title at one quality: checked by one search."""

    kind: str
    tmdb_id: int
    quality: int
    due_at: datetime  # the earliest due monitor's time: part of the check's dedupe key

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.tmdb_id}:{self.quality}"


@dataclass(frozen=True, slots=True)
class NewMonitor:
    kind: str
    tmdb_id: int
    title: str
    original_title: str
    year: int | None
    quality: int = 0
    auto: bool = False
    season_from: int = 0
    last_seen: int = 0


class MonitorStore:
    def __init__(self, db: Database, per_user: int) -> None:
        self._db = db
        self.per_user = per_user

    async def add(self, user_id: int, new: NewMonitor, now: datetime) -> tuple[MonitorRow, bool]:
        """The user's monitor for this title and quality, and whether it is new.

        One already there is made active again (and takes the new settings).
        """
        async with self._db.session() as s:
            existing = await s.scalar(
                select(MonitorRow).where(
                    MonitorRow.user_id == user_id,
                    MonitorRow.kind == new.kind,
                    MonitorRow.tmdb_id == new.tmdb_id,
                    MonitorRow.quality == new.quality,
                )
            )
            if existing is not None and existing.state == ACTIVE:
                existing.auto = existing.auto or new.auto
                existing.season_from = new.season_from or existing.season_from
                return existing, False
            count = await s.scalar(
                select(func.count())
                .select_from(MonitorRow)
                .where(MonitorRow.user_id == user_id, MonitorRow.state == ACTIVE)
            )
            if (count or 0) >= self.per_user:
                raise LimitReached(self.per_user)
            row = existing or MonitorRow(user_id=user_id, kind=new.kind, tmdb_id=new.tmdb_id)
            row.title, row.original_title = new.title[:300], new.original_title[:300]
            row.year, row.quality, row.auto = new.year, new.quality, new.auto
            row.season_from, row.last_seen = new.season_from, new.last_seen
            row.state, row.next_check_at, row.created_at = ACTIVE, now, now
            if existing is None:
                s.add(row)
            await s.flush()
            return row, True

    async def for_user(self, user_id: int) -> list[MonitorRow]:
        async with self._db.session() as s:
            found = await s.scalars(
                select(MonitorRow).where(MonitorRow.user_id == user_id).order_by(MonitorRow.id)
            )
            return list(found)

    async def get(self, monitor_id: int) -> MonitorRow | None:
        async with self._db.session() as s:
            return await s.get(MonitorRow, monitor_id)

    async def remove(self, user_id: int, monitor_id: int) -> MonitorRow | None:
        async with self._db.session() as s:
            row = await s.get(MonitorRow, monitor_id)
            if row is None or row.user_id != user_id:
                return None
            await s.delete(row)
            return row

    async def set_auto(self, user_id: int, monitor_id: int, auto: bool) -> MonitorRow | None:
        async with self._db.session() as s:
            row = await s.get(MonitorRow, monitor_id)
            if row is None or row.user_id != user_id:
                return None
            row.auto = auto
            return row

    async def user_auto(self, user_id: int) -> bool:
        async with self._db.session() as s:
            row = await s.get(MonitorUserRow, user_id)
            return bool(row and row.auto)

    async def set_user_auto(self, user_id: int, auto: bool) -> None:
        async with self._db.session() as s:
            row = await s.get(MonitorUserRow, user_id)
            if row is None:
                s.add(MonitorUserRow(user_id=user_id, auto=auto))
            else:
                row.auto = auto

    # --- checks ---------------------------------------------------------------------

    async def due_groups(self, now: datetime, limit: int = 500) -> list[Group]:
        async with self._db.session() as s:
            found = await s.execute(
                select(
                    MonitorRow.kind,
                    MonitorRow.tmdb_id,
                    MonitorRow.quality,
                    func.min(MonitorRow.next_check_at),
                )
                .where(MonitorRow.state == ACTIVE, MonitorRow.next_check_at <= now)
                .group_by(MonitorRow.kind, MonitorRow.tmdb_id, MonitorRow.quality)
                .order_by(func.min(MonitorRow.next_check_at))
                .limit(limit)
            )
            return [Group(k, t, q, aware(at)) for k, t, q, at in found.all()]

    async def group(self, kind: str, tmdb_id: int, quality: int) -> list[MonitorRow]:
        """Every active monitor of the title: checked together, so they stay together."""
        async with self._db.session() as s:
            found = await s.scalars(
                select(MonitorRow)
                .where(
                    MonitorRow.kind == kind,
                    MonitorRow.tmdb_id == tmdb_id,
                    MonitorRow.quality == quality,
                    MonitorRow.state == ACTIVE,
                )
                .order_by(MonitorRow.id)
            )
            return list(found)

    async def advance(self, ids: Sequence[int], next_at: datetime, now: datetime) -> None:
        if not ids:
            return
        async with self._db.session() as s:
            await s.execute(
                update(MonitorRow)
                .where(MonitorRow.id.in_(ids), MonitorRow.state == ACTIVE)
                .values(next_check_at=next_at, checked_at=now)
            )

    async def found(self, monitor_id: int) -> None:
        async with self._db.session() as s:
            await s.execute(
                update(MonitorRow).where(MonitorRow.id == monitor_id).values(state=FOUND)
            )

    async def seen(self, monitor_id: int, code: int) -> None:
        async with self._db.session() as s:
            await s.execute(
                update(MonitorRow)
                .where(MonitorRow.id == monitor_id, MonitorRow.last_seen < code)
                .values(last_seen=code)
            )

    # --- matches --------------------------------------------------------------------

    async def record_match(
        self,
        monitor: MonitorRow,
        target: str,
        *,
        release_key: str,
        release_name: str,
        details: dict[str, Any],
        now: datetime,
    ) -> MonitorMatchRow:
        """The match of ``monitor`` for ``target``: written now, or the one written before."""
        try:
            async with self._db.session() as s:
                row = MonitorMatchRow(
                    monitor_id=monitor.id, user_id=monitor.user_id, target=target,
                    kind=monitor.kind, tmdb_id=monitor.tmdb_id, title=monitor.title,
                    year=monitor.year, quality=monitor.quality, release_key=release_key[:64],
                    release_name=release_name[:500], details=details, auto_state="none",
                    found_at=now,
                )  # fmt: skip
                s.add(row)
            return row
        except IntegrityError:
            async with self._db.session() as s:
                kept = await s.scalar(
                    select(MonitorMatchRow).where(
                        MonitorMatchRow.monitor_id == monitor.id, MonitorMatchRow.target == target
                    )
                )
            if kept is None:
                raise
            return kept

    async def match(self, match_id: int) -> MonitorMatchRow | None:
        async with self._db.session() as s:
            return await s.get(MonitorMatchRow, match_id)

    async def set_auto_state(self, match_id: int, state: str) -> None:
        async with self._db.session() as s:
            await s.execute(
                update(MonitorMatchRow)
                .where(MonitorMatchRow.id == match_id)
                .values(auto_state=state)
            )

    async def matches_since(self, user_id: int, since: datetime) -> list[MonitorMatch]:
        async with self._db.session() as s:
            found = await s.scalars(
                select(MonitorMatchRow)
                .where(MonitorMatchRow.user_id == user_id, MonitorMatchRow.found_at >= since)
                .order_by(MonitorMatchRow.found_at, MonitorMatchRow.id)
            )
            return [
                MonitorMatch(
                    title=row.title,
                    year=row.year,
                    quality=quality_label(row.quality),
                    release_name=row.release_name,
                    found_at=aware(row.found_at),
                    tmdb_id=row.tmdb_id,
                    kind=row.kind,
                )
                for row in found
            ]
