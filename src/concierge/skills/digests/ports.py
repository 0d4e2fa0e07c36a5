"""What the digest needs from elsewhere: new films, headlines, monitor matches, a writer.

Each is a Protocol; ``bootstrap.py`` passes the adapters (``adapters/tmdb_discover.py``,
``adapters/rss_feeds.py``), the monitors skill's matches and the configured model.
``Release`` and ``Headline`` are pydantic models so the shared request cache can keep them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from pydantic import BaseModel

from concierge.skills.movies.domain import TitleHit


class Release(BaseModel):
    """A film on a TMDB list and the day it opens (or opened)."""

    hit: TitleHit
    released: date | None = None


class Headline(BaseModel):
    guid: str  # stable per feed and item
    title: str
    link: str | None = None
    published: datetime | None = None
    feed: str  # the feed's URL: what *Less like this* lowers
    source: str = ""  # the feed's own title


class ReleaseCatalog(Protocol):
    async def upcoming(self, *, lang: str) -> list[Release]: ...

    async def now_playing(self, *, lang: str) -> list[Release]: ...

    async def discover(
        self, *, genre_ids: Sequence[int], since: date, until: date, lang: str
    ) -> list[Release]: ...

    async def person_credits(self, person_id: int, *, lang: str) -> list[Release]: ...

    async def find_person(self, name: str) -> int | None: ...


class FeedReader(Protocol):
    async def headlines(self, url: str) -> list[Headline]: ...


class MatchLike(Protocol):
    """One release a monitor found (the monitors skill's row, read-only here)."""

    @property
    def title(self) -> str: ...
    @property
    def year(self) -> int | None: ...
    @property
    def quality(self) -> str: ...
    @property
    def release_name(self) -> str: ...
    @property
    def found_at(self) -> datetime: ...
    @property
    def tmdb_id(self) -> int: ...
    @property
    def kind(self) -> str: ...  # "movie" for a film monitor, "tv"/"episode" for a followed series


class MonitorMatches(Protocol):
    async def matches_since(self, user_id: int, since: datetime) -> Sequence[MatchLike]: ...


class Written(BaseModel):
    text: str
    made_by: str  # prompt version and model, e.g. "digest-v1:openai:gpt-4.1-mini"


class DigestWriter(Protocol):
    """Writes the short personal summary of a digest's items, or None to use the list."""

    async def write(self, items: Sequence[str], *, lang: str, weekly: bool) -> Written | None: ...
