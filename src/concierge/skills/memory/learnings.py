"""Learnings: taste patterns derived from what the user rated and watched.

After every 10 titles watched (rated or not) the genres and people the user
rates high or low are written to the ``learnings`` block, which the agent sees
in every run. The derivation is plain arithmetic over the list entries, so it
needs no language model and gives the same text every time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from concierge.skills.movies.lists import ListEntry

EVERY = 10
LIKED = 7.0
DISLIKED = 4.5
_GENRE_NAMES = {
    "scifi": "sci-fi",
    "documentary": "documentaries",
}


def _name(slug: str) -> str:
    return _GENRE_NAMES.get(slug, slug)


def derive(watched: Sequence[ListEntry]) -> str:
    """Genre averages and recurring people over the rated titles; one line per finding."""
    by_genre: dict[str, list[int]] = defaultdict(list)
    by_person: dict[str, list[int]] = defaultdict(list)
    for entry in watched:
        if entry.rating is None:
            continue
        for slug in entry.genres:
            by_genre[slug].append(entry.rating)
        for person in entry.people:
            by_person[person].append(entry.rating)

    def average(values: list[int]) -> float:
        return sum(values) / len(values)

    def ranked(
        table: dict[str, list[int]], keep: float, high: bool
    ) -> list[tuple[str, float, int]]:
        found = [
            (name, average(v), len(v))
            for name, v in table.items()
            if len(v) >= 2 and (average(v) >= keep if high else average(v) <= keep)
        ]
        return sorted(found, key=lambda x: (-x[1] if high else x[1], -x[2], x[0]))[:4]

    lines = [f"Based on {len(watched)} watched titles."]
    liked = ranked(by_genre, LIKED, True)
    if liked:
        lines.append(
            "Rates high: " + ", ".join(f"{_name(g)} (avg {a:.1f}, {n})" for g, a, n in liked)
        )
    disliked = ranked(by_genre, DISLIKED, False)
    if disliked:
        lines.append(
            "Rates low: " + ", ".join(f"{_name(g)} (avg {a:.1f}, {n})" for g, a, n in disliked)
        )
    people = ranked(by_person, LIKED, True)
    if people:
        lines.append(
            "Enjoys work of: " + ", ".join(f"{p} (avg {a:.1f}, {n})" for p, a, n in people)
        )
    return "\n".join(lines)


def due(watched_count: int, learned_at: int) -> bool:
    """True when the count crossed another multiple of ``EVERY`` since the last learnings."""
    return watched_count // EVERY > learned_at // EVERY
