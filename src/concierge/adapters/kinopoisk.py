"""Kinopoisk through kinopoiskapiunofficial.tech: the rating Russian speakers know.

Found by IMDb id (``/api/v2.2/films?imdbId=``), so a film is matched exactly.
"""

from __future__ import annotations

from concierge.adapters.errors import BadResponse, RateLimited
from concierge.adapters.http import HttpFactory, Secrets, json_body
from concierge.skills.movies.domain import Ratings, Title

TTL_RATINGS = 7 * 24 * 3600.0


class KinopoiskRatings:
    """``RatingsSource`` over the unofficial Kinopoisk API."""

    name = "kinopoisk"

    def __init__(self, http: HttpFactory, *, base_url: str, api_key: str) -> None:
        self._client = http.client(
            "kinopoisk",
            base_url,
            secrets=Secrets(headers={"X-API-KEY": api_key}),
            headers={"Accept": "application/json"},
        )

    async def ratings(self, title: Title) -> Ratings:
        if not title.imdb_id:
            return Ratings()
        response = await self._client.request(
            "GET",
            "/api/v2.2/films",
            params={"imdbId": title.imdb_id},
            ttl=TTL_RATINGS,
            ok_statuses=frozenset({402}),
        )
        if response.status_code == 402:
            raise RateLimited(self.name, "daily quota exceeded", retry_after=86400)
        data = json_body(response, self.name)
        items = data.get("items") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise BadResponse(self.name, "no items list")
        for item in items:
            if isinstance(item, dict) and item.get("imdbId") == title.imdb_id:
                rating = item.get("ratingKinopoisk")
                imdb = item.get("ratingImdb")
                return Ratings(
                    kinopoisk=float(rating) if isinstance(rating, int | float) else None,
                    imdb=float(imdb) if isinstance(imdb, int | float) else None,
                )
        return Ratings()
