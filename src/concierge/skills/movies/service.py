"""The movies skill's logic: find titles, build cards' data, search and rank torrents.

Front-ends, commands and agent tools stay thin over this. Metadata is optional
(no TMDB key: torrents are searched by the words the user typed); extra
ratings and magnets are fetched concurrently with their own short deadlines.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import structlog

from concierge.adapters.errors import ExternalServiceError
from concierge.skills.movies.domain import (
    MediaKind,
    Person,
    Ratings,
    Title,
    TitleHit,
    TorrentQuery,
    TorrentResult,
)
from concierge.skills.movies.ports import (
    LibraryLookup,
    MetadataSource,
    RatingsSource,
    SearchKind,
    TorrentFileSource,
)
from concierge.skills.movies.ranking import (
    Picks,
    Preferences,
    RankedTorrent,
    pick_three,
    rank_off_loop,
)
from concierge.skills.movies.search import FanOut, FanOutResult, SourceFailure

log = structlog.get_logger(__name__)

_CYRILLIC = re.compile(r"[а-яё]", re.I)
# Accusative/genitive endings → nominative, most specific first ("Дюну" → "Дюна").
_RU_ENDINGS = (("ую", "ая"), ("юю", "яя"), ("ого", "ый"), ("у", "а"), ("ю", "я"))


def russian_variants(query: str) -> list[str]:
    """De-inflected forms of a Russian query to retry when TMDB finds nothing as typed."""
    words = query.split()

    def nominative(word: str) -> str:
        if len(word) < 3 or not _CYRILLIC.search(word):
            return word
        lower = word.lower()
        for ending, replacement in _RU_ENDINGS:
            if lower.endswith(ending):
                return word[: -len(ending)] + replacement
        return word

    def strip_genitive(word: str) -> str:  # "Бэтмена" → "Бэтмен"
        if len(word) > 4 and _CYRILLIC.search(word) and word[-1].lower() in "ая":
            return word[:-1]
        return word

    variants = [" ".join(nominative(w) for w in words), " ".join(strip_genitive(w) for w in words)]
    return [v for v in dict.fromkeys(variants) if v != query]


@dataclass(frozen=True, slots=True)
class TorrentOutcome:
    query: TorrentQuery
    ranked: list[RankedTorrent]
    picks: Picks
    failures: list[SourceFailure] = field(default_factory=list)
    answered: list[str] = field(default_factory=list)
    found: int = 0  # merged results before filtering
    quality: int | None = None
    quality_fallback: bool = False  # nothing at the requested quality; showing the rest

    def listing(self) -> list[RankedTorrent]:
        """The order the user sees: the three picks, then the rest by rank."""
        shown = [r for _, r in self.picks.present()]
        return shown + [r for r in self.ranked if r not in shown]


class MoviesService:
    def __init__(
        self,
        *,
        catalog: MetadataSource | None,
        ratings: Sequence[RatingsSource],
        fanout: FanOut,
        library: LibraryLookup | None = None,
        ratings_deadline: float = 4.0,
        magnet_deadline: float = 3.0,
    ) -> None:
        self.catalog = catalog
        self._library = library
        self._ratings = list(ratings)
        self.fanout = fanout
        self._ratings_deadline = ratings_deadline
        self._magnet_deadline = magnet_deadline

    async def find_titles(
        self, query: str, *, lang: str, kind: SearchKind = "multi", year: int | None = None
    ) -> list[TitleHit]:
        """TMDB search as typed, then (Russian) de-inflected forms until something matches."""
        if self.catalog is None:
            return []
        attempts = [query, *(russian_variants(query) if _CYRILLIC.search(query) else [])]
        for attempt in attempts:
            hits = await self.catalog.search(attempt, kind=kind, lang=lang, year=year)
            if hits:
                return hits
        return []

    async def title(self, kind: MediaKind, tmdb_id: int, *, lang: str) -> Title:
        if self.catalog is None:
            raise LookupError("no metadata source configured")
        title = await self.catalog.details(kind, tmdb_id, lang=lang)
        sources = [s for s in self._ratings if s.name != "kinopoisk" or lang == "ru"]
        if not sources or not title.imdb_id:
            return title
        extra = await asyncio.gather(*(self._rating(s, title) for s in sources))
        merged = title.ratings
        for ratings in extra:
            merged = merged.merged(ratings)
        return replace(title, ratings=merged)

    async def in_library(self, title: Title) -> bool:
        """Whether the user's library has this title, by its localized or original name."""
        if self._library is None:
            return False
        names = dict.fromkeys(n for n in (title.title, title.original_title) if n)
        for name in names:
            if await self._library.has(name, title.year):
                return True
        return False

    async def _rating(self, source: RatingsSource, title: Title) -> Ratings:
        try:
            async with asyncio.timeout(self._ratings_deadline):
                return await source.ratings(title)
        except TimeoutError:
            log.warning("ratings_deadline", source=source.name, imdb_id=title.imdb_id)
        except ExternalServiceError:
            pass  # logged by the HTTP client; the card shows what is known
        return Ratings()

    async def person(self, tmdb_id: int, *, lang: str) -> Person:
        if self.catalog is None:
            raise LookupError("no metadata source configured")
        return await self.catalog.person(tmdb_id, lang=lang)

    async def find_people(self, query: str, *, lang: str) -> list[Person]:
        if self.catalog is None:
            return []
        return await self.catalog.search_person(query, lang=lang)

    async def torrents(
        self,
        query: TorrentQuery,
        prefs: Preferences,
        *,
        quality: int | None = None,
    ) -> TorrentOutcome:
        fanned = await self.fanout.search(query)
        return await self.outcome(fanned, query, prefs, quality=quality)

    async def outcome(
        self,
        fanned: FanOutResult,
        query: TorrentQuery,
        prefs: Preferences,
        *,
        quality: int | None = None,
        fallback: bool = True,
        magnets: bool = True,
    ) -> TorrentOutcome:
        """Rank one search's results for one user; monitors rank a shared search per user.

        ``fallback``: with nothing at ``quality``, rank the rest (a /find reply shows
        something); monitors pass False, since a 1080p release is no 4K release.
        ``magnets``: fetch the picks' missing magnets now (monitors fetch each distinct pick
        once for all their users, with ``with_magnet``).
        """
        ranked = await rank_off_loop(
            fanned.results, prefs, quality=quality, season=query.season, episode=query.episode
        )
        fell_back = False
        if fallback and not ranked and quality is not None and fanned.results:
            ranked = await rank_off_loop(
                fanned.results, prefs, season=query.season, episode=query.episode
            )
            fell_back = bool(ranked)
        picks = pick_three(ranked)
        if magnets:
            picks = await self._with_magnets(picks, query.user_id)
        return TorrentOutcome(
            query=query,
            ranked=ranked,
            picks=picks,
            failures=fanned.failures,
            answered=fanned.answered,
            found=len(fanned.results),
            quality=quality,
            quality_fallback=fell_back,
        )

    async def with_magnet(self, item: RankedTorrent, user_id: int | None) -> RankedTorrent:
        """``item`` with its magnet fetched when listed without one, so its buttons work at
        once; unchanged when the source can't say in time (the Magnet button tries again)."""
        if item.result.magnet:
            return item
        try:
            async with asyncio.timeout(self._magnet_deadline):
                magnet = await self.magnet(item.result, user_id)
        except (TimeoutError, ExternalServiceError, LookupError):
            return item
        return replace(item, result=replace(item.result, magnet=magnet))

    async def _with_magnets(self, picks: Picks, user_id: int | None) -> Picks:
        async def resolve(item: RankedTorrent | None) -> RankedTorrent | None:
            return None if item is None else await self.with_magnet(item, user_id)

        recommended, fastest, smallest = await asyncio.gather(
            resolve(picks.recommended), resolve(picks.fastest), resolve(picks.smallest)
        )
        return Picks(recommended, fastest, smallest)

    async def magnet(self, result: TorrentResult, user_id: int | None) -> str:
        if result.magnet:
            return result.magnet
        source = self.fanout.source(result.source)
        if source is None:
            raise LookupError(f"source {result.source} is not configured")
        return await source.magnet(result, user_id)

    def can_fetch_torrent_file(self, result: TorrentResult) -> bool:
        return isinstance(self.fanout.source(result.source), TorrentFileSource)

    async def torrent_file(self, result: TorrentResult, user_id: int | None) -> bytes:
        source = self.fanout.source(result.source)
        if not isinstance(source, TorrentFileSource):
            raise LookupError(f"source {result.source} cannot hand over .torrent files")
        return await source.torrent_file(result, user_id)
