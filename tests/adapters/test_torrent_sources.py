"""TorAPI, apibay and Torznab against fixtures shaped like their documented answers
(the failure matrix they share with every movies source is in test_source_failures.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from concierge.adapters.apibay import ApibaySource
from concierge.adapters.errors import (
    AuthFailed,
)
from concierge.adapters.http import HttpFactory
from concierge.adapters.torapi import TorApiSource
from concierge.adapters.torznab import TorznabSource, split_endpoint
from concierge.skills.movies.domain import TorrentQuery
from tests.support.fixture_server import (
    FixtureServer,
    fixture_file,
)
from tests.support.movie_fixtures import (
    APIBAY,
    DUNE_QUERY,
    FIXTURES,
    TORAPI,
    TORZNAB,
    movie_routes,
    torznab_routes,
)

DUNE = DUNE_QUERY


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
    assert remux.category == "UHD Video"
    soundtrack = next(r for r in results if r.ref == "rutracker:6501234")
    assert soundtrack.category == "Саундтреки к фильмам (lossy)"


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
    assert results[0].category == "Video (211)"


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
    assert query == {
        "t": "movie",
        "cat": "2000",
        "imdbid": "tt15239678",
        "tmdbid": "693134",
        "apikey": "jackett-key",
    }
    assert [r.tracker for r in results] == ["1337x", "RuTracker.RU"]
    assert results[0].category == "Movies (2000)"
    assert results[0].seeders == 210 and results[0].leechers == 50
    assert results[1].magnet is not None  # built from the infohash attribute


async def test_torznab_episode_search_by_ids_with_season_and_episode(
    http: HttpFactory, server: FixtureServer
) -> None:
    source = TorznabSource(http, endpoint=f"{server.url}{TORZNAB}?apikey=jackett-key")
    episode = TorrentQuery(
        title="Разделение",
        original_title="Severance",
        kind="tv",
        season=2,
        episode=3,
        imdb_id="tt11280740",
        tmdb_id=95396,
    )
    await source.search(episode)
    assert server.hits_for(TORZNAB)[-1].query == {
        "t": "tvsearch",
        "cat": "5000",
        "imdbid": "tt11280740",
        "tmdbid": "95396",
        "season": "2",
        "ep": "3",
        "apikey": "jackett-key",
    }


async def test_torznab_empty_feed_means_no_results(http: HttpFactory) -> None:
    with FixtureServer(torznab_routes(search="torznab/search_empty.xml")) as srv:
        source = TorznabSource(http, endpoint=f"{srv.url}{TORZNAB}?apikey=jackett-key")
        assert await source.search(DUNE) == []


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
