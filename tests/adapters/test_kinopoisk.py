"""Kinopoisk rating through the unofficial API, matched by IMDb id."""

from __future__ import annotations

from pathlib import Path

import pytest

from concierge.adapters.errors import AuthFailed, RateLimited
from concierge.adapters.http import HttpFactory
from concierge.adapters.kinopoisk import KinopoiskRatings
from concierge.skills.movies.domain import Title
from tests.support.fixture_server import FixtureServer, fixture_file
from tests.support.movie_fixtures import FIXTURES, KINOPOISK

DUNE = Title("movie", 693134, "Dune: Part Two", "Dune: Part Two", imdb_id="tt15239678")
PATH = f"{KINOPOISK}/api/v2.2/films"


def kp(tmp_path: Path, server: FixtureServer) -> KinopoiskRatings:
    return KinopoiskRatings(
        HttpFactory(tmp_path, timeout=1, backoff=0.01),
        base_url=server.url + KINOPOISK,
        api_key="kp-key",
    )


async def test_rating_found_by_imdb_id_with_key_header(tmp_path: Path) -> None:
    with FixtureServer({PATH: fixture_file(FIXTURES / "kinopoisk/films_tt15239678.json")}) as srv:
        ratings = await kp(tmp_path, srv).ratings(DUNE)
        assert ratings.kinopoisk == 8.3
        assert srv.hits[0].query == {"imdbId": "tt15239678"}
        assert srv.hits[0].headers["x-api-key"] == "kp-key"


async def test_no_match_means_no_rating(tmp_path: Path) -> None:
    with FixtureServer({PATH: fixture_file(FIXTURES / "kinopoisk/films_empty.json")}) as srv:
        assert (await kp(tmp_path, srv).ratings(DUNE)).kinopoisk is None


@pytest.mark.parametrize(
    ("fixture", "status", "error"),
    [("kinopoisk/error_401.json", 401, AuthFailed), ("kinopoisk/error_402.json", 402, RateLimited)],
)
async def test_key_and_quota_errors(
    tmp_path: Path, fixture: str, status: int, error: type[Exception]
) -> None:
    routes = {PATH: fixture_file(FIXTURES / fixture, status=status)}
    with FixtureServer(routes) as srv, pytest.raises(error):
        await kp(tmp_path, srv).ratings(DUNE)
