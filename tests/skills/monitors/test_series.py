"""Following a series from its card: the newly aired episode is found by SxxEyy and told
once; a follower from a later season hears nothing yet."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.fakes.clock import FakeClock
from tests.skills.monitors.support import START, Board, pushes, rutor, settings, world
from tests.support.fake_telegram import FakeTelegram
from tests.support.fixture_server import FixtureServer

DAN, EVE = 701, 702
NEW = "Slow Horses (2022): S06E05 is out!"


async def test_a_followed_series_is_told_of_the_newly_aired_episode_once(
    server: FixtureServer, fake: FakeTelegram, clock: FakeClock, board: Board, tmp_path: Path
) -> None:
    board.releases = [rutor("Slow.Horses.S06E04.1080p.WEB-DL.H264", board=board)]
    async with world(settings(server, tmp_path), fake, clock) as w:
        await w.say(DAN, "find Slow Horses", until="Recommended")
        followed = await w.press(DAN, "📺 Follow", until="Following")
        assert "Following Slow Horses (2022)" in followed
        later = await w.say(EVE, "/follow Slow Horses from season 7", until="Following")
        assert "Starting with season 7" in later
        await w.ticks(START + timedelta(days=1))  # S06E04 aired before the follow
        assert pushes(fake, DAN, "is out!") == []
        # S06E05 airs on 2 December; its release shows up the day after
        await w.ticks(START + timedelta(days=2))
        board.releases.append(rutor("Slow.Horses.S06E05.1080p.WEB-DL.H264", board=board))
        board.releases.append(rutor("Slow.Horses.S06E05.720p.HDTV.x264", board=board, gb=1.1))
        await w.ticks(START + timedelta(days=3), step=timedelta(hours=1))
        await w.ticks(START + timedelta(days=6))
        (push,) = pushes(fake, DAN, "is out!")
        assert NEW in push and "S06E05" in push and "S06E04" not in push
        assert pushes(fake, EVE, "is out!") == []
        listed = await w.say(DAN, "/monitors", until="Auto-download is off")
        assert "last: S06E05" in listed
