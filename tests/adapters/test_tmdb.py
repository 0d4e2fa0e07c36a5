"""TMDB adapter against fixtures shaped like TMDB v3 answers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from concierge.adapters.errors import AuthFailed, NotFound, RateLimited
from concierge.adapters.http import HttpFactory
from concierge.adapters.tmdb import TmdbCatalog, tmdb_secrets
from tests.support.fixture_server import FixtureServer, fixture_file, json_response
from tests.support.movie_fixtures import FIXTURES, TMDB, movie_routes

V4_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJhYmMiLCJzdWIiOiJ4eXoifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ"


@pytest.fixture(scope="module")
def server() -> Iterator[FixtureServer]:
    routes = movie_routes()
    routes[f"{TMDB}/movie/1"] = fixture_file(FIXTURES / "tmdb/error_404.json", status=404)
    with FixtureServer(routes) as srv:
        yield srv


def catalog(tmp_path: Path, server: FixtureServer, key: str = "v3key") -> TmdbCatalog:
    http = HttpFactory(tmp_path, timeout=1, backoff=0.01)
    return TmdbCatalog(
        http, base_url=server.url + TMDB, image_base_url="https://image.tmdb.org/t/p", api_key=key
    )


def test_v4_token_goes_in_a_bearer_header_and_v3_key_in_the_query() -> None:
    assert tmdb_secrets(V4_TOKEN).headers == {"Authorization": f"Bearer {V4_TOKEN}"}
    assert tmdb_secrets("0123456789abcdef").params == {"api_key": "0123456789abcdef"}


async def test_search_in_russian_keeps_original_title(
    tmp_path: Path, server: FixtureServer
) -> None:
    hits = await catalog(tmp_path, server).search("Дюна", kind="movie", lang="ru")
    assert [h.title for h in hits][:2] == ["Дюна: Часть вторая", "Дюна"]
    assert hits[0].original_title == "Dune: Part Two"
    assert hits[0].year == 2024
    assert hits[0].poster_url == "https://image.tmdb.org/t/p/w500/1pdfLvkbY9ohJlCjQH2CZjjYVvJ.jpg"
    assert server.hits_for(f"{TMDB}/search/movie")[-1].query["language"] == "ru-RU"


async def test_v4_token_is_sent_as_bearer(tmp_path: Path, server: FixtureServer) -> None:
    await catalog(tmp_path, server, V4_TOKEN).search("Dune", kind="movie", lang="en")
    hit = server.hits_for(f"{TMDB}/search/movie")[-1]
    assert hit.headers["authorization"] == f"Bearer {V4_TOKEN}"
    assert "api_key" not in hit.query


async def test_movie_details_with_credits_ids_and_recommendations(
    tmp_path: Path, server: FixtureServer
) -> None:
    title = await catalog(tmp_path, server).details("movie", 693134, lang="en")
    assert title.title == "Dune: Part Two"
    assert title.imdb_id == "tt15239678"
    assert title.runtime == 167
    assert title.genres == ("Science Fiction", "Adventure")
    assert title.directors == ("Denis Villeneuve",)
    assert [c.name for c in title.cast[:3]] == ["Timothée Chalamet", "Zendaya", "Rebecca Ferguson"]
    assert title.ratings.tmdb == pytest.approx(8.152)
    assert title.recommendations[0].tmdb_id == 438631
    assert server.hits_for(f"{TMDB}/movie/693134")[-1].query["append_to_response"] == (
        "credits,external_ids,recommendations,similar,release_dates"
    )
    assert title.genre_ids == (878, 12)


async def test_movie_release_facts_for_monitors(tmp_path: Path, server: FixtureServer) -> None:
    """The earliest digital (type 4) date of any country, the first release, the status."""
    title = await catalog(tmp_path, server).details("movie", 693134, lang="en")
    assert title.release_date == "2024-02-27"
    assert title.digital_release == "2024-04-16"
    assert title.status == "Released"


async def test_tv_details_seasons_and_next_episode(tmp_path: Path, server: FixtureServer) -> None:
    show = await catalog(tmp_path, server).details("tv", 95396, lang="en")
    assert show.kind == "tv" and show.title == "Severance"
    assert show.imdb_id == "tt11280740"
    assert [s.number for s in show.seasons] == [1, 2]
    assert show.next_episode is not None and (
        show.next_episode.season,
        show.next_episode.episode,
    ) == (3, 1)
    assert show.directors == ("Dan Erickson",)
    assert show.runtime == 50


async def test_multi_search_skips_people(tmp_path: Path, server: FixtureServer) -> None:
    hits = await catalog(tmp_path, server).search("Dune", kind="multi", lang="en")
    assert {h.kind for h in hits} == {"movie"}


async def test_person_and_person_search(tmp_path: Path, server: FixtureServer) -> None:
    tmdb = catalog(tmp_path, server)
    people = await tmdb.search_person("Chalamet", lang="en")
    assert people[0].tmdb_id == 1190668 and people[0].known_for
    person = await tmdb.person(1190668, lang="en")
    assert person.birthday == "1995-12-27"
    assert {k.tmdb_id for k in person.known_for} == {693134, 438631}


async def test_unknown_id_is_not_found(tmp_path: Path, server: FixtureServer) -> None:
    with pytest.raises(NotFound):
        await catalog(tmp_path, server).details("movie", 1, lang="en")


async def test_bad_key_and_rate_limit(tmp_path: Path) -> None:
    routes = {
        f"{TMDB}/search/movie": fixture_file(FIXTURES / "tmdb/error_401.json", status=401),
        f"{TMDB}/search/tv": json_response({"status_code": 25}, 429, {"Retry-After": "30"}),
    }
    with FixtureServer(routes) as srv:
        tmdb = catalog(tmp_path, srv)
        with pytest.raises(AuthFailed):
            await tmdb.search("Dune", kind="movie", lang="en")
        with pytest.raises(RateLimited):
            await tmdb.search("Dune", kind="tv", lang="en")


async def test_empty_search(tmp_path: Path) -> None:
    routes = {f"{TMDB}/search/movie": fixture_file(FIXTURES / "tmdb/search_empty.json")}
    with FixtureServer(routes) as srv:
        assert await catalog(tmp_path, srv).search("zzzz", kind="movie", lang="en") == []
