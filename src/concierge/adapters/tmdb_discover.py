"""TMDB v3 lists of new and coming films, for digests: what opens, what a person makes.

Documented endpoints: ``/movie/upcoming``, ``/movie/now_playing`` (both with a
``dates`` window), ``/discover/movie`` (filtered by genre and release date) and
``/person/{id}/movie_credits``; ``/search/person`` finds a liked person's id by name.
The client, key handling and title parsing are ``tmdb.py``'s, reused by inheritance.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from concierge.adapters.tmdb import LOCALES, TmdbCatalog
from concierge.skills.digests.ports import Release

TTL_LISTS = 1800.0  # the HTTP cache under the digest's own (DIGEST_CACHE_MINUTES)


def _date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


class TmdbDiscover(TmdbCatalog):
    """``ReleaseCatalog`` over TMDB v3."""

    def _releases(self, items: Sequence[dict[str, Any]]) -> list[Release]:
        found: list[Release] = []
        for item in items:
            hit = self._hit(item, "movie")
            if hit is not None:
                found.append(Release(hit=hit, released=_date(item.get("release_date"))))
        return found

    async def _list(self, path: str, params: dict[str, Any]) -> list[Release]:
        data = await self._get(path, params, TTL_LISTS)
        return self._releases(self._results(data))

    async def upcoming(self, *, lang: str) -> list[Release]:
        params = {"language": LOCALES.get(lang, "en-US"), "page": 1}
        return await self._list("/movie/upcoming", params)

    async def now_playing(self, *, lang: str) -> list[Release]:
        params = {"language": LOCALES.get(lang, "en-US"), "page": 1}
        return await self._list("/movie/now_playing", params)

    async def discover(
        self, *, genre_ids: Sequence[int], since: date, until: date, lang: str
    ) -> list[Release]:
        params = {
            "language": LOCALES.get(lang, "en-US"),
            "with_genres": "|".join(str(g) for g in genre_ids),  # any of them
            "primary_release_date.gte": since.isoformat(),
            "primary_release_date.lte": until.isoformat(),
            "sort_by": "popularity.desc",
            "include_adult": "false",
            "page": 1,
        }
        return await self._list("/discover/movie", params)

    async def person_credits(self, person_id: int, *, lang: str) -> list[Release]:
        params = {"language": LOCALES.get(lang, "en-US")}
        data = await self._get(f"/person/{person_id}/movie_credits", params, TTL_LISTS)
        raw = [
            c for c in (data.get("cast") or []) + (data.get("crew") or []) if isinstance(c, dict)
        ]
        return self._releases(raw)

    async def find_person(self, name: str) -> int | None:
        people = await self.search_person(name, lang="en")
        return people[0].tmdb_id if people else None
