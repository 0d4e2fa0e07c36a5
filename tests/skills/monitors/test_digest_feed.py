"""What a monitor found leads the user's next digest (the two skills wired as in the app)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.fakes.clock import FakeClock
from tests.skills.monitors.support import START, Board, pushes, rutor, settings, world
from tests.support.fake_telegram import FakeTelegram
from tests.support.fixture_server import FixtureServer

ANN = 502
UHD = "Dune: Part Three (2026) UHD WEB-DL 2160p | HDR | D | Лицензия"


async def test_a_monitor_match_is_in_todays_digest(
    server: FixtureServer, fake: FakeTelegram, clock: FakeClock, board: Board, tmp_path: Path
) -> None:
    async with world(settings(server, tmp_path), fake, clock) as w:
        await w.say(ANN, "tell me when Dune Part Three is out in 4K", until="Watching")
        board.releases = [rutor(UHD, board=board, gb=48.5, seeds=120)]
        await w.ticks(START + timedelta(hours=12))  # found within the day
        assert len(pushes(fake, ANN, "is out in 2160p")) == 1
        digest = await w.say(ANN, "/digest now", until="Dune")
    assert "🎯 Dune: Part Three (2026) — found: 2160p" in digest
    assert UHD in digest
