"""TMDB (api.themoviedb.org/3): the catalogue behind titles, people and cards.

Accepts a v3 API key (sent as ``api_key``) or a v4 read access token (a long
JWT, sent as a Bearer header). Results come in the user's language (ru-RU or
en-US) with the original title kept alongside.
"""

from __future__ import annotations

from typing import Any

import structlog

from concierge.adapters.errors import BadResponse
from concierge.adapters.http import HttpFactory, ResilientClient, Secrets
from concierge.skills.movies.domain import (
    CastMember,
    Episode,
    MediaKind,
    Person,
    Ratings,
    Season,
    Title,
    TitleHit,
)
from concierge.skills.movies.ports import SearchKind

log = structlog.get_logger(__name__)

HOUR = 3600.0
TTL_SEARCH = 6 * HOUR
TTL_DETAILS = 24 * HOUR
TTL_TV = 3 * HOUR  # next episode dates move
LOCALES = {"ru": "ru-RU", "en": "en-US"}


def tmdb_secrets(key: str) -> Secrets:
    """A v4 read token is a JWT (``eyJ…`` with two dots); anything else is a v3 key."""
    if key.startswith("eyJ") and key.count(".") == 2:
        return Secrets(headers={"Authorization": f"Bearer {key}"})
    return Secrets(params={"api_key": key})


def _year(date: object) -> int | None:
    text = str(date or "")
    return int(text[:4]) if len(text) >= 4 and text[:4].isdigit() else None


def _date(value: object) -> str | None:
    """``2026-12-18`` (or the date part of ``2026-12-18T00:00:00.000Z``); None when absent."""
    text = str(value or "")[:10]
    return text if len(text) == 10 and text[4] == "-" and text[:4].isdigit() else None


DIGITAL = 4  # TMDB release type: 1 premiere, 2 limited, 3 theatrical, 4 digital, 5 physical


def _digital(raw: object) -> str | None:
    """The earliest digital release date in any country (``release_dates`` appended)."""
    dates = [
        day
        for country in _obj(raw).get("results") or []
        if isinstance(country, dict)
        for entry in country.get("release_dates") or []
        if isinstance(entry, dict) and entry.get("type") == DIGITAL
        if (day := _date(entry.get("release_date"))) is not None
    ]
    return min(dates) if dates else None


