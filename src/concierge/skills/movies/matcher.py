"""Titles named elsewhere (a Letterboxd export, a Trakt history) matched to TMDB.

By name and year: the search is narrowed to the year, and a hit counts only when
its year is that year or one off (release dates differ by country); without a
year the most popular hit wins. Lookups are cached per run, as exports repeat
the same film across their files.
"""

from __future__ import annotations

from concierge.skills.movies.list_flows import entry_of
from concierge.skills.movies.lists import ListEntry
from concierge.skills.movies.ports import MetadataSource

CACHE_LIMIT = 5000


class CatalogMatcher:
    def __init__(self, catalog: MetadataSource | None) -> None:
        self._catalog = catalog
        self._cache: dict[tuple[str, int | None], ListEntry | None] = {}

    @property
    def available(self) -> bool:
        return self._catalog is not None

    async def match(self, name: str, year: int | None, *, lang: str = "en") -> ListEntry | None:
        """The list entry for this film, or None when TMDB has no such title."""
        key = (name.casefold().strip(), year)
        if key in self._cache:
            return self._cache[key]
        found: ListEntry | None = None
        if self._catalog is not None and name.strip():
            hits = await self._catalog.search(name, kind="movie", lang=lang, year=year)
            if year is not None:
                hits = [h for h in hits if h.year is not None and abs(h.year - year) <= 1]
            if hits:
                found = entry_of(hits[0])
        if len(self._cache) >= CACHE_LIMIT:
            self._cache.clear()
        self._cache[key] = found
        return found

    async def by_id(self, tmdb_id: int, *, lang: str = "en") -> ListEntry | None:
        if self._catalog is None:
            return None
        return entry_of(await self._catalog.details("movie", tmdb_id, lang=lang))
