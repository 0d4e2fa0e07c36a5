"""The taste world every memory test starts from: the Dune fixtures plus similar titles."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.fixture_server import FixtureServer
from tests.support.memory_fixtures import memory_routes


@pytest.fixture
def server() -> Iterator[FixtureServer]:
    with FixtureServer(memory_routes()) as srv:
        yield srv