def _obj(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _float(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number or None


class TmdbCatalog:
    """``MetadataSource`` over TMDB v3."""

    name = "tmdb"

    def __init__(
        self, http: HttpFactory, *, base_url: str, image_base_url: str, api_key: str
    ) -> None:
        self._client: ResilientClient = http.client(
            "tmdb", base_url, secrets=tmdb_secrets(api_key), headers={"Accept": "application/json"}
        )
        self._images = image_base_url.rstrip("/")

    def image(self, path: object, size: str = "w500") -> str | None:
        return f"{self._images}/{size}{path}" if isinstance(path, str) and path else None

    async def _get(self, path: str, params: dict[str, Any], ttl: float) -> dict[str, Any]:
        data = await self._client.get_json(path, params=params, ttl=ttl)
        if not isinstance(data, dict):
            raise BadResponse(self.name, f"expected an object from {path}")
        return data

    def _hit(self, item: dict[str, Any], kind: MediaKind | None = None) -> TitleHit | None:
        media = kind or item.get("media_type")
        if media not in ("movie", "tv") or not isinstance(item.get("id"), int):
            return None
        is_movie = media == "movie"
        title = item.get("title" if is_movie else "name") or ""
        return TitleHit(
            kind=media,
            tmdb_id=item["id"],
            title=str(title),
            original_title=str(
                item.get("original_title" if is_movie else "original_name") or title
            ),
            year=_year(item.get("release_date" if is_movie else "first_air_date")),
            overview=str(item.get("overview") or ""),
            poster_url=self.image(item.get("poster_path")),
            rating=_float(item.get("vote_average")),
            popularity=float(item.get("popularity") or 0.0),
            genre_ids=tuple(g for g in item.get("genre_ids") or [] if isinstance(g, int)),
        )

    def _results(self, data: dict[str, Any]) -> list[dict[str, Any]]:
        results = data.get("results")
        if not isinstance(results, list):
            raise BadResponse(self.name, "no results list")
        return [r for r in results if isinstance(r, dict)]

    async def search(
        self, query: str, *, kind: SearchKind, lang: str, year: int | None = None
    ) -> list[TitleHit]:
        params: dict[str, Any] = {
            "query": query,
            "language": LOCALES.get(lang, "en-US"),
            "include_adult": "false",
            "page": 1,
        }
        if year and kind == "movie":
            params["year"] = year
        elif year and kind == "tv":
            params["first_air_date_year"] = year
        data = await self._get(f"/search/{kind}", params, TTL_SEARCH)
        fixed: MediaKind | None = None if kind == "multi" else kind
        hits = [self._hit(item, fixed) for item in self._results(data)]
        return [h for h in hits if h is not None]

    async def details(self, kind: MediaKind, tmdb_id: int, *, lang: str) -> Title:
        extra = ",release_dates" if kind == "movie" else ""  # digital dates for monitors
        params = {
            "language": LOCALES.get(lang, "en-US"),
            "append_to_response": f"credits,external_ids,recommendations,similar{extra}",
        }
        data = await self._get(
            f"/{kind}/{tmdb_id}", params, TTL_DETAILS if kind == "movie" else TTL_TV
        )
        return self._title(kind, data)

    def _title(self, kind: MediaKind, data: dict[str, Any]) -> Title:
        if not isinstance(data.get("id"), int):
            raise BadResponse(self.name, "title without id")
        is_movie = kind == "movie"
        credits = _obj(data.get("credits"))
        crew = [c for c in credits.get("crew") or [] if isinstance(c, dict)]
        cast = [c for c in credits.get("cast") or [] if isinstance(c, dict)]
        if is_movie:
            directors = [str(c.get("name")) for c in crew if c.get("job") == "Director"]
        else:
            directors = [str(c.get("name")) for c in data.get("created_by") or [] if c.get("name")]
        external = _obj(data.get("external_ids"))
        imdb_id = data.get("imdb_id") or external.get("imdb_id")
        recs = _obj(data.get("recommendations"))
        similar = _obj(data.get("similar"))  # "something like X" uses both lists
        recommendations = [
            self._hit(r, kind)
            for r in [*(recs.get("results") or []), *(similar.get("results") or [])]
            if isinstance(r, dict)
        ]
        runtime = (
            data.get("runtime")
            if is_movie
            else next(iter(data.get("episode_run_time") or []), None)
        )
        title = str(data.get("title" if is_movie else "name") or "")
        return Title(
            kind=kind,
            tmdb_id=data["id"],
            title=title,
            original_title=str(
                data.get("original_title" if is_movie else "original_name") or title
            ),
            year=_year(data.get("release_date" if is_movie else "first_air_date")),
            overview=str(data.get("overview") or ""),
            poster_url=self.image(data.get("poster_path")),
            genres=tuple(
                str(g["name"])
                for g in data.get("genres") or []
                if isinstance(g, dict) and g.get("name")
            ),
            genre_ids=tuple(
                int(g["id"])
                for g in data.get("genres") or []
                if isinstance(g, dict) and isinstance(g.get("id"), int)
            ),
            runtime=int(runtime) if isinstance(runtime, int) and runtime > 0 else None,
            imdb_id=str(imdb_id) if imdb_id else None,
            directors=tuple(directors[:3]),
            cast=tuple(
                CastMember(int(c["id"]), str(c.get("name") or ""), str(c.get("character") or ""))
                for c in sorted(cast, key=lambda c: c.get("order", 999))[:10]
                if isinstance(c.get("id"), int)
            ),
            ratings=Ratings(tmdb=_float(data.get("vote_average"))),
            recommendations=tuple(r for r in recommendations if r is not None)[:20],
            seasons=tuple(
                Season(
                    int(s["season_number"]),
                    int(s.get("episode_count") or 0),
                    s.get("air_date"),
                    str(s.get("name") or ""),
                )
                for s in data.get("seasons") or []
                if isinstance(s, dict) and isinstance(s.get("season_number"), int)
            ),
            next_episode=self._episode(data.get("next_episode_to_air")),
            last_episode=self._episode(data.get("last_episode_to_air")),
            release_date=_date(data.get("release_date" if is_movie else "first_air_date")),
            digital_release=_digital(data.get("release_dates")),
            status=str(data.get("status") or ""),
        )

    @staticmethod
    def _episode(raw: object) -> Episode | None:
        if not isinstance(raw, dict):
            return None
        season, number = raw.get("season_number"), raw.get("episode_number")
        if not isinstance(season, int) or not isinstance(number, int):
            return None
        return Episode(season, number, raw.get("air_date"), str(raw.get("name") or ""))

    async def search_person(self, query: str, *, lang: str) -> list[Person]:
        params = {"query": query, "language": LOCALES.get(lang, "en-US"), "include_adult": "false"}
        data = await self._get("/search/person", params, TTL_SEARCH)
        people: list[Person] = []
        for item in self._results(data):
            if not isinstance(item.get("id"), int):
                continue
            known = [self._hit(k) for k in item.get("known_for") or [] if isinstance(k, dict)]
            people.append(
                Person(
                    tmdb_id=item["id"],
                    name=str(item.get("name") or ""),
                    department=str(item.get("known_for_department") or ""),
                    photo_url=self.image(item.get("profile_path")),
                    known_for=tuple(k for k in known if k is not None),
                )
            )
        return people

    async def person(self, tmdb_id: int, *, lang: str) -> Person:
        params = {"language": LOCALES.get(lang, "en-US"), "append_to_response": "combined_credits"}
        data = await self._get(f"/person/{tmdb_id}", params, TTL_DETAILS)
        if not isinstance(data.get("id"), int):
            raise BadResponse(self.name, "person without id")
        credits = _obj(data.get("combined_credits"))
        raw = [
            c
            for c in (credits.get("cast") or []) + (credits.get("crew") or [])
            if isinstance(c, dict)
        ]
        raw.sort(key=lambda c: float(c.get("popularity") or 0.0), reverse=True)
        seen: set[tuple[str, int]] = set()
        known: list[TitleHit] = []
        for item in raw:
            hit = self._hit(item)
            if hit is not None and (hit.kind, hit.tmdb_id) not in seen:
                seen.add((hit.kind, hit.tmdb_id))
                known.append(hit)
        return Person(
            tmdb_id=data["id"],
            name=str(data.get("name") or ""),
            biography=str(data.get("biography") or ""),
            birthday=data.get("birthday"),
            place_of_birth=data.get("place_of_birth"),
            department=str(data.get("known_for_department") or ""),
            photo_url=self.image(data.get("profile_path")),
            known_for=tuple(known[:10]),
        )
