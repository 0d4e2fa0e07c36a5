"""Completion notices against the real Transmission daemon: once, across restarts, retried."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from concierge.core.access import Role
from concierge.skills.downloads.models import DownloadNoticeRow, DownloadRow
from concierge.skills.downloads.service import ClientPolicy
from daemons import RunningDaemon, make_payload, make_torrent, random_magnet
from tests.skills.downloads.support import Downloads, transmission_config


async def wait_finished(d: Downloads, within: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while await d.monitor.poll() == 0:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the daemon never reported the download complete")
        await asyncio.sleep(0.3)


async def test_completion_is_announced_once_even_across_a_restart(
    downloads: Downloads, transmission_daemon: RunningDaemon
) -> None:
    d = downloads.rebuilt(ClientPolicy(global_client=transmission_config(transmission_daemon)))
    owner = await d.user(1, Role.OWNER)
    payload = make_payload(transmission_daemon.download_dir, "Monitor.Once.2021.1080p.mkv")
    added = await d.service.send(owner, "telegram:1", torrent=make_torrent(payload))
    assert added.name == "Monitor.Once.2021.1080p.mkv"

    restarted = d.rebuilt()  # the bot restarts between adding and completing
    await wait_finished(restarted)
    await restarted.monitor.deliver()
    again = restarted.rebuilt()
    await again.monitor.run()
    await again.monitor.run()

    assert d.inbox.received[1] == ["✅ Downloaded and ready to watch: Monitor.Once.2021.1080p.mkv"]


async def test_undelivered_notice_is_kept_logged_and_retried(
    downloads: Downloads, transmission_daemon: RunningDaemon
) -> None:
    d = downloads.rebuilt(ClientPolicy(global_client=transmission_config(transmission_daemon)))
    owner = await d.user(1, Role.OWNER)
    payload = make_payload(transmission_daemon.download_dir, "Retry.Later.2020.mkv")
    await d.service.send(owner, "telegram:1", torrent=make_torrent(payload))
    await wait_finished(d)

    d.inbox.failing = "Telegram is down"
    assert await d.monitor.deliver() == 0
    async with d.db.session() as s:
        notice = await s.scalar(select(DownloadNoticeRow))
        assert notice is not None
        assert (notice.sent_at, notice.attempts, notice.last_error) == (None, 1, "Telegram is down")
        notice.claimed_until = None  # the back-off has passed

    d.inbox.failing = None
    assert await d.monitor.deliver() == 1
    assert await d.monitor.deliver() == 0
    assert d.inbox.received[1] == ["✅ Downloaded and ready to watch: Retry.Later.2020.mkv"]


async def test_in_progress_downloads_are_not_announced(
    downloads: Downloads, transmission_daemon: RunningDaemon
) -> None:
    d = downloads.rebuilt(ClientPolicy(global_client=transmission_config(transmission_daemon)))
    owner = await d.user(1, Role.OWNER)
    magnet, info_hash = random_magnet("Nobody.Seeds.This")
    await d.service.send(owner, "telegram:1", magnet=magnet)
    await d.monitor.run()
    assert d.inbox.received == {}
    async with d.db.session() as s:
        row = await s.scalar(select(DownloadRow).where(DownloadRow.info_hash == info_hash))
        assert row is not None and row.status == "active"


async def test_seedbox_completion_waits_for_the_nas(
    downloads: Downloads, transmission_daemon: RunningDaemon
) -> None:
    d = downloads.rebuilt(
        ClientPolicy(global_client=transmission_config(transmission_daemon), global_is_seedbox=True)
    )
    owner = await d.user(1, Role.OWNER)
    payload = make_payload(transmission_daemon.download_dir, "On.The.Seedbox.2019.mkv")
    await d.service.send(owner, "telegram:1", torrent=make_torrent(payload))
    await wait_finished(d)
    await d.monitor.deliver()
    assert d.inbox.received[1] == [
        "⬇️ Finished on your seedbox: On.The.Seedbox.2019.mkv\nI'll tell you when it's on your NAS."
    ]
    async with d.db.session() as s:
        row = await s.scalar(select(DownloadRow))
        assert row is not None and row.sync_state == "pending"
        assert row.save_path == str(transmission_daemon.download_dir)
