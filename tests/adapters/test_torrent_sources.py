"""TorAPI, apibay and Torznab against fixtures shaped like their documented answers,
plus the failure matrix every torrent source must survive with a typed error."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from concierge.adapters.apibay import ApibaySource
from concierge.adapters.errors import (
    AuthFailed,
    BadResponse,
    Blocked,
    ExternalServiceError,
    RateLimited,
    SourceTimeout,
    SourceUnavailable,
)
from concierge.adapters.http import HttpFactory
from concierge.adapters.torapi import TorApiSource
from concierge.adapters.torznab import TorznabSource, split_endpoint
from concierge.skills.movies.domain import TorrentQuery, TorrentResult
from tests.support.fixture_server import (
    FixtureServer,
    Handler,
    fixture_file,
    hang,
    json_response,
    text,
)
from tests.support.movie_fixtures import (
    APIBAY,
    FIXTURES,
    TORAPI,
    TORZNAB,
    movie_routes,
    torznab_routes,
)

DUNE = TorrentQuery(
    title="Дюна: Часть вторая",
    original_title="Dune: Part Two",
    year=2024,
    kind="movie",
    imdb_id="tt15239678",
    tmdb_id=693134,
)


@pytest.fixture(scope="module")
def server() -> Iterator[FixtureServer]:
    with FixtureServer({**movie_routes(), **torznab_routes()}) as srv:
        yield srv


@pytest.fixture
def http(tmp_path: Path) -> HttpFactory:
    return HttpFactory(tmp_path, timeout=0.4, retries=1, backoff=0.01)


async def test_torapi_all_trackers_in_one_call(http: HttpFactory, server: FixtureServer) -> None:
    results = await TorApiSource(http, base_url=server.url + TORAPI).search(DUNE)
    assert {r.tracker for r in results} == {"RuTracker", "RuTor", "NoNameClub"}
    hit = server.hits_for(f"{TORAPI}/api/search/title/all")[-1]
    assert hit.query == {"query": "Dune: Part Two 2024", "page": "0"}
    rutor = [r for r in results if r.tracker == "RuTor"]
    assert all(
        r.info_hash and r.magnet and r.magnet.startswith("magnet:?xt=urn:btih:") for r in rutor
    )
    remux = next(r for r in results if r.ref == "rutracker:6522121")
    assert remux.info_hash is None and remux.magnet is None
    assert remux.seeders == 97 and remux.size == int(78.12 * 1024**3)


async def test_torapi_magnet_on_demand(http: HttpFactory, server: FixtureServer) -> None:
    source = TorApiSource(http, base_url=server.url + TORAPI)
    remux = next(r for r in await source.search(DUNE) if r.ref == "rutracker:6522121")
    magnet = await source.magnet(remux)
    assert magnet.startswith("magnet:?xt=urn:btih:")
    assert server.hits_for(f"{TORAPI}/api/search/id/rutracker")[-1].query == {"query": "6522121"}


async def test_torapi_no_matches_anywhere(http: HttpFactory) -> None:
    routes = {
        f"{TORAPI}/api/search/title/all": fixture_file(FIXTURES / "torapi/search_all_empty.json")
    }
    with FixtureServer(routes) as srv:
        assert await TorApiSource(http, base_url=srv.url + TORAPI).search(DUNE) == []


async def test_torapi_trackers_down_inside_the_answer(http: HttpFactory) -> None:
    routes = {
        f"{TORAPI}/api/search/title/all": fixture_file(FIXTURES / "torapi/search_all_partial.json")
    }
    with FixtureServer(routes) as srv:
        results = await TorApiSource(http, base_url=srv.url + TORAPI).search(DUNE)
        assert [r.tracker for r in results] == ["RuTor"]


async def test_apibay_results_and_magnets(http: HttpFactory, server: FixtureServer) -> None:
    results = await ApibaySource(http, base_url=server.url + APIBAY).search(DUNE)
    assert len(results) == 6
    assert all(r.tracker == "PirateBay" and r.info_hash == r.info_hash.lower() for r in results)  # type: ignore[union-attr]
    assert server.hits_for(f"{APIBAY}/q.php")[-1].query == {
        "q": "Dune: Part Two 2024",
        "cat": "200",
    }
    assert results[0].magnet is not None and "tr=udp" in results[0].magnet


async def test_apibay_placeholder_row_means_nothing(http: HttpFactory) -> None:
    with FixtureServer({f"{APIBAY}/q.php": fixture_file(FIXTURES / "apibay/q_empty.json")}) as srv:
        assert await ApibaySource(http, base_url=srv.url + APIBAY).search(DUNE) == []


async def test_apibay_episode_query(http: HttpFactory, server: FixtureServer) -> None:
    show = TorrentQuery(title="Severance", kind="tv", season=2, episode=3)
    await ApibaySource(http, base_url=server.url + APIBAY).search(show)
    assert server.hits_for(f"{APIBAY}/q.php")[-1].query["q"] == "Severance S02E03"


def test_torznab_endpoint_keeps_apikey_secret() -> None:
    endpoint = split_endpoint(
        "http://jackett:9117/api/v2.0/indexers/all/results/torznab/api?apikey=abc"
    )
    assert endpoint.origin == "http://jackett:9117"
    assert endpoint.path == "/api/v2.0/indexers/all/results/torznab/api"
    assert endpoint.label == "jackett/all" and endpoint.secret == {"apikey": "abc"}


async def test_torznab_uses_ids_when_caps_allow(http: HttpFactory, server: FixtureServer) -> None:
    source = TorznabSource(http, endpoint=f"{server.url}{TORZNAB}?apikey=jackett-key")
    results = await source.search(DUNE)
    query = server.hits_for(TORZNAB)[-1].query
    assert query == {"t": "movie", "cat": "2000", "imdbid": "tt15239678", "apikey": "jackett-key"}
    assert [r.tracker for r in results] == ["1337x", "RuTracker.RU"]
    assert results[0].seeders == 210 and results[0].leechers == 50
    assert results[1].magnet is not None  # built from the infohash attribute


async def test_torznab_falls_back_to_q_without_id_support(http: HttpFactory) -> None:
    with FixtureServer(torznab_routes(caps="torznab/caps_q_only.xml")) as srv:
        source = TorznabSource(http, endpoint=f"{srv.url}{TORZNAB}?apikey=jackett-key")
        await source.search(DUNE)
        await source.search(
            TorrentQuery(title="Severance", kind="tv", season=2, episode=3, imdb_id="tt11280740")
        )
        movie, show = srv.hits[-2].query, srv.hits[-1].query
        assert movie["t"] == "search" and movie["q"] == "Dune: Part Two 2024"
        assert show == {
            "t": "tvsearch",
            "cat": "5000",
            "q": "Severance",
            "season": "2",
            "ep": "3",
            "apikey": "jackett-key",
        }


async def test_torznab_bad_apikey(http: HttpFactory, server: FixtureServer) -> None:
    source = TorznabSource(http, endpoint=f"{server.url}{TORZNAB}?apikey=wrong")
    with pytest.raises(AuthFailed):
        await source.search(DUNE)


# --- the failure matrix -----------------------------------------------------------

Search = Callable[[HttpFactory, str], Awaitable[list[TorrentResult]]]


def _torapi(http: HttpFactory, url: str) -> Awaitable[list[TorrentResult]]:
    return TorApiSource(http, base_url=url + TORAPI).search(DUNE)


def _apibay(http: HttpFactory, url: str) -> Awaitable[list[TorrentResult]]:
    return ApibaySource(http, base_url=url + APIBAY).search(DUNE)


async def _torznab(http: HttpFactory, url: str) -> list[TorrentResult]:
    return await TorznabSource(http, endpoint=f"{url}{TORZNAB}?apikey=k").search(DUNE)


SOURCES: dict[str, tuple[Search, str]] = {
    "torapi": (_torapi, f"{TORAPI}/api/search/title/all"),
    "apibay": (_apibay, f"{APIBAY}/q.php"),
    "torznab": (_torznab, TORZNAB),
}
FAILURES: dict[str, tuple[Handler, type[ExternalServiceError]]] = {
    "429": (json_response({}, 429, {"Retry-After": "600"}), RateLimited),
    "5xx": (text("Bad gateway", 502), SourceUnavailable),
    "timeout": (hang(3), SourceTimeout),
    "malformed": (text("{[<", 200, "application/json"), BadResponse),
    "blocked": (text("<h1>Доступ к информационному ресурсу ограничен</h1>"), Blocked),
}


@pytest.mark.parametrize("failure", list(FAILURES))
@pytest.mark.parametrize("source", list(SOURCES))
async def test_failures_are_typed(http: HttpFactory, source: str, failure: str) -> None:
    search, path = SOURCES[source]
    handler, error = FAILURES[failure]
    with FixtureServer({path: handler}) as srv, pytest.raises(error):
        await search(http, srv.url)
