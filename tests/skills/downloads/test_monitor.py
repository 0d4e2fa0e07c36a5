"""Completion notices against the real daemons: once, across restarts, retried.

Payload names carry a random suffix: the same test runs on SQLite and on Postgres against
one session daemon, and must not overwrite a file the previous run's torrent is seeding.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from concierge.core.access import Role
from concierge.core.jobs import JobState
from concierge.skills.downloads.models import DownloadRow
from concierge.skills.downloads.service import ClientPolicy
from daemons import RunningDaemon, make_client, make_payload, make_torrent, random_magnet
from tests.skills.downloads.support import Downloads, client_config


def fresh_payload(daemon: RunningDaemon, stem: str) -> Path:
    """A file already where the daemon saves, so its torrent completes on the first check."""
    return make_payload(daemon.download_dir, f"{stem}.{secrets.token_hex(3)}.mkv")


async def wait_finished(d: Downloads, within: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while await d.monitor.poll() == 0:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the daemon never reported the download complete")
        await asyncio.sleep(0.3)


async def test_completion_is_announced_once_even_across_a_restart(
    downloads: Downloads, torrent_daemon: RunningDaemon
) -> None:
    """On each of Transmission, qBittorrent and Deluge."""
    d = downloads.rebuilt(ClientPolicy(global_client=client_config(torrent_daemon)))
    owner = await d.user(1, Role.OWNER)
    payload = fresh_payload(torrent_daemon, "Monitor.Once.2021.1080p")
    added = await d.service.send(owner, "telegram:1", torrent=make_torrent(payload))
    assert added.name == payload.name
    try:
        restarted = d.rebuilt()  # the bot restarts between adding and completing
        await wait_finished(restarted)
        await restarted.send_owed()
        again = restarted.rebuilt()
        for _ in range(2):
            await again.monitor.run()
            await again.jobs.run_until_idle()
    finally:
        client = make_client(torrent_daemon)
        await client.remove(added.info_hash)
        await client.close()

    assert d.inbox.received[1] == [f"✅ Downloaded and ready to watch: {payload.name}"]


async def test_undelivered_notice_is_kept_logged_and_retried(
    downloads: Downloads, transmission_daemon: RunningDaemon
) -> None:
    d = downloads.rebuilt(ClientPolicy(global_client=client_config(transmission_daemon)))
    owner = await d.user(1, Role.OWNER)
    payload = fresh_payload(transmission_daemon, "Retry.Later.2020")
    await d.service.send(owner, "telegram:1", torrent=make_torrent(payload))
    await wait_finished(d)

    d.inbox.failing = "Telegram is down"
    assert await d.send_owed() == []
    [job] = await d.jobs.list(kind="notify.send")
    assert (job.state, job.attempts) == (JobState.QUEUED, 1)
    assert job.error is not None and "Telegram is down" in job.error

    d.inbox.failing = None
    assert await d.send_owed() == []  # the back-off has not passed yet
    d.clock.advance(timedelta(hours=2))
    assert await d.send_owed() == [f"✅ Downloaded and ready to watch: {payload.name}"]
    d.clock.advance(timedelta(hours=2))
    assert await d.send_owed() == []
    assert d.inbox.received[1] == [f"✅ Downloaded and ready to watch: {payload.name}"]


async def test_in_progress_downloads_are_not_announced(
    downloads: Downloads, transmission_daemon: RunningDaemon
) -> None:
    d = downloads.rebuilt(ClientPolicy(global_client=client_config(transmission_daemon)))
    owner = await d.user(1, Role.OWNER)
    magnet, info_hash = random_magnet("Nobody.Seeds.This")
    await d.service.send(owner, "telegram:1", magnet=magnet)
    await d.monitor.run()
    await d.jobs.run_until_idle()
    assert d.inbox.received == {}
    async with d.db.session() as s:
        row = await s.scalar(select(DownloadRow).where(DownloadRow.info_hash == info_hash))
        assert row is not None and row.status == "active"


async def test_seedbox_completion_waits_for_the_nas(
    downloads: Downloads, transmission_daemon: RunningDaemon
) -> None:
    d = downloads.rebuilt(
        ClientPolicy(global_client=client_config(transmission_daemon), global_is_seedbox=True)
    )
    owner = await d.user(1, Role.OWNER)
    payload = fresh_payload(transmission_daemon, "On.The.Seedbox.2019")
    await d.service.send(owner, "telegram:1", torrent=make_torrent(payload))
    await wait_finished(d)
    await d.send_owed()
    assert d.inbox.received[1] == [
        f"⬇️ Finished on your seedbox: {payload.name}\nI'll tell you when it's on your NAS."
    ]
    async with d.db.session() as s:
        row = await s.scalar(select(DownloadRow))
        assert row is not None and row.sync_state == "pending"
        assert row.save_path == str(transmission_daemon.download_dir)
