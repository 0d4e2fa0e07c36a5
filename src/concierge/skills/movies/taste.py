"""The user's taste as genre weights, and the order and filter it puts on suggestions.

Weights come from what the user told us (favourite genres) and did (ratings:
9/10 pulls a genre up, 3/10 pushes it down; a watched title without a rating
counts a little). Suggestions drop what the user watched or blocked, and are
ordered by taste first, TMDB's own rating and popularity after.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from concierge.skills.movies.domain import TitleHit
from concierge.skills.movies.genres import slugs
from concierge.skills.movies.lists import ListEntry, title_key

FAVOURITE_WEIGHT = 2.0
UNRATED_WEIGHT = 0.3


def genre_weights(watched: Iterable[ListEntry], favourites: Sequence[str]) -> dict[str, float]:
    weights: dict[str, float] = dict.fromkeys(favourites, FAVOURITE_WEIGHT)
    for entry in watched:
        value = (entry.rating - 5.5) / 2.0 if entry.rating is not None else UNRATED_WEIGHT
        for slug in entry.genres:
            weights[slug] = weights.get(slug, 0.0) + value
    return weights


@dataclass(frozen=True, slots=True)
class Exclusions:
    """What a suggestion must not be: titles watched or blocked, blocked genres."""

    keys: frozenset[str] = frozenset()
    genres: frozenset[str] = frozenset()

    def excludes(self, hit: TitleHit) -> bool:
        if title_key(hit.kind, hit.tmdb_id) in self.keys:
            return True
        return bool(self.genres.intersection(slugs(hit.genre_ids)))


def taste_score(hit: TitleHit, weights: dict[str, float]) -> float:
    fit = sum(weights.get(slug, 0.0) for slug in slugs(hit.genre_ids))
    return fit + (hit.rating or 0.0) / 5.0 + math.log10(1 + max(hit.popularity, 0.0)) / 10.0


def suggest(
    hits: Iterable[TitleHit], weights: dict[str, float], exclusions: Exclusions
) -> list[TitleHit]:
    """Each title once, without exclusions, best fit to the user's taste first."""
    seen: set[str] = set()
    kept: list[TitleHit] = []
    for hit in hits:
        key = title_key(hit.kind, hit.tmdb_id)
        if key in seen or exclusions.excludes(hit):
            continue
        seen.add(key)
        kept.append(hit)
    return sorted(kept, key=lambda h: -taste_score(h, weights))
