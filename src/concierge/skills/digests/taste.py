"""The user's taste as the digest reads it: the memory skill's profile, the movies
skill's lists, and this skill's *Less like this* presses.

Liked people are those behind titles the user rated high (one title at 8+, or two or
more averaging 7+); blocked titles, people and genres are never shown.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from concierge.skills.memory.profile import ProfileStore
from concierge.skills.movies.lists import TitleLists
from concierge.skills.movies.taste import Exclusions, genre_weights

LIKED_ONE = 8
LIKED_AVERAGE = 7.0
MAX_PEOPLE = 3


@dataclass(frozen=True, slots=True)
class Taste:
    weights: dict[str, float] = field(default_factory=dict)  # genre slug → weight
    favourites: tuple[str, ...] = ()  # genre slugs the user named
    liked_people: tuple[str, ...] = ()  # names, best first
    exclusions: Exclusions = field(default_factory=Exclusions)
    blocked_people: frozenset[int] = frozenset()  # TMDB person ids
    blocked_words: tuple[str, ...] = ()  # blocked titles' and people's names (for headlines)
    liked_words: tuple[str, ...] = ()  # liked people and watchlist titles (for headlines)
    lowered: Counter[str] = field(default_factory=Counter)  # facet → *Less like this* presses


def liked_people(watched: list[tuple[tuple[str, ...], int | None]]) -> tuple[str, ...]:
    ratings: dict[str, list[int]] = defaultdict(list)
    for people, rating in watched:
        if rating is not None:
            for person in people:
                ratings[person].append(rating)
    liked = [
        (name, sum(r) / len(r), len(r))
        for name, r in ratings.items()
        if max(r) >= LIKED_ONE or (len(r) >= 2 and sum(r) / len(r) >= LIKED_AVERAGE)
    ]
    liked.sort(key=lambda x: (-x[1], -x[2], x[0]))
    return tuple(name for name, _avg, _n in liked[:MAX_PEOPLE])


async def read_taste(
    user_id: int, profiles: ProfileStore, lists: TitleLists, lowered: Counter[str]
) -> Taste:
    profile = await profiles.get(user_id)
    entries = await lists.entries(user_id)
    watched = [e for e in entries if e.on == "watched"]
    blocked = [e for e in entries if e.on == "blocked"]
    watchlist = [e for e in entries if e.on == "watchlist"]
    people = liked_people([(e.people, e.rating) for e in watched])
    keys = frozenset(e.key for e in [*watched, *blocked] if e.kind in ("movie", "tv"))
    genres = frozenset(e.key.split(":", 1)[1] for e in blocked if e.kind == "genre")
    blocked_people = frozenset(
        e.tmdb_id for e in blocked if e.kind == "person" and e.tmdb_id is not None
    )
    words = tuple(e.title for e in blocked if e.kind in ("movie", "tv", "person") and e.title)
    return Taste(
        weights=genre_weights(watched, profile.genres),
        favourites=profile.genres,
        liked_people=people,
        exclusions=Exclusions(keys=keys, genres=genres),
        blocked_people=blocked_people,
        blocked_words=words,
        liked_words=(*people, *(e.title for e in watchlist if e.title)),
        lowered=lowered,
    )
