"""What the memory skill needs from elsewhere: TMDB matching and the Letterboxd feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from concierge.skills.movies.lists import ListEntry


class TitleMatcher(Protocol):
    """Films named by title and year (or TMDB id) as list entries (movies.matcher)."""

    @property
    def available(self) -> bool: ...

    async def match(self, name: str, year: int | None, *, lang: str = "en") -> ListEntry | None: ...

    async def by_id(self, tmdb_id: int, *, lang: str = "en") -> ListEntry | None: ...


@dataclass(frozen=True, slots=True)
class DiaryItem:
    """One entry of a member's public Letterboxd RSS feed (a diary entry or a review)."""

    guid: str
    name: str
    year: int | None
    tmdb_id: int | None
    rating: float | None  # stars, 0.5–5
    watched_on: date | None


class DiaryFeed(Protocol):
    """A member's public feed; raises ``ExternalServiceError`` (``NotFound``: no member)."""

    async def diary(self, username: str) -> list[DiaryItem]: ...
