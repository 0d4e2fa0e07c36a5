"""Which candidates make the digest: new to the user, lowered ones last, best first.

*Less like this* subtracts ``LESS_PENALTY`` per press from every item of that genre,
person or feed, so the next digest visibly changes: such items drop below the rest and,
with enough other news, out of it.
"""

from __future__ import annotations

from collections.abc import Iterable

from concierge.skills.digests.items import DigestItem
from concierge.skills.digests.taste import Taste

LESS_PENALTY = 4.0


def facets_of(item: DigestItem) -> set[str]:
    found = {f"genre:{g}" for g in item.genres}
    if item.facet:
        found.add(item.facet)
    return found


def adjusted(item: DigestItem, taste: Taste) -> float:
    presses = sum(taste.lowered.get(f, 0) for f in facets_of(item))
    return item.score - LESS_PENALTY * presses


def rank(
    candidates: Iterable[DigestItem], taste: Taste, shown: set[str], size: tuple[int, int]
) -> list[DigestItem]:
    """At most ``size[1]`` items not shown before, best adjusted score first."""
    fresh = [
        item.model_copy(update={"score": round(adjusted(item, taste), 3)})
        for item in candidates
        if item.key not in shown
    ]
    fresh.sort(key=lambda i: (-i.score, i.title))
    return fresh[: size[1]]
