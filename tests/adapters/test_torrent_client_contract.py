"""One contract, three real daemons: what the downloads skill relies on from any client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from concierge.adapters.deluge import DelugeClient
from concierge.adapters.qbittorrent import QBittorrentClient
from concierge.adapters.transmission import TransmissionClient
from concierge.skills.downloads.ports import (
    ClientAuthError,
    ClientConnectionError,
    TorrentClient,
    TorrentNotFound,
    TorrentState,
    TorrentStatus,
)
from daemons import RunningDaemon, free_port, make_client, make_payload, make_torrent, random_magnet

pytestmark = pytest.mark.daemons


@pytest.fixture
async def client(torrent_daemon: RunningDaemon) -> AsyncIterator[TorrentClient]:
    adapter = make_client(torrent_daemon)
    yield adapter
    for torrent in await adapter.list():  # each test starts from an empty client
        await adapter.remove(torrent.info_hash, delete_data=False)
    await adapter.close()


async def eventually(
    probe: Callable[[], Awaitable[TorrentStatus]],
    accept: Callable[[TorrentStatus], bool],
    within: float = 15.0,
) -> TorrentStatus:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        status = await probe()
        if accept(status):
            return status
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not reached; last status {status}")
        await asyncio.sleep(0.2)


async def test_connection_reports_the_daemon_and_version(
    client: TorrentClient, torrent_daemon: RunningDaemon
) -> None:
    version = await client.test_connection()
    assert version.lower().startswith(torrent_daemon.kind)


async def test_add_magnet_is_listed_by_hash_with_its_name(client: TorrentClient) -> None:
    magnet, info_hash = random_magnet("Contract.Magnet.2024.1080p")
    added = await client.add_magnet(magnet)
    assert added.info_hash == info_hash
    status = await client.status(info_hash)
    assert status.info_hash == info_hash
    assert not status.complete
    assert status.state in (TorrentState.METADATA, TorrentState.DOWNLOADING, TorrentState.QUEUED)
    assert info_hash in {t.info_hash for t in await client.list()}


async def test_add_torrent_file_into_a_chosen_directory(
    client: TorrentClient, torrent_daemon: RunningDaemon
) -> None:
    payload = make_payload(torrent_daemon.root / "elsewhere", "Contract.File.2023.mkv")
    data = make_torrent(payload)
    target = torrent_daemon.root / "chosen"
    target.mkdir(exist_ok=True)
    added = await client.add_torrent_file(data, download_dir=str(target))
    status = await client.status(added.info_hash)
    assert status.name == "Contract.File.2023.mkv"
    assert status.save_path.rstrip("/") == str(target)
    assert status.size_bytes == payload.stat().st_size
    assert not status.complete


async def test_adding_the_same_torrent_twice_is_not_an_error(client: TorrentClient) -> None:
    magnet, info_hash = random_magnet("Twice")
    first = await client.add_magnet(magnet)
    second = await client.add_magnet(magnet)
    assert first.info_hash == second.info_hash == info_hash
    assert [t.info_hash for t in await client.list()].count(info_hash) == 1


async def test_pause_then_resume(client: TorrentClient) -> None:
    magnet, info_hash = random_magnet("Pausable")
    await client.add_magnet(magnet)
    await client.pause(info_hash)
    await eventually(lambda: client.status(info_hash), lambda s: s.state is TorrentState.PAUSED)
    await client.resume(info_hash)
    await eventually(lambda: client.status(info_hash), lambda s: s.state is not TorrentState.PAUSED)


async def test_a_torrent_whose_data_is_present_completes(
    client: TorrentClient, torrent_daemon: RunningDaemon
) -> None:
    payload = make_payload(torrent_daemon.download_dir, "Already.Here.2022.mkv")
    added = await client.add_torrent_file(
        make_torrent(payload), download_dir=str(torrent_daemon.download_dir)
    )
    done = await eventually(lambda: client.status(added.info_hash), lambda s: s.complete)
    assert done.progress == 1.0
    assert done.downloaded_bytes == payload.stat().st_size


@pytest.mark.parametrize("delete_data", [False, True])
async def test_remove_with_or_without_data(
    client: TorrentClient, torrent_daemon: RunningDaemon, delete_data: bool
) -> None:
    payload = make_payload(torrent_daemon.download_dir, f"Removable.{delete_data}.mkv")
    added = await client.add_torrent_file(
        make_torrent(payload), download_dir=str(torrent_daemon.download_dir)
    )
    await eventually(lambda: client.status(added.info_hash), lambda s: s.complete)
    await client.remove(added.info_hash, delete_data=delete_data)
    with pytest.raises(TorrentNotFound):
        await eventually(lambda: client.status(added.info_hash), lambda s: False, within=5)
    for _ in range(50):  # the daemon deletes files after answering
        if payload.exists() != delete_data:
            break
        await asyncio.sleep(0.1)
    assert payload.exists() is not delete_data


async def test_unknown_hash_is_not_found(client: TorrentClient) -> None:
    _, info_hash = random_magnet("Nobody")
    with pytest.raises(TorrentNotFound):
        await client.status(info_hash)
    with pytest.raises(TorrentNotFound):
        await client.pause(info_hash)


async def test_wrong_password_is_an_authentication_error(torrent_daemon: RunningDaemon) -> None:
    adapter = make_client(torrent_daemon, password="not-the-password")
    try:
        with pytest.raises(ClientAuthError) as caught:
            await adapter.test_connection()
        assert "not-the-password" not in str(caught.value)
    finally:
        await adapter.close()


@pytest.mark.parametrize(
    "build",
    [
        lambda url: TransmissionClient(f"{url}/transmission/rpc", "u", "secret-pw", timeout=2),
        lambda url: QBittorrentClient(url, "u", "secret-pw", timeout=2),
        lambda url: DelugeClient(url, "secret-pw", timeout=2),
    ],
    ids=["transmission", "qbittorrent", "deluge"],
)
async def test_unreachable_daemon_is_a_connection_error(
    build: Callable[[str], TorrentClient],
) -> None:
    adapter = build(f"http://127.0.0.1:{free_port()}")
    try:
        with pytest.raises(ClientConnectionError) as caught:
            await adapter.test_connection()
        assert "secret-pw" not in str(caught.value)
    finally:
        await adapter.close()
