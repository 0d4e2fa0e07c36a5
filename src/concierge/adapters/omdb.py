"""OMDb (omdbapi.com): IMDb, Rotten Tomatoes and Metacritic ratings by IMDb id.

Looked up by id, never by title: a localized title ("Дюна") finds nothing or
the wrong film.
"""

from __future__ import annotations

import re
from typing import Any

from concierge.adapters.errors import AuthFailed, BadResponse, NotFound, RateLimited
from concierge.adapters.http import HttpFactory, Secrets, json_body
from concierge.skills.movies.domain import Ratings, Title

TTL_RATINGS = 7 * 24 * 3600.0


def _number(text: object) -> float | None:
    match = re.match(r"\s*(\d+(?:\.\d+)?)", str(text or ""))
    return float(match.group(1)) if match else None


def parse_omdb_ratings(data: dict[str, Any]) -> Ratings:
    """Ratings from an OMDb title object ("N/A" and missing sources become None)."""
    imdb = _number(data.get("imdbRating"))
    rotten: int | None = None
    metacritic: int | None = None
    for entry in data.get("Ratings") or []:
        if not isinstance(entry, dict):
            continue
        value = _number(entry.get("Value"))
        if value is None:
            continue
        if entry.get("Source") == "Rotten Tomatoes":
            rotten = int(value)
        elif entry.get("Source") == "Metacritic":
            metacritic = int(value)
        elif entry.get("Source") == "Internet Movie Database" and imdb is None:
            imdb = value
    if metacritic is None:
        meta = _number(data.get("Metascore"))
        metacritic = int(meta) if meta is not None else None
    return Ratings(imdb=imdb, rotten_tomatoes=rotten, metacritic=metacritic)


class OmdbRatings:
    """``RatingsSource`` over OMDb."""

    name = "omdb"

    def __init__(self, http: HttpFactory, *, base_url: str, api_key: str) -> None:
        self._client = http.client("omdb", base_url, secrets=Secrets(params={"apikey": api_key}))

    async def ratings(self, title: Title) -> Ratings:
        if not title.imdb_id:
            return Ratings()
        response = await self._client.request(
            "GET", "/", params={"i": title.imdb_id}, ttl=TTL_RATINGS, ok_statuses=frozenset({401})
        )
        data = json_body(response, self.name)
        if not isinstance(data, dict):
            raise BadResponse(self.name, "expected an object")
        if data.get("Response") == "False":
            error = str(data.get("Error") or "")
            if "limit" in error.lower():
                raise RateLimited(self.name, "daily limit reached", retry_after=86400)
            if "api key" in error.lower() or response.status_code == 401:
                raise AuthFailed(self.name, "API key rejected", status=response.status_code)
            raise NotFound(self.name, error[:80])
        return parse_omdb_ratings(data)
