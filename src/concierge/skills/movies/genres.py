"""TMDB genre ids → stable slugs, so taste and blocks survive the user switching language.

TMDB names genres in the request's language; the ids are fixed and documented
(``/genre/movie/list``, ``/genre/tv/list``). Series genres that pair two film
genres ("Sci-Fi & Fantasy") map to both.
"""

from __future__ import annotations

from collections.abc import Iterable

GENRES: dict[str, tuple[int, ...]] = {
    "action": (28, 10759),
    "adventure": (12, 10759),
    "animation": (16,),
    "comedy": (35,),
    "crime": (80,),
    "documentary": (99,),
    "drama": (18,),
    "family": (10751, 10762),
    "fantasy": (14, 10765),
    "history": (36,),
    "horror": (27,),
    "music": (10402,),
    "mystery": (9648,),
    "romance": (10749,),
    "scifi": (878, 10765),
    "thriller": (53,),
    "war": (10752, 10768),
    "western": (37,),
}
# offered in onboarding and /settings, in this order
FAVOURITES = (
    "action",
    "comedy",
    "drama",
    "scifi",
    "thriller",
    "horror",
    "animation",
    "documentary",
    "crime",
    "fantasy",
)
_BY_ID: dict[int, list[str]] = {}
for _slug, _ids in GENRES.items():
    for _id in _ids:
        _BY_ID.setdefault(_id, []).append(_slug)


def slugs(genre_ids: Iterable[int]) -> tuple[str, ...]:
    """The slugs of TMDB genre ids, each once, in the given order."""
    found: list[str] = []
    for genre_id in genre_ids:
        found.extend(s for s in _BY_ID.get(genre_id, []) if s not in found)
    return tuple(found)


def label_key(slug: str) -> str:
    """The catalogue key of a genre's name (``movies.genre.<slug>``)."""
    return f"movies.genre.{slug}"
