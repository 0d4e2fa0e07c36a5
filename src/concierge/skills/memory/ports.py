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


@dataclass(frozen=True, slots=True)
class DeviceCode:
    device_code: str
    user_code: str
    verification_url: str
    expires_in: int  # seconds
    interval: int  # seconds between token polls


@dataclass(frozen=True, slots=True)
class TraktToken:
    access_token: str
    refresh_token: str
    expires_at: int  # unix seconds

    def __repr__(self) -> str:  # tokens never reach a log line, even by accident
        return f"TraktToken(expires_at={self.expires_at})"


@dataclass(frozen=True, slots=True)
class TraktMovie:
    title: str
    year: int | None
    tmdb_id: int | None
    rating: int | None = None
    on: date | None = None  # watched, rated or listed


class TraktService(Protocol):
    """Trakt's OAuth device flow and movie sync (adapters/trakt.py)."""

    async def device_code(self) -> DeviceCode: ...

    async def device_token(self, device_code: str) -> TraktToken | str: ...

    async def refresh(self, refresh_token: str) -> TraktToken: ...

    async def revoke(self, access_token: str) -> None: ...

    async def history(self, token: str) -> list[TraktMovie]: ...

    async def watchlist(self, token: str) -> list[TraktMovie]: ...

    async def ratings(self, token: str) -> list[TraktMovie]: ...

    async def push(
        self,
        token: str,
        *,
        history: list[TraktMovie],
        watchlist: list[TraktMovie],
        ratings: list[TraktMovie],
    ) -> None: ...
