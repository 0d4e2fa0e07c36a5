"""The failure matrix every service the movies skill calls must survive: each way a
service can fail (rate limit, 5xx, hang, garbage, a block page) comes back as one
typed error naming the source, never as "no results" and never with a secret in it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from concierge.adapters.apibay import ApibaySource
from concierge.adapters.errors import (
    BadResponse,
    Blocked,
    ExternalServiceError,
    RateLimited,
    SourceTimeout,
    SourceUnavailable,
)
from concierge.adapters.http import HttpFactory
from concierge.adapters.kinopoisk import KinopoiskRatings
from concierge.adapters.omdb import OmdbRatings
from concierge.adapters.rutracker import SESSION_KEY, RutrackerSource
from concierge.adapters.tmdb import TmdbCatalog
from concierge.adapters.torapi import TorApiSource
from concierge.adapters.torznab import TorznabSource
from concierge.skills.movies.domain import Title
from tests.support.fixture_server import FixtureServer, Handler, hang, json_response, text
from tests.support.movie_fixtures import (
    APIBAY,
    DUNE_QUERY,
    KINOPOISK,
    OMDB,
    RUTRACKER,
    TMDB,
    TORAPI,
    TORZNAB,
    MemoryCredentials,
)

SECRET = "s3cret-key-123"
DUNE = DUNE_QUERY
DUNE_TITLE = Title("movie", 693134, "Dune: Part Two", "Dune: Part Two", imdb_id="tt15239678")

Call = Callable[[HttpFactory, str], Awaitable[object]]


def _torapi(http: HttpFactory, url: str) -> Awaitable[object]:
    return TorApiSource(http, base_url=url + TORAPI).search(DUNE)


def _apibay(http: HttpFactory, url: str) -> Awaitable[object]:
    return ApibaySource(http, base_url=url + APIBAY).search(DUNE)


def _torznab(http: HttpFactory, url: str) -> Awaitable[object]:
    return TorznabSource(http, endpoint=f"{url}{TORZNAB}?apikey={SECRET}").search(DUNE)


def _rutracker(http: HttpFactory, url: str) -> Awaitable[object]:
    source = RutrackerSource(
        http,
        base_url=url + RUTRACKER,
        credentials=MemoryCredentials({(0, SESSION_KEY): "live-session"}),  # a live session
        operator_username="operator",
        operator_password=SECRET,
    )
    return source.search(DUNE)


def _tmdb(http: HttpFactory, url: str) -> Awaitable[object]:
    catalog = TmdbCatalog(
        http, base_url=url + TMDB, image_base_url="https://image.tmdb.org/t/p", api_key=SECRET
    )
    return catalog.search("Dune: Part Two", kind="movie", lang="en")


def _omdb(http: HttpFactory, url: str) -> Awaitable[object]:
    return OmdbRatings(http, base_url=url + OMDB, api_key=SECRET).ratings(DUNE_TITLE)


def _kinopoisk(http: HttpFactory, url: str) -> Awaitable[object]:
    return KinopoiskRatings(http, base_url=url + KINOPOISK, api_key=SECRET).ratings(DUNE_TITLE)


# Each source: how to call it, and the path the failure answers on.
SOURCES: dict[str, tuple[Call, str]] = {
    "torapi": (_torapi, f"{TORAPI}/api/search/title/all"),
    "apibay": (_apibay, f"{APIBAY}/q.php"),
    "torznab": (_torznab, TORZNAB),
    "rutracker": (_rutracker, f"{RUTRACKER}/forum/tracker.php"),
    "tmdb": (_tmdb, f"{TMDB}/search/movie"),
    "omdb": (_omdb, f"{OMDB}/"),
    "kinopoisk": (_kinopoisk, f"{KINOPOISK}/api/v2.2/films"),
}
FAILURES: dict[str, tuple[Handler, type[ExternalServiceError]]] = {
    "429": (json_response({}, 429, {"Retry-After": "600"}), RateLimited),
    "5xx": (text("Bad gateway", 502), SourceUnavailable),
    "timeout": (hang(3), SourceTimeout),
    "malformed": (text("{[<", 200, "application/json"), BadResponse),
    "blocked": (text("<h1>Доступ к информационному ресурсу ограничен</h1>"), Blocked),
}


@pytest.fixture
def http(tmp_path: Path) -> HttpFactory:
    return HttpFactory(tmp_path, timeout=0.4, retries=1, backoff=0.01)


@pytest.mark.parametrize("failure", list(FAILURES))
@pytest.mark.parametrize("source", list(SOURCES))
async def test_failures_are_typed(http: HttpFactory, source: str, failure: str) -> None:
    call, path = SOURCES[source]
    handler, error = FAILURES[failure]
    with FixtureServer({path: handler}) as srv, pytest.raises(error) as raised:
        await call(http, srv.url)
    assert raised.value.source.startswith(source)
    assert SECRET not in str(raised.value)
