"""Filter and order releases by what the user asked for and what they prefer.

The score is a sum of small, explainable parts (resolution fit, source, HDR,
audio language, seeders); filters remove what the user can never want (cams
when anything else exists, sizes out of bounds, the wrong season, and audio-only
releases such as the film's soundtrack, which share its name).
"""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from concierge.core import release_names
from concierge.skills.movies.domain import TorrentResult
from concierge.skills.movies.releases import (
    AVO,
    DUB,
    DVO,
    MVO,
    VO,
    Release,
    audio_category,
    parse_release,
)

_SOURCE_SCORE = {
    "remux": 25.0,
    "bluray": 20.0,
    "web-dl": 18.0,
    "webrip": 12.0,
    "hdtv": 6.0,
    "dvd": 3.0,
    None: 8.0,
    "cam": -100.0,
}
_DUB_SCORE = {DUB: 30.0, MVO: 22.0, DVO: 15.0, AVO: 12.0, VO: 6.0}
# Parsing costs ~2 ms a name: a longer list is ranked on a worker thread, so the
# event loop keeps answering other users meanwhile.
OFF_LOOP_NAMES = 50
_QUALITY_WORDS = {"4k": 2160, "uhd": 2160, "2160": 2160, "fullhd": 1080, "fhd": 1080, "hd": 720}


def parse_quality(text: str | None) -> int | None:
    """ "4K", "2160p", "1080", "FullHD" → pixel height; None when not a quality."""
    if not text:
        return None
    cleaned = text.strip().lower().replace(" ", "").replace("-", "")
    if cleaned in _QUALITY_WORDS:
        return _QUALITY_WORDS[cleaned]
    match = re.fullmatch(r"(2160|1440|1080|720|576|480)[pi]?", cleaned)
    return int(match.group(1)) if match else None


@dataclass(frozen=True, slots=True)
class Preferences:
    """A user's standing wishes; every field has a sensible default."""

    quality: int | None = 1080
    audio_language: str | None = None  # "ru" favours Russian dubbing / voice-over
    min_size: int | None = None  # bytes
    max_size: int | None = None
    min_seeders: int = 1
    prefer_hdr: bool = False
    favourite_genres: tuple[str, ...] = ()  # genre slugs (movies.genres): suggestions' order


@dataclass(frozen=True, slots=True)
class RankedTorrent:
    result: TorrentResult
    release: Release
    score: float


@dataclass(frozen=True, slots=True)
class Picks:
    recommended: RankedTorrent | None
    fastest: RankedTorrent | None
    smallest: RankedTorrent | None

    def present(self) -> list[tuple[str, RankedTorrent]]:
        roles = (("recommended", self.recommended), ("fastest", self.fastest))
        return [(role, r) for role, r in (*roles, ("smallest", self.smallest)) if r is not None]


def _resolution_score(height: int | None, wanted: int | None) -> float:
    if wanted is None:
        return {2160: 30.0, 1080: 34.0, 720: 20.0}.get(height or 0, 10.0)
    if height is None:
        return 12.0
    if height == wanted:
        return 40.0
    steps = abs(math.log2(height / wanted)) * 2
    return 40.0 - (10.0 if height > wanted else 20.0) * steps


def _audio_score(release: Release, language: str | None) -> float:
    if language == "ru":
        kind = release.best_dubbing
        if kind is not None:
            return _DUB_SCORE[kind]
        return 8.0 if release.russian_audio else -40.0
    if language == "en" and release.dubbing and "en" not in release.languages:
        return -10.0
    return 0.0


def score(
    release: Release,
    result: TorrentResult,
    prefs: Preferences,
    *,
    quality: int | None = None,
    episode: int | None = None,
) -> float:
    wanted = quality if quality is not None else prefs.quality
    total = _resolution_score(release.resolution, wanted)
    total += _SOURCE_SCORE.get(release.source, 8.0)
    if release.hdr and (prefs.prefer_hdr or (release.resolution or 0) >= 2160):
        total += 8.0 + (4.0 if release.dolby_vision else 0.0)
    if release.codec == "hevc" and (release.resolution or 0) >= 2160:
        total += 2.0
    total += _audio_score(release, prefs.audio_language)
    total += min(15.0, 5.0 * math.log10(1 + max(result.seeders, 0)))
    if episode is not None:
        total += 10.0 if episode in release.episodes and not release.is_pack else -5.0
    return round(total, 3)


def _matches_episode(release: Release, season: int | None, episode: int | None) -> bool:
    if season is None:
        return True
    if release.seasons and season not in release.seasons:
        return False
    if episode is None or release.is_pack or not release.episodes:
        return True
    return episode in release.episodes


def rank(
    results: Iterable[TorrentResult],
    prefs: Preferences,
    *,
    quality: int | None = None,
    season: int | None = None,
    episode: int | None = None,
) -> list[RankedTorrent]:
    """Every acceptable release, best first. ``quality`` is a hard filter."""
    candidates: list[RankedTorrent] = []
    for result in results:
        release = parse_release(result.name)
        if release.audio_only or audio_category(result.category):
            continue  # a soundtrack is never a film or an episode
        if quality is not None and release.resolution != quality:
            continue
        if not _matches_episode(release, season, episode):
            continue
        if result.size and prefs.min_size and result.size < prefs.min_size:
            continue
        if result.size and prefs.max_size and result.size > prefs.max_size:
            continue
        value = score(release, result, prefs, quality=quality, episode=episode)
        candidates.append(RankedTorrent(result, release, value))
    seeded = [c for c in candidates if c.result.seeders >= prefs.min_seeders]
    pool = seeded or candidates
    watchable = [c for c in pool if c.release.source != "cam"]
    pool = watchable or pool
    return sorted(pool, key=lambda c: (-c.score, -c.result.seeders, c.result.size))


async def rank_off_loop(
    results: Sequence[TorrentResult],
    prefs: Preferences,
    *,
    quality: int | None = None,
    season: int | None = None,
    episode: int | None = None,
    threshold: int = OFF_LOOP_NAMES,
) -> list[RankedTorrent]:
    """``rank``, on a worker thread when there are more than ``threshold`` names,
    or while the release parser is still being built (``release_names.warm_up``).

    ``rank`` is a pure function of immutable values and PTT keeps no state
    between calls, so the thread returns exactly what the loop would have.
    """
    if len(results) <= threshold and release_names.ready():
        return rank(results, prefs, quality=quality, season=season, episode=episode)
    return await asyncio.to_thread(
        rank, results, prefs, quality=quality, season=season, episode=episode
    )


async def parse_off_loop(name: str) -> Release:
    """``parse_release``, on a worker thread while the parser is still being built."""
    if release_names.ready():
        return parse_release(name)
    return await asyncio.to_thread(parse_release, name)


def pick_three(ranked: Sequence[RankedTorrent]) -> Picks:
    """Recommended (best score), Fastest (most seeders), Smallest: distinct when possible."""
    if not ranked:
        return Picks(None, None, None)
    recommended = ranked[0]
    chosen = {id(recommended)}

    def best(
        key: Callable[[RankedTorrent], tuple[float, float]], pool: Sequence[RankedTorrent]
    ) -> RankedTorrent | None:
        fresh = [r for r in pool if id(r) not in chosen]
        if not fresh:
            return None
        winner = min(fresh, key=key)
        chosen.add(id(winner))
        return winner

    fastest = best(lambda r: (-r.result.seeders, -r.score), ranked)
    sized = [r for r in ranked if r.result.size > 0]
    smallest = best(lambda r: (r.result.size, -r.score), sized)
    return Picks(recommended, fastest, smallest)
