"""Candidates for one user's digest: monitor matches, new films, liked people's films,
headlines; each TMDB list and feed fetched once per run for every user (``SharedFetches``).

A source that fails leaves its section out and its name in ``problems`` (the digest says
so); the adapters log the failure itself once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from pydantic import BaseModel

from concierge.adapters.errors import ExternalServiceError
from concierge.core.urlguard import UnsafeURL
from concierge.skills.digests.cache import SharedFetches
from concierge.skills.digests.items import DigestItem
from concierge.skills.digests.ports import (
    FeedReader,
    Headline,
    MonitorMatches,
    Release,
    ReleaseCatalog,
)
from concierge.skills.digests.taste import Taste
from concierge.skills.movies.genres import GENRES, slugs
from concierge.skills.movies.lists import title_key
from concierge.skills.movies.taste import taste_score

MATCH_SCORE = 100.0  # what the user asked to be told about comes first
PERSON_BONUS = 2.0
NEWS_BASE = 1.0
NEWS_LIKED = 2.5
PLAYING_DAYS = 14
UPCOMING_DAYS = 30
CREDITS_DAYS = (-30, 180)
SERIES = ("tv", "episode", "series", "season")


class PersonId(BaseModel):
    id: int | None = None


@dataclass
class Found:
    items: list[DigestItem] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Sources:
    cache: SharedFetches
    catalog: ReleaseCatalog | None = None
    feeds: FeedReader | None = None
    feed_urls: tuple[str, ...] = ()
    matches: MonitorMatches | None = None


def _best_genre(genres: Sequence[str], taste: Taste) -> str | None:
    if not genres:
        return None
    return max(genres, key=lambda g: (taste.weights.get(g, 0.0), -genres.index(g)))


def _release_item(
    release: Release, taste: Taste, person: tuple[int, str] | None = None
) -> DigestItem | None:
    hit = release.hit
    if taste.exclusions.excludes(hit):
        return None
    genres = slugs(hit.genre_ids)
    score = taste_score(hit, taste.weights) + (PERSON_BONUS if person else 0.0)
    genre = _best_genre(genres, taste)
    return DigestItem(
        key=title_key(hit.kind, hit.tmdb_id),
        section="person" if person else "release",
        title=hit.title,
        year=hit.year,
        day=release.released,
        url=f"https://www.themoviedb.org/movie/{hit.tmdb_id}",
        facet=f"person:{person[0]}" if person else (f"genre:{genre}" if genre else None),
        facet_label=person[1] if person else (genre or ""),
        genres=genres,
        score=score,
    )


def _mentions(text: str, words: Sequence[str]) -> bool:
    lowered = text.lower()
    return any(len(w) >= 3 and w.lower() in lowered for w in words)


class Gatherer:
    def __init__(self, sources: Sources) -> None:
        self._s = sources

    async def candidates(
        self, user_id: int, taste: Taste, lang: str, today: date, since: datetime
    ) -> Found:
        found = Found()
        await self._matches(found, user_id, since)
        if self._s.catalog is not None:
            await self._releases(found, self._s.catalog, taste, lang, today)
        if self._s.feeds is not None:
            for url in self._s.feed_urls:
                await self._news(found, self._s.feeds, url, taste, since)
        return found

    async def _matches(self, found: Found, user_id: int, since: datetime) -> None:
        if self._s.matches is None:
            return
        for match in await self._s.matches.matches_since(user_id, since):
            digest = hashlib.sha256(match.release_name.encode()).hexdigest()[:12]
            found.items.append(
                DigestItem(
                    key=f"match:{match.kind}:{match.tmdb_id}:{digest}",
                    section="series" if match.kind in SERIES else "match",
                    title=match.title,
                    year=match.year,
                    note=f"{match.quality} · {match.release_name}".strip(" ·"),
                    score=MATCH_SCORE,
                )
            )

    async def _releases(
        self, found: Found, catalog: ReleaseCatalog, taste: Taste, lang: str, today: date
    ) -> None:
        """Each TMDB list on its own: one that fails leaves the others in."""
        cache, failed = self._s.cache, False
        playing_until = today - timedelta(days=PLAYING_DAYS)
        coming_until = today + timedelta(days=UPCOMING_DAYS)
        try:
            playing = await cache.get(
                f"tmdb now_playing {lang}", Release, lambda: catalog.now_playing(lang=lang)
            )
            for release in playing:
                if release.released is None or release.released >= playing_until:
                    self._add(found, _release_item(release, taste))
        except ExternalServiceError:
            failed = True
        try:
            upcoming = await cache.get(
                f"tmdb upcoming {lang}", Release, lambda: catalog.upcoming(lang=lang)
            )
            for release in upcoming:
                if release.released is not None and today < release.released <= coming_until:
                    self._add(found, _release_item(release, taste))
        except ExternalServiceError:
            failed = True
        try:
            await self._discover(found, catalog, taste, lang, today)
            for name in taste.liked_people:
                await self._person(found, catalog, taste, name, lang, today)
        except ExternalServiceError:
            failed = True
        if failed:
            found.problems.append("TMDB")

    async def _discover(
        self, found: Found, catalog: ReleaseCatalog, taste: Taste, lang: str, today: date
    ) -> None:
        liked = [g for g, w in sorted(taste.weights.items(), key=lambda x: -x[1]) if w > 0][:2]
        ids = sorted({GENRES[g][0] for g in liked if g in GENRES})
        if not ids:
            return
        since, until = today - timedelta(days=PLAYING_DAYS), today + timedelta(days=UPCOMING_DAYS)
        request = f"tmdb discover {lang} {ids} {since} {until}"
        releases = await self._s.cache.get(
            request,
            Release,
            lambda: catalog.discover(genre_ids=ids, since=since, until=until, lang=lang),
        )
        for release in releases:
            self._add(found, _release_item(release, taste))

    async def _person(
        self, found: Found, catalog: ReleaseCatalog, taste: Taste, name: str, lang: str, today: date
    ) -> None:
        async def find() -> list[PersonId]:
            return [PersonId(id=await catalog.find_person(name))]

        person = (await self._s.cache.get(f"tmdb person {name.lower()}", PersonId, find))[0]
        if person.id is None or person.id in taste.blocked_people:
            return
        person_id = person.id
        credits = await self._s.cache.get(
            f"tmdb credits {person_id} {lang}",
            Release,
            lambda: catalog.person_credits(person_id, lang=lang),
        )
        low, high = (today + timedelta(days=d) for d in CREDITS_DAYS)
        for release in credits:
            if release.released is not None and low <= release.released <= high:
                self._add(found, _release_item(release, taste, (person_id, name)))

    async def _news(
        self, found: Found, feeds: FeedReader, url: str, taste: Taste, since: datetime
    ) -> None:
        try:
            headlines = await self._s.cache.get(
                f"feed {url}", Headline, lambda: feeds.headlines(url)
            )
        except (ExternalServiceError, UnsafeURL):
            found.problems.append(urlsplit(url).hostname or url)
            return
        for item in headlines:
            if item.published is not None and item.published < since:
                continue
            if _mentions(item.title, taste.blocked_words):
                continue
            liked = _mentions(item.title, taste.liked_words)
            recency = 0.0  # newer headlines a little higher
            if item.published is not None:
                recency = min(max((item.published - since).total_seconds() / 86400, 0.0), 7.0) / 7
            self._add(
                found,
                DigestItem(
                    key=f"news:{item.guid}",
                    section="news",
                    title=item.title,
                    day=item.published.date() if item.published else None,
                    note=item.source,
                    url=item.link,
                    facet=f"feed:{url}",
                    facet_label=item.source or (urlsplit(url).hostname or url),
                    score=NEWS_BASE + (NEWS_LIKED if liked else 0.0) + recency * 0.5,
                ),
            )

    @staticmethod
    def _add(found: Found, item: DigestItem | None) -> None:
        if item is None:
            return
        for index, other in enumerate(found.items):
            if other.key == item.key:
                if item.score > other.score:
                    found.items[index] = item
                return
        found.items.append(item)
