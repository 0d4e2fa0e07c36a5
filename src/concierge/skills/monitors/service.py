"""Monitors for people: watch a film, follow a series, list, remove, what was found.

Titles are resolved with the movies skill's service (TMDB); the checks themselves
live in checker.py and push.py. ``matches_since`` is what digests read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from concierge.adapters.errors import ExternalServiceError
from concierge.core.clock import Clock
from concierge.skills.monitors.models import MonitorMatch, MonitorRow
from concierge.skills.monitors.store import LimitReached, MonitorStore, NewMonitor
from concierge.skills.monitors.timing import aired, parse_day
from concierge.skills.movies.domain import MediaKind, Title
from concierge.skills.movies.service import MoviesService


class Outcome(StrEnum):
    CREATED = "created"
    EXISTING = "existing"
    LIMIT = "limit"
    NOT_FOUND = "not_found"
    NO_METADATA = "no_metadata"
    METADATA_FAILED = "metadata_failed"
    ENDED = "ended"  # a series that will have no new episodes


@dataclass(frozen=True, slots=True)
class Watched:
    outcome: Outcome
    title: Title | None = None
    monitor: MonitorRow | None = None
    reason: str = ""  # the metadata error's kind, for METADATA_FAILED


ENDED = ("Ended", "Canceled")


def newest_aired(title: Title, now: datetime) -> int:
    """The newest aired episode as ``season * 1000 + episode`` (0: none yet)."""
    out = [
        e
        for e in (title.last_episode, title.next_episode)
        if e is not None and aired(e.air_date, now.date())
    ]
    return max((e.season * 1000 + e.episode for e in out), default=0)


def awaited(title: Title, now: datetime) -> bool:
    """A film not out yet, or out in cinemas without a digital release so far: worth a
    *Notify me* on its card. A series still running: worth a *Follow*."""
    if title.kind == "tv":
        return title.status not in ENDED
    today = now.date()
    digital = parse_day(title.digital_release)
    if digital is not None:
        return digital > today
    released = parse_day(title.release_date)
    return released is None or title.status != "Released" or (today - released).days < 365


class MonitorsService:
    def __init__(self, *, store: MonitorStore, movies: MoviesService, clock: Clock) -> None:
        self.store = store
        self.movies = movies
        self.clock = clock

    @property
    def has_metadata(self) -> bool:
        return self.movies.catalog is not None

    async def resolve(
        self, text: str, *, lang: str, kind: str | None = None, year: int | None = None
    ) -> Title | None:
        """The title the words name (TMDB's top match, by year when given)."""
        search = kind if kind in ("movie", "tv") else "multi"
        hits = await self.movies.find_titles(text, lang=lang, kind=search, year=year)  # type: ignore[arg-type]
        if not hits:
            return None
        best = next((h for h in hits if year and h.year == year), hits[0])
        return await self.movies.title(best.kind, best.tmdb_id, lang=lang)

    async def watch(
        self,
        user_id: int,
        *,
        lang: str,
        text: str | None = None,
        tmdb_id: int | None = None,
        kind: str | None = None,
        year: int | None = None,
        quality: int | None = None,
        auto: bool = False,
        season_from: int | None = None,
    ) -> Watched:
        """Monitor a film (at ``quality``) or follow a series (from ``season_from`` on)."""
        if not self.has_metadata:
            return Watched(Outcome.NO_METADATA)
        try:
            if tmdb_id is not None:
                media: MediaKind = "tv" if kind == "tv" else "movie"
                title: Title | None = await self.movies.title(media, tmdb_id, lang=lang)
            else:
                title = await self.resolve(text or "", lang=lang, kind=kind, year=year)
        except ExternalServiceError as exc:
            return Watched(Outcome.METADATA_FAILED, reason=exc.kind)
        if title is None:
            return Watched(Outcome.NOT_FOUND)
        if title.kind == "tv" and title.status in ENDED and not season_from:
            return Watched(Outcome.ENDED, title)
        now = self.clock.now()
        new = NewMonitor(
            kind=title.kind,
            tmdb_id=title.tmdb_id,
            title=title.title,
            original_title=title.original_title,
            year=title.year,
            quality=quality or 0,
            auto=auto,
            season_from=season_from or 0,
            last_seen=newest_aired(title, now) if title.kind == "tv" else 0,
        )
        try:
            row, created = await self.store.add(user_id, new, now)
        except LimitReached:
            return Watched(Outcome.LIMIT, title)
        return Watched(Outcome.CREATED if created else Outcome.EXISTING, title, row)

    async def for_user(self, user_id: int) -> list[MonitorRow]:
        return await self.store.for_user(user_id)

    async def remove(self, user_id: int, monitor_id: int) -> MonitorRow | None:
        return await self.store.remove(user_id, monitor_id)

    async def matches_since(self, user_id: int, since: datetime) -> list[MonitorMatch]:
        """What this user's monitors found since ``since``, oldest first (for digests)."""
        return await self.store.matches_since(user_id, since)
