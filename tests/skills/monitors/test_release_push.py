"""A monitor for an unreleased film, through the real Telegram front-end (fake Bot API):
quiet while nothing or only 720p is listed, one push once 2160p is, whose buttons work,
also after a restart."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from daemons import RunningDaemon
from tests.fakes.clock import FakeClock
from tests.skills.monitors.support import (
    START,
    Board,
    own_client,
    pushes,
    rutor,
    settings,
    world,
)
from tests.support.fake_telegram import FakeTelegram
from tests.support.fixture_server import FixtureServer

ANN = 501
OUT = "Dune: Part Three (2026) is out in 2160p"
UHD = "Dune: Part Three (2026) UHD WEB-DL 2160p | HDR | D | Лицензия"


async def test_quiet_until_2160p_is_listed_then_one_push_whose_buttons_work_after_a_restart(
    server: FixtureServer, fake: FakeTelegram, clock: FakeClock, board: Board, tmp_path: Path,
    transmission_daemon: RunningDaemon,
) -> None:  # fmt: skip
    async with world(settings(server, tmp_path), fake, clock) as w:
        said = await w.say(ANN, "tell me when Dune Part Three is out in 4K", until="Watching")
        assert "Watching for Dune: Part Three (2026) in 2160p" in said
        await w.ticks(START + timedelta(days=2))  # nothing listed yet
        board.releases = [rutor("Dune: Part Three (2026) WEB-DL 720p | P", board=board)]
        await w.ticks(START + timedelta(days=4))  # a 720p release is no 4K release
        assert pushes(fake, ANN, "is out") == []
        board.releases.append(rutor(UHD, board=board, gb=48.5, seeds=120))
        await w.ticks(START + timedelta(days=6))
        assert len(pushes(fake, ANN, OUT)) == 1
        await w.ticks(START + timedelta(days=9))  # later checks push nothing again
        assert len(pushes(fake, ANN, "is out")) == 1
        push = pushes(fake, ANN, OUT)[0]
        assert "UHD WEB-DL 2160p" in push and "720p" not in push
        shown = await w.press(ANN, "1 · 🧲 Magnet", until="magnet:?xt=urn:btih:")
        assert "Dune: Part Three" in shown

        await w.stop()  # the operator restarts Concierge: a new app on the same database
        app = await w.start()
        await own_client(app, ANN, transmission_daemon)
        again = await w.press(ANN, "1 · 🧲 Magnet", until="magnet:?xt=urn:btih:")
        assert "expired" not in again
        added = await w.press(ANN, "1 · 📥 Send to my client", until="Added to your client")
        assert "Dune.Part.Three.2026.UHD.WEB.DL.2160p" in added
        listed = await w.press(ANN, "🔔 My monitors", until="Auto-download is off")
        assert "✅ found" in listed
