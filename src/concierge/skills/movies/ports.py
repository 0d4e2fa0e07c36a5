"""What the movies skill needs from the outside world, by role.

Adapters in ``concierge.adapters`` implement these; tests fake them. Every
method raises ``concierge.adapters.errors.ExternalServiceError`` (or a subclass)
when the service fails, never a bare exception.
"""

from __future__ import annotations

from typing import Literal, Protocol, runtime_checkable

from concierge.skills.movies.domain import (
    MediaKind,
    Person,
    Ratings,
    Title,
    TitleHit,
    TorrentQuery,
    TorrentResult,
)

SearchKind = Literal["movie", "tv", "multi"]


class MetadataSource(Protocol):
    """A film/series catalogue (TMDB): search, details, people, in the user's language."""

    name: str

    async def search(
        self, query: str, *, kind: SearchKind, lang: str, year: int | None = None
    ) -> list[TitleHit]: ...

    async def details(self, kind: MediaKind, tmdb_id: int, *, lang: str) -> Title: ...

    async def search_person(self, query: str, *, lang: str) -> list[Person]: ...

    async def person(self, tmdb_id: int, *, lang: str) -> Person: ...


class RatingsSource(Protocol):
    """Extra ratings for a title, looked up by its IMDb id (OMDB, Kinopoisk)."""

    name: str

    async def ratings(self, title: Title) -> Ratings: ...


class TorrentSource(Protocol):
    """One tracker (or aggregator) searched by title or ids."""

    name: str

    async def search(self, query: TorrentQuery) -> list[TorrentResult]: ...

    async def magnet(self, result: TorrentResult, user_id: int | None = None) -> str:
        """The magnet link for a result listed without one (fetched on demand)."""
        ...


@runtime_checkable
class TorrentFileSource(Protocol):
    """A source that can hand over the .torrent file itself (it holds the session)."""

    async def torrent_file(self, result: TorrentResult, user_id: int | None = None) -> bytes: ...


class LibraryLookup(Protocol):
    """The user's own media library (the NAS index): marks titles already at home."""

    async def has(self, title: str, year: int | None = None) -> bool: ...


class TrackerAccounts(Protocol):
    """A tracker where each user may sign in with their own account (RuTracker).

    ``sign_in`` checks the login against the tracker before storing anything and
    raises ``AuthFailed``/``CaptchaRequired`` (or another ``ExternalServiceError``).
    """

    async def username(self, user_id: int) -> str | None: ...

    async def sign_in(self, user_id: int, username: str, password: str) -> None: ...

    async def sign_out(self, user_id: int) -> None: ...
