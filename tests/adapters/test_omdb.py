"""OMDb ratings by IMDb id."""

from __future__ import annotations

from pathlib import Path

import pytest

from concierge.adapters.errors import AuthFailed, NotFound, RateLimited
from concierge.adapters.http import HttpFactory
from concierge.adapters.omdb import OmdbRatings
from concierge.skills.movies.domain import Title
from tests.support.fixture_server import FixtureServer, fixture_file
from tests.support.movie_fixtures import FIXTURES, OMDB

DUNE = Title("movie", 693134, "Дюна: Часть вторая", "Dune: Part Two", imdb_id="tt15239678")


def omdb(tmp_path: Path, server: FixtureServer) -> OmdbRatings:
    return OmdbRatings(
        HttpFactory(tmp_path, timeout=1, backoff=0.01),
        base_url=server.url + OMDB,
        api_key="omdbkey",
    )


async def test_ratings_by_imdb_id_not_by_localized_title(tmp_path: Path) -> None:
    with FixtureServer({f"{OMDB}/": fixture_file(FIXTURES / "omdb/tt15239678.json")}) as srv:
        ratings = await omdb(tmp_path, srv).ratings(DUNE)
        assert (ratings.imdb, ratings.rotten_tomatoes, ratings.metacritic) == (8.5, 92, 79)
        assert srv.hits[0].query == {"i": "tt15239678", "apikey": "omdbkey"}


async def test_partial_ratings_leave_gaps(tmp_path: Path) -> None:
    with FixtureServer(
        {f"{OMDB}/": fixture_file(FIXTURES / "omdb/tt11280740_partial.json")}
    ) as srv:
        ratings = await omdb(tmp_path, srv).ratings(DUNE)
        assert (
            ratings.imdb == 8.7 and ratings.rotten_tomatoes is None and ratings.metacritic is None
        )


async def test_title_without_imdb_id_costs_no_call(tmp_path: Path) -> None:
    with FixtureServer({}) as srv:
        assert (await omdb(tmp_path, srv).ratings(Title("movie", 1, "X", "X"))).imdb is None
        assert srv.hits == []


@pytest.mark.parametrize(
    ("fixture", "status", "error"),
    [
        ("omdb/not_found.json", 200, NotFound),
        ("omdb/invalid_key.json", 401, AuthFailed),
        ("omdb/limit.json", 401, RateLimited),
    ],
)
async def test_error_answers(
    tmp_path: Path, fixture: str, status: int, error: type[Exception]
) -> None:
    with FixtureServer({f"{OMDB}/": fixture_file(FIXTURES / fixture, status=status)}) as srv:
        with pytest.raises(error) as err:
            await omdb(tmp_path, srv).ratings(DUNE)
        assert "omdbkey" not in str(err.value)
