"""Which releases answer a monitor: the right title, the right episode, the asked quality.

A tracker search by words also lists neighbours ("Dune Part Two" when asking for Part
Three); a monitor must not fire on them, so every word of the title's name (localized
or original) has to be in the release name, and a parsed year may differ by one at most.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from concierge.skills.movies.domain import Title
from concierge.skills.movies.ranking import RankedTorrent

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def words(text: str) -> set[str]:
    return {w.lower().replace("ё", "е") for w in _WORD.findall(text)}


def names_title(name: str, title: Title) -> bool:
    have = words(name)
    wanted = [words(n) for n in dict.fromkeys((title.original_title, title.title)) if n]
    return any(w and w <= have for w in wanted)


def fits(
    ranked: RankedTorrent,
    title: Title,
    *,
    season: int | None = None,
    episode: int | None = None,
    pack: bool = False,
) -> bool:
    """A watchable release of ``title`` (and of that episode, or that season's pack)."""
    release = ranked.release
    if release.source == "cam" or not names_title(ranked.result.name, title):
        return False
    if title.kind == "movie" and release.year and title.year:
        return abs(release.year - title.year) <= 1
    if season is None:
        return True
    if season not in release.seasons:
        return False
    if pack:
        return release.is_pack
    return not release.is_pack and episode in release.episodes


def keep(
    ranked: Sequence[RankedTorrent],
    title: Title,
    *,
    season: int | None = None,
    episode: int | None = None,
    pack: bool = False,
) -> list[RankedTorrent]:
    return [r for r in ranked if fits(r, title, season=season, episode=episode, pack=pack)]
