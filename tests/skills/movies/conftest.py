"""The Dune: Part Two world every movies test starts from: fixture APIs and the real app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.skills.movies.harness import MoviesWorld, movies_settings
from tests.support.fixture_server import FixtureServer
from tests.support.movie_fixtures import movie_routes


@pytest.fixture
def server() -> Iterator[FixtureServer]:
    """Every service answering the Dune scenario; its ``hits`` count outbound calls."""
    with FixtureServer(movie_routes()) as srv:
        yield srv


@pytest.fixture
async def world(server: FixtureServer, tmp_path: Path) -> AsyncIterator[MoviesWorld]:
    w = await MoviesWorld.start(movies_settings(server, tmp_path))
    try:
        yield w
    finally:
        await w.close()
