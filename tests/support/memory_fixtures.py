"""The Dune world plus what taste tests need: TMDB "similar" titles and one more film.

``memory_routes()`` is ``movie_routes()`` with the Dune: Part Two details
answering ``append_to_response=...,similar`` as TMDB does (a ``similar`` page
of four films, one of them a horror), and Interstellar's details, so a card can
be opened from the suggestions.
"""

from __future__ import annotations

import json
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from tests.support.fixture_server import Handler, fixture_file
from tests.support.movie_fixtures import FIXTURES as MOVIE_FIXTURES
from tests.support.movie_fixtures import TMDB, movie_routes

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "memory"


def _dune_with_similar() -> Handler:
    async def handle(request: Request) -> Response:
        lang = "ru" if request.query_params.get("language", "en-US").startswith("ru") else "en"
        data = json.loads((MOVIE_FIXTURES / f"tmdb/movie_693134_{lang}.json").read_text())
        if "similar" in request.query_params.get("append_to_response", ""):
            data["similar"] = json.loads(
                (FIXTURES / f"tmdb/similar_693134_{lang}.json").read_text()
            )
        return Response(json.dumps(data, ensure_ascii=False), media_type="application/json")

    return handle


def memory_routes() -> dict[str, Handler]:
    routes = movie_routes()
    routes[f"{TMDB}/movie/693134"] = _dune_with_similar()
    routes[f"{TMDB}/movie/157336"] = fixture_file(FIXTURES / "tmdb/movie_157336_en.json")
    return routes
