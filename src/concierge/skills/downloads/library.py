"""The NAS library index: what ``concierge nas-sync`` last pushed, searchable.

The movies skill asks ``has(title, year)`` to mark titles already on the NAS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import delete, func, select

from concierge.skills.downloads.models import LibraryItemRow
from concierge.skills.downloads.service import normalize_name
from concierge.storage.db import Database
from concierge.storage.models import utcnow

LibraryKind = Literal["movie", "series"]


@dataclass(frozen=True, slots=True)
class LibraryItem:
    kind: LibraryKind
    title: str
    year: int | None = None
    path: str = ""
    size_bytes: int = 0
    episodes: int = 0


@dataclass(frozen=True, slots=True)
class LibraryPage:
    items: list[LibraryItem]
    total: int
    page: int
    pages: int


class LibraryIndex:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def replace(self, items: list[LibraryItem]) -> int:
        """The NAS pushes its whole library each time; the last push wins."""
        now = utcnow()
        async with self._db.session() as s:
            await s.execute(delete(LibraryItemRow))
            s.add_all(
                LibraryItemRow(
                    kind=item.kind,
                    title=item.title,
                    normalized_title=normalize_name(item.title)[:300],
                    year=item.year,
                    path=item.path,
                    size_bytes=item.size_bytes,
                    episodes=item.episodes,
                    updated_at=now,
                )
                for item in items
            )
        return len(items)

    async def browse(
        self, *, kind: LibraryKind | None = None, query: str = "", page: int = 0, per_page: int = 8
    ) -> LibraryPage:
        conditions = []
        if kind is not None:
            conditions.append(LibraryItemRow.kind == kind)
        needle = normalize_name(query)
        if needle:
            conditions.append(LibraryItemRow.normalized_title.contains(needle, autoescape=True))
        async with self._db.session() as s:
            total = int(
                await s.scalar(select(func.count(LibraryItemRow.id)).where(*conditions)) or 0
            )
            pages = max(1, -(-total // per_page))
            page = min(max(page, 0), pages - 1)
            rows = await s.scalars(
                select(LibraryItemRow)
                .where(*conditions)
                .order_by(LibraryItemRow.normalized_title, LibraryItemRow.year)
                .offset(page * per_page)
                .limit(per_page)
            )
            items = [_item(row) for row in rows]
        return LibraryPage(items, total, page, pages)

    async def has(self, title: str, year: int | None = None) -> bool:
        """Whether the NAS has this title (same year when both are known)."""
        needle = normalize_name(title)
        if not needle:
            return False
        async with self._db.session() as s:
            years = list(
                await s.scalars(
                    select(LibraryItemRow.year).where(LibraryItemRow.normalized_title == needle)
                )
            )
        return any(year is None or found is None or found == year for found in years)


def _item(row: LibraryItemRow) -> LibraryItem:
    kind: LibraryKind = "series" if row.kind == "series" else "movie"
    return LibraryItem(kind, row.title, row.year, row.path, row.size_bytes, row.episodes)
