"""Letterboxd: import the export ZIP a user uploads, and follow their public diary feed.

The export (letterboxd.com → Settings → Data) holds ``watched.csv``,
``ratings.csv``, ``diary.csv`` and ``watchlist.csv`` (columns ``Date, Name,
Year, Letterboxd URI`` plus ``Rating`` in stars and ``Watched Date``). Each
film is matched to TMDB by name and year; the rows that match nothing are
named in the report. The feed poll applies each diary entry once: its guid is
stored in ``memory_feed_seen`` after the lists are updated (an upsert, so a
poll cut short and repeated changes nothing twice).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date

import structlog
from sqlalchemy import select

from concierge.skills.memory.models import FeedSeenRow
from concierge.skills.memory.ports import DiaryFeed, DiaryItem, TitleMatcher
from concierge.skills.movies.lists import ListEntry, TitleLists
from concierge.storage.db import Database

log = structlog.get_logger(__name__)

FILES = ("watched.csv", "ratings.csv", "diary.csv", "watchlist.csv")
MAX_ZIP_BYTES = 20 * 1024 * 1024
MAX_ROWS = 20_000


class NotAnExport(ValueError):
    """The ZIP holds none of Letterboxd's export files."""


@dataclass(frozen=True, slots=True)
class ExportRow:
    file: str
    name: str
    year: int | None
    rating: int | None  # 1–10 (stars × 2)
    watched_on: date | None

    def label(self) -> str:
        return f"{self.name} ({self.year})" if self.year else self.name


@dataclass
class ImportReport:
    rows: int = 0
    films: int = 0
    watched: int = 0
    rated: int = 0
    watchlist: int = 0
    unmatched: list[str] = field(default_factory=list)


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip()[:10]) if value else None
    except ValueError:
        return None


def _stars(value: str | None) -> int | None:
    try:
        stars = float((value or "").strip())
    except ValueError:
        return None
    return max(1, min(10, round(stars * 2))) if stars > 0 else None


def read_export(data: bytes) -> list[ExportRow]:
    """Every row of the export's four files (other files in the ZIP are ignored)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise NotAnExport("not a ZIP file") from exc
    names = {n.rsplit("/", 1)[-1].lower(): n for n in archive.namelist()}
    present = [f for f in FILES if f in names]
    if not present:
        raise NotAnExport("no Letterboxd export files")
    rows: list[ExportRow] = []
    for file in present:
        info = archive.getinfo(names[file])
        if info.file_size > MAX_ZIP_BYTES:
            raise NotAnExport(f"{file} is too large")
        text = archive.read(info).decode("utf-8-sig", errors="replace")
        for record in csv.DictReader(io.StringIO(text)):
            name = (record.get("Name") or "").strip()
            if not name:
                continue
            year = (record.get("Year") or "").strip()
            rows.append(
                ExportRow(
                    file=file,
                    name=name,
                    year=int(year) if year.isdigit() else None,
                    rating=_stars(record.get("Rating")),
                    watched_on=_date(record.get("Watched Date") or record.get("Date")),
                )
            )
            if len(rows) > MAX_ROWS:
                raise NotAnExport("more rows than an export has")
    return rows


class Letterboxd:
    def __init__(
        self, db: Database, lists: TitleLists, matcher: TitleMatcher, feed: DiaryFeed | None
    ) -> None:
        self._db = db
        self.lists = lists
        self.matcher = matcher
        self.feed = feed

    async def import_rows(self, user_id: int, rows: Iterable[ExportRow]) -> ImportReport:
        report = ImportReport()
        unmatched: dict[str, None] = {}
        seen_films: set[str] = set()
        watched: set[str] = set()
        rated: set[str] = set()
        listed: set[str] = set()
        for row in rows:
            report.rows += 1
            entry = await self.matcher.match(row.name, row.year)
            if entry is None:
                unmatched.setdefault(row.label(), None)
                continue
            seen_films.add(entry.key)
            entry = replace(entry, source="letterboxd")
            if row.file == "watchlist.csv":
                if await self.lists.get(user_id, "watched", entry.key) is None:
                    await self.lists.add_to_watchlist(user_id, entry)
                    listed.add(entry.key)
                continue
            await self.lists.mark_watched(
                user_id, replace(entry, rating=row.rating, watched_on=row.watched_on)
            )
            watched.add(entry.key)
            if row.rating is not None:
                rated.add(entry.key)
        report.films = len(seen_films)
        report.watched, report.rated, report.watchlist = len(watched), len(rated), len(listed)
        report.unmatched = list(unmatched)
        log.info("letterboxd_imported", user_id=user_id, rows=report.rows, unmatched=len(unmatched))
        return report

    async def poll(self, user_id: int, username: str) -> int:
        """Apply the diary entries not applied before; how many were new."""
        if self.feed is None:
            return 0
        items = await self.feed.diary(username)
        async with self._db.session() as s:
            seen = set(
                await s.scalars(select(FeedSeenRow.guid).where(FeedSeenRow.user_id == user_id))
            )
        added = 0
        for item in items:
            if item.guid in seen:
                continue
            entry = await self._entry(item)
            if entry is not None:
                await self.lists.mark_watched(user_id, entry)
                added += 1
            async with self._db.session() as s:
                if await s.get(FeedSeenRow, (user_id, item.guid)) is None:
                    s.add(FeedSeenRow(user_id=user_id, guid=item.guid))
        return added

    async def _entry(self, item: DiaryItem) -> ListEntry | None:
        if item.tmdb_id is not None:
            entry = await self.matcher.by_id(item.tmdb_id)
        else:
            entry = await self.matcher.match(item.name, item.year)
        if entry is None:
            log.info("letterboxd_item_unmatched", film=item.name, year=item.year)
            return None
        rating = max(1, min(10, round(item.rating * 2))) if item.rating else None
        return replace(entry, rating=rating, watched_on=item.watched_on, source="letterboxd")
