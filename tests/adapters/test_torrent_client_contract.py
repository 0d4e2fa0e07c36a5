"""One contract, three real daemons: what the downloads skill relies on from any client."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from urllib.parse import parse_qs

import pytest
from starlette.requests import Request
from starlette.responses import Response

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
from tests.support.fixture_server import FixtureServer, Handler

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


# --- qBittorrent 5.2+ (Web API 2.14), newer than Debian's daemon: its documented answers ---


def qbittorrent_52(server_password: str) -> dict[str, Handler]:
    """Login answers 204 + cookie (401 for a wrong password); calls without data answer 204."""

    async def login(request: Request) -> Response:
        form = parse_qs((await request.body()).decode())
        if form.get("password") != [server_password]:
            return Response(status_code=401)
        return Response(status_code=204, headers={"Set-Cookie": "SID=s3ss10n; HttpOnly; path=/"})

    def with_session(answer: Response) -> Handler:
        async def handle(request: Request) -> Response:
            return answer if request.cookies.get("SID") == "s3ss10n" else Response(status_code=403)

        return handle

    listed = [{"hash": "ab" * 20, "name": "New.Api.2025", "state": "downloading",
               "progress": 0.5, "size": 100, "downloaded": 50, "dlspeed": 10, "eta": 5,
               "save_path": "/data"}]  # fmt: skip
    return {
        "/api/v2/auth/login": login,
        "/api/v2/app/version": with_session(Response(b"v5.2.0")),
        "/api/v2/torrents/info": with_session(Response(json.dumps(listed).encode())),
        "/api/v2/torrents/stop": with_session(Response(status_code=204)),
        "/api/v2/torrents/start": with_session(Response(status_code=204)),
    }


async def test_qbittorrent_52_logs_in_and_pauses_with_no_content_answers() -> None:
    with FixtureServer(qbittorrent_52("right")) as srv:
        adapter = QBittorrentClient(srv.url, "admin", "right", timeout=5)
        try:
            assert await adapter.test_connection() == "qBittorrent v5.2.0"
            await adapter.pause("ab" * 20)  # /torrents/pause is gone (404): /stop answers 204
            await adapter.resume("ab" * 20)
        finally:
            await adapter.close()
        assert [h.path.removeprefix("/api/v2") for h in srv.hits if h.method == "POST"] == [
            "/auth/login", "/torrents/pause", "/torrents/stop", "/torrents/resume", "/torrents/start"
        ]  # fmt: skip
        wrong = QBittorrentClient(srv.url, "admin", "wrong", timeout=5)
        try:
            with pytest.raises(ClientAuthError):
                await wrong.test_connection()
        finally:
            await wrong.close()
