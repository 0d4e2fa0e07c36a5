"""The movies skill's value types: what adapters return and the service passes around.

Plain frozen dataclasses, free of any vendor's field names, so a port can be
faked in tests and an adapter swapped without touching the rest of the skill.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

MediaKind = Literal["movie", "tv"]


@dataclass(frozen=True, slots=True)
class Ratings:
    tmdb: float | None = None
    imdb: float | None = None
    rotten_tomatoes: int | None = None  # percent
    metacritic: int | None = None  # out of 100
    kinopoisk: float | None = None

    def merged(self, other: Ratings) -> Ratings:
        """Fields of ``self`` win; gaps are filled from ``other``."""
        return Ratings(
            tmdb=self.tmdb if self.tmdb is not None else other.tmdb,
            imdb=self.imdb if self.imdb is not None else other.imdb,
            rotten_tomatoes=(
                self.rotten_tomatoes if self.rotten_tomatoes is not None else other.rotten_tomatoes
            ),
            metacritic=self.metacritic if self.metacritic is not None else other.metacritic,
            kinopoisk=self.kinopoisk if self.kinopoisk is not None else other.kinopoisk,
        )


@dataclass(frozen=True, slots=True)
class TitleHit:
    """One line of a title search: enough to pick, not enough to show a card."""

    kind: MediaKind
    tmdb_id: int
    title: str
    original_title: str
    year: int | None = None
    overview: str = ""
    poster_url: str | None = None
    rating: float | None = None
    popularity: float = 0.0
    genre_ids: tuple[int, ...] = ()  # TMDB genre ids, for taste and the blocklist


@dataclass(frozen=True, slots=True)
class CastMember:
    tmdb_id: int
    name: str
    character: str = ""


@dataclass(frozen=True, slots=True)
class Episode:
    season: int
    episode: int
    air_date: str | None = None
    name: str = ""


@dataclass(frozen=True, slots=True)
class Season:
    number: int
    episode_count: int
    air_date: str | None = None
    name: str = ""


@dataclass(frozen=True, slots=True)
class Title:
    """A film or series with everything its card shows."""

    kind: MediaKind
    tmdb_id: int
    title: str
    original_title: str
    year: int | None = None
    overview: str = ""
    poster_url: str | None = None
    genres: tuple[str, ...] = ()
    genre_ids: tuple[int, ...] = ()
    runtime: int | None = None  # minutes (episode runtime for series)
    imdb_id: str | None = None
    directors: tuple[str, ...] = ()
    cast: tuple[CastMember, ...] = ()
    ratings: Ratings = field(default_factory=Ratings)
    recommendations: tuple[TitleHit, ...] = ()
    seasons: tuple[Season, ...] = ()
    next_episode: Episode | None = None
    last_episode: Episode | None = None
    # release facts for monitors (ISO dates): the first release (theatrical or premiere), the
    # earliest digital one known, and TMDB's status ("Released", "Post Production", "Ended"…)
    release_date: str | None = None
    digital_release: str | None = None
    status: str = ""


@dataclass(frozen=True, slots=True)
class Person:
    tmdb_id: int
    name: str
    biography: str = ""
    birthday: str | None = None
    place_of_birth: str | None = None
    department: str = ""
    photo_url: str | None = None
    known_for: tuple[TitleHit, ...] = ()


@dataclass(frozen=True, slots=True)
class TorrentQuery:
    """What to look for on trackers; ids let Torznab indexers search exactly."""

    title: str
    original_title: str | None = None
    year: int | None = None
    kind: MediaKind | None = None
    season: int | None = None
    episode: int | None = None
    imdb_id: str | None = None
    tmdb_id: int | None = None
    user_id: int | None = None  # whose tracker credentials to use, where a source needs them

    @property
    def text(self) -> str:
        """The free-text query trackers get: the title and the year when known."""
        base = self.original_title or self.title
        return f"{base} {self.year}" if self.year and self.kind != "tv" else base


@dataclass(frozen=True, slots=True)
class TorrentResult:
    """One release as one tracker lists it."""

    source: str  # adapter name, e.g. "torapi"
    tracker: str  # where it lives, e.g. "RuTor"
    name: str
    size: int  # bytes; 0 when unknown
    seeders: int
    leechers: int = 0
    info_hash: str | None = None  # 40 lowercase hex characters
    magnet: str | None = None
    torrent_url: str | None = None
    page_url: str | None = None
    ref: str | None = None  # the source's own id, to fetch a magnet later
    published: str | None = None
    category: str | None = None  # the tracker's section: "Movies (2045)", "Саундтреки к фильмам"
