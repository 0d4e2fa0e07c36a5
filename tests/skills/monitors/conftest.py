"""Fixtures of the monitors' tests: the board, the fixture server, the fake Bot API, the clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.clock import FakeClock
from tests.skills.monitors.support import START, Board, routes
from tests.support.fake_telegram import FakeTelegram
from tests.support.fixture_server import FixtureServer


@pytest.fixture
def board(tmp_path: Path) -> Board:
    return Board(scratch=tmp_path / "payloads")


@pytest.fixture
def server(board: Board) -> Iterator[FixtureServer]:
    with FixtureServer(routes(board)) as srv:
        board.base_url = srv.url
        yield srv


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    bot = FakeTelegram().start()
    try:
        yield bot
    finally:
        bot.stop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)
