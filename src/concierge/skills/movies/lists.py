"""Each user's lists: watchlist, watched (date, optional rating 1–10), blocklist.

One row per (user, list, key). Marking a title watched takes it off the
watchlist; blocking does too. Ratings are watched entries with a rating, so
"rated" needs no table of its own. Every write is an upsert under the unique
key, so an import or a sync job delivered twice leaves the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from sqlalchemy import ColumnElement, delete, func, select

from concierge.core.clock import SYSTEM_CLOCK, Clock
from concierge.skills.movies.models import TitleListRow
from concierge.storage.db import Database

ListName = Literal["watchlist", "watched", "blocked"]
LISTS: tuple[ListName, ...] = ("watchlist", "watched", "blocked")


def title_key(kind: str, tmdb_id: int) -> str:
    return f"{'tv' if kind == 'tv' else 'movie'}:{tmdb_id}"


@dataclass(frozen=True, slots=True)
class ListEntry:
    key: str  # "movie:693134", "person:1190668", "genre:horror"
    title: str
    year: int | None = None
    genres: tuple[str, ...] = ()  # slugs (movies.genres)
    people: tuple[str, ...] = ()  # directors and leading cast, for learned patterns
    rating: int | None = None
    watched_on: date | None = None
    source: str = "here"
    on: str = ""  # the list it was read from
    updated_at: datetime | None = field(default=None, compare=False)

    @property
    def kind(self) -> str:
        return self.key.split(":", 1)[0]

    @property
    def tmdb_id(self) -> int | None:
        tail = self.key.split(":", 1)[-1]
        return int(tail) if tail.isdigit() else None

    def label(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title


def _one(user_id: int, name: str, key: str) -> tuple[ColumnElement[bool], ...]:
    """The where clause of one entry: this user's, on this list, under this key."""
    return (TitleListRow.user_id == user_id, TitleListRow.list == name, TitleListRow.key == key)


def _entry(row: TitleListRow) -> ListEntry:
    return ListEntry(
        key=row.key,
        title=row.title,
        year=row.year,
        genres=tuple(row.genres.get("slugs") or ()),
        people=tuple(row.genres.get("people") or ()),
        rating=row.rating,
        watched_on=row.watched_on,
        source=row.source,
        on=row.list,
        updated_at=row.updated_at,
    )


class TitleLists:
    """The lists repository; its methods are the list rules (watched leaves the watchlist)."""

    def __init__(self, db: Database, clock: Clock = SYSTEM_CLOCK) -> None:
        self._db = db
        self._clock = clock

    async def _put(self, user_id: int, name: ListName, entry: ListEntry, *, keep: bool) -> bool:
        """Upsert; ``keep`` leaves an existing rating and date alone. True when it was new."""
        async with self._db.session() as s:
            row = await s.scalar(select(TitleListRow).where(*_one(user_id, name, entry.key)))
            new = row is None
            if row is None:
                row = TitleListRow(user_id=user_id, list=name, key=entry.key)
                s.add(row)
            row.title = entry.title[:300] or row.title or entry.key
            row.year = entry.year if entry.year is not None else row.year
            if entry.genres or entry.people or new:
                row.genres = {"slugs": list(entry.genres), "people": list(entry.people)}
            if entry.rating is not None or not keep:
                row.rating = entry.rating if entry.rating is not None else row.rating
            if entry.watched_on is not None:
                row.watched_on = entry.watched_on
            elif row.watched_on is None and name == "watched":
                row.watched_on = self._clock.now().date()
            row.source = entry.source
            row.updated_at = self._clock.now()
            return new

    async def add_to_watchlist(self, user_id: int, entry: ListEntry) -> bool:
        return await self._put(user_id, "watchlist", entry, keep=True)

    async def mark_watched(self, user_id: int, entry: ListEntry) -> bool:
        """Watched (today unless dated), rated when ``entry.rating``; off the watchlist."""
        new = await self._put(user_id, "watched", entry, keep=True)
        await self.remove(user_id, "watchlist", entry.key)
        return new

    async def block(self, user_id: int, entry: ListEntry) -> bool:
        new = await self._put(user_id, "blocked", entry, keep=True)
        await self.remove(user_id, "watchlist", entry.key)
        return new

    async def remove(self, user_id: int, name: ListName, key: str) -> bool:
        async with self._db.session() as s:
            result = await s.execute(delete(TitleListRow).where(*_one(user_id, name, key)))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def page(
        self, user_id: int, name: ListName, offset: int, limit: int, *, rated: bool = False
    ) -> tuple[list[ListEntry], int]:
        """Newest first; ``rated`` keeps only watched entries with a rating."""
        where = [TitleListRow.user_id == user_id, TitleListRow.list == name]
        if rated:
            where.append(TitleListRow.rating.is_not(None))
        async with self._db.session() as s:
            total = int(await s.scalar(select(func.count()).where(*where)) or 0)
            rows = await s.scalars(
                select(TitleListRow)
                .where(*where)
                .order_by(TitleListRow.updated_at.desc(), TitleListRow.id.desc())
                .offset(offset)
                .limit(limit)
            )
            return [_entry(r) for r in rows], total

    async def entries(self, user_id: int, names: Sequence[ListName] = LISTS) -> list[ListEntry]:
        async with self._db.session() as s:
            rows = await s.scalars(
                select(TitleListRow)
                .where(TitleListRow.user_id == user_id, TitleListRow.list.in_(names))
                .order_by(TitleListRow.id)
            )
            return [_entry(r) for r in rows]

    async def get(self, user_id: int, name: ListName, key: str) -> ListEntry | None:
        async with self._db.session() as s:
            row = await s.scalar(select(TitleListRow).where(*_one(user_id, name, key)))
            return _entry(row) if row else None

    async def keys(self, user_id: int, name: ListName) -> set[str]:
        async with self._db.session() as s:
            found = await s.scalars(
                select(TitleListRow.key).where(
                    TitleListRow.user_id == user_id, TitleListRow.list == name
                )
            )
            return set(found)

    async def counts(self, user_id: int) -> dict[str, int]:
        """Entries per list, plus ``rated``: what /profile shows."""
        async with self._db.session() as s:
            rows = await s.execute(
                select(TitleListRow.list, func.count())
                .where(TitleListRow.user_id == user_id)
                .group_by(TitleListRow.list)
            )
            counts = dict.fromkeys(LISTS, 0) | {str(n): int(c) for n, c in rows.all()}
            rated = await s.scalar(
                select(func.count()).where(
                    TitleListRow.user_id == user_id,
                    TitleListRow.list == "watched",
                    TitleListRow.rating.is_not(None),
                )
            )
            counts["rated"] = int(rated or 0)
            return counts

    async def forget(self, user_id: int) -> int:
        async with self._db.session() as s:
            result = await s.execute(delete(TitleListRow).where(TitleListRow.user_id == user_id))
            return int(result.rowcount)  # type: ignore[attr-defined]
