"""Rows of the digest: each user's choices, built digests, and *Less like this* presses.

Writes are keyed (user; user, kind and date; user, facet and press), so a job or a
button handled twice leaves the same rows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from concierge.core.clock import Clock
from concierge.skills.digests.items import DigestItem
from concierge.skills.digests.models import DigestLessRow, DigestPrefsRow, DigestRow
from concierge.storage.db import Database


@dataclass(frozen=True, slots=True)
class Prefs:
    user_id: int
    daily: bool = False
    weekly: bool = False
    hour: int = 9
    weekday: int = 7  # ISO
    quiet_from: int | None = None
    quiet_to: int | None = None

    @property
    def subscribed(self) -> bool:
        return self.daily or self.weekly

    @property
    def quiet(self) -> tuple[int, int] | None:
        if self.quiet_from is None or self.quiet_to is None:
            return None
        return self.quiet_from, self.quiet_to


@dataclass(frozen=True, slots=True)
class Digest:
    id: int
    user_id: int
    kind: str
    local_date: str
    items: list[DigestItem]
    summary: str | None
    made_by: str
    problems: list[str]  # sources that failed while it was built (shown to the user)


def _prefs(row: DigestPrefsRow) -> Prefs:
    return Prefs(
        row.user_id, row.daily, row.weekly, row.hour, row.weekday, row.quiet_from, row.quiet_to
    )


def _digest(row: DigestRow) -> Digest:
    items = [DigestItem.model_validate(i) for i in row.items.get("items") or []]
    problems = [str(p) for p in row.items.get("problems") or []]
    return Digest(
        row.id, row.user_id, row.kind, row.local_date, items, row.summary, row.made_by, problems
    )


class DigestStore:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    # --- preferences ------------------------------------------------------------------

    async def prefs(self, user_id: int) -> Prefs:
        async with self._db.session() as s:
            row = await s.get(DigestPrefsRow, user_id)
            return _prefs(row) if row is not None else Prefs(user_id)

    async def set_prefs(self, user_id: int, **changes: Any) -> Prefs:
        async with self._db.session() as s:
            row = await s.get(DigestPrefsRow, user_id)
            if row is None:
                defaults = Prefs(user_id)
                row = DigestPrefsRow(
                    user_id=user_id,
                    daily=defaults.daily,
                    weekly=defaults.weekly,
                    hour=defaults.hour,
                    weekday=defaults.weekday,
                )
                s.add(row)
            for name, value in changes.items():
                setattr(row, name, value)
            row.updated_at = self._clock.now()
            await s.flush()
            return _prefs(row)

    # --- digests ----------------------------------------------------------------------

    async def get(self, user_id: int, kind: str, local_date: str) -> Digest | None:
        async with self._db.session() as s:
            row = await s.scalar(
                select(DigestRow).where(
                    DigestRow.user_id == user_id,
                    DigestRow.kind == kind,
                    DigestRow.local_date == local_date,
                )
            )
            return _digest(row) if row is not None else None

    async def by_id(self, digest_id: int) -> Digest | None:
        async with self._db.session() as s:
            row = await s.get(DigestRow, digest_id)
            return _digest(row) if row is not None else None

    async def keep(
        self,
        user_id: int,
        kind: str,
        local_date: str,
        items: list[DigestItem],
        summary: str | None,
        made_by: str,
        problems: list[str],
        *,
        replace: bool = False,
    ) -> Digest:
        """Store the digest; one already stored under the key wins (unless ``replace``)."""
        if replace:
            async with self._db.session() as s:
                await s.execute(
                    delete(DigestRow).where(
                        DigestRow.user_id == user_id,
                        DigestRow.kind == kind,
                        DigestRow.local_date == local_date,
                    )
                )
        try:
            async with self._db.session() as s:
                s.add(
                    DigestRow(
                        user_id=user_id,
                        kind=kind,
                        local_date=local_date,
                        items={
                            "items": [i.model_dump(mode="json") for i in items],
                            "problems": problems,
                        },
                        summary=summary,
                        made_by=made_by[:64],
                        created_at=self._clock.now(),
                    )
                )
        except IntegrityError:
            pass  # another run stored it first: theirs is the digest
        found = await self.get(user_id, kind, local_date)
        if found is None:
            raise RuntimeError(f"digest {user_id}/{kind}/{local_date} vanished after insert")
        return found

    async def shown_since(self, user_id: int, since: datetime) -> set[str]:
        """Keys of items the user's scheduled digests showed since ``since``."""
        async with self._db.session() as s:
            rows = await s.scalars(
                select(DigestRow.items).where(
                    DigestRow.user_id == user_id,
                    DigestRow.kind.in_(("daily", "weekly")),
                    DigestRow.created_at >= since,
                )
            )
            return {str(i.get("key")) for items in rows for i in items.get("items") or []}

    # --- less like this ---------------------------------------------------------------

    async def less(self, user_id: int, facet: str, source: str) -> bool:
        """Record one press; False when this very button was pressed before."""
        try:
            async with self._db.session() as s:
                s.add(
                    DigestLessRow(
                        user_id=user_id,
                        facet=facet[:300],
                        source=source[:120],
                        created_at=self._clock.now(),
                    )
                )
        except IntegrityError:
            return False
        return True

    async def lowered(self, user_id: int) -> Counter[str]:
        """Presses per facet for this user."""
        async with self._db.session() as s:
            rows = await s.execute(
                select(DigestLessRow.facet, func.count())
                .where(DigestLessRow.user_id == user_id)
                .group_by(DigestLessRow.facet)
            )
            return Counter({str(facet): int(n) for facet, n in rows.all()})
