"""Auto-download: the match goes to the user's own Transmission (a real daemon), the
downloads skill's completion notice follows once; the operator's global client is never
used for it, even for the owner who may use it by hand."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from daemons import RunningDaemon, make_client, make_payload, make_torrent
from tests.fakes.clock import FakeClock
from tests.skills.downloads.support import client_url
from tests.skills.memory.telegram import texts
from tests.skills.monitors.support import START, Board, own_client, pushes, rutor, settings, world
from tests.support.fake_telegram import FakeTelegram
from tests.support.fixture_server import FixtureServer

OWNER, BOB = 1, 602
READY = "✅ Downloaded and ready to watch:"


async def test_auto_download_lands_in_the_users_own_client_and_completion_is_told_once(
    server: FixtureServer, fake: FakeTelegram, clock: FakeClock, board: Board, tmp_path: Path,
    transmission_daemon: RunningDaemon,
) -> None:  # fmt: skip
    name = "Dune.Part.Three.2026.2160p.WEB-DL.HDR.auto.mkv"
    torrent = make_torrent(make_payload(transmission_daemon.download_dir, name))
    configured = settings(server, tmp_path, torrent_client_url=client_url(transmission_daemon))
    async with world(configured, fake, clock) as w:
        app = w.app
        assert app is not None
        await own_client(app, BOB, transmission_daemon)
        said = await w.say(BOB, "/monitor Dune Part Three 4K auto", until="Watching")
        assert "straight to your own torrent client" in said
        await w.say(OWNER, "/monitor Dune Part Three 4K auto", until="Watching")
        board.releases = [rutor("Dune: Part Three (2026) WEB-DL 2160p HDR", board=board,
                                torrent=torrent)]  # fmt: skip
        await w.ticks(START + timedelta(days=2))
        (push,) = pushes(fake, BOB, "is out in 2160p")
        assert f"Sent to your client: {name}" in push
        (owners,) = pushes(fake, OWNER, "is out in 2160p")
        assert "no torrent client of your own" in owners  # the global one is not theirs
        client = make_client(transmission_daemon)
        try:
            in_daemon = [t for t in await client.list() if t.name == name]
        finally:
            await client.close()
        assert len(in_daemon) == 1  # Bob's one; the owner's was never sent anywhere

        def ready() -> list[str]:
            return [t for t in texts(fake, BOB) if t.startswith(READY)]

        for _ in range(60):  # the daemon verifies the payload in its own time
            await app.scheduler.run_once("downloads.monitor")
            await w.delivered()
            if ready():
                break
            await asyncio.sleep(0.3)
        for _ in range(3):
            await app.scheduler.run_once("downloads.monitor")
            await w.delivered()
        await asyncio.sleep(0.3)
        assert ready() == [f"{READY} {name}"]
        assert [t for t in texts(fake, OWNER) if t.startswith(READY)] == []
