"""Answers from other servers are bounded in size and in time, however they misbehave."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from hishel import AsyncSqliteStorage
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from concierge.adapters.errors import BadResponse
from concierge.adapters.http import ResilientClient
from concierge.core.torrents import InvalidTorrent
from concierge.skills.downloads.service import ClientPolicy, DownloadService
from tests.skills.downloads.support import Downloads
from tests.support.fixture_server import FixtureServer


async def endless(_request: Request) -> Response:
    async def body() -> AsyncIterator[bytes]:
        while True:
            yield b"[" * 65536
            await asyncio.sleep(0)

    return StreamingResponse(body(), media_type="application/json")


async def trickle(request: Request) -> Response:
    async def body() -> AsyncIterator[bytes]:
        while not request.app.state.stopping:
            yield b"d"
            await asyncio.sleep(0.2)

    return StreamingResponse(body(), media_type="application/x-bittorrent")


@pytest.fixture
def server() -> Iterator[FixtureServer]:
    with FixtureServer({"/endless": endless, "/trickle": trickle}) as srv:
        yield srv


@pytest.mark.parametrize("cached", [False, True])
async def test_an_endless_answer_is_cut_off_as_a_bad_response(
    server: FixtureServer, tmp_path: Path, cached: bool
) -> None:
    storage = AsyncSqliteStorage(database_path=tmp_path / "c.db") if cached else None
    client = ResilientClient(
        "tracker", server.url, storage=storage, max_bytes=1024 * 1024, retries=2, backoff=0.01
    )
    try:
        with pytest.raises(BadResponse, match="more than"):
            await client.get("/endless", ttl=60 if cached else None)
    finally:
        await client.aclose()
    assert len(server.hits_for("/endless")) == 1  # too big is not worth retrying


async def test_a_torrent_that_trickles_in_forever_gives_up_in_time(
    server: FixtureServer, downloads: Downloads
) -> None:
    service = DownloadService(
        db=downloads.db,
        credentials=downloads.credentials,
        factory=lambda config: pytest.fail("no client is needed"),
        policy=ClientPolicy(allow_private_urls=True),
        fetch_seconds=1.0,
    )
    # the trickle never ends by itself: "too long" is the 1 s deadline giving up
    with pytest.raises(InvalidTorrent, match="too long"):
        await service.fetch_torrent(f"{server.url}/trickle", await downloads.user(7))


async def test_a_huge_search_text_is_a_typed_error_not_a_crash(server: FixtureServer) -> None:
    client = ResilientClient("tmdb", server.url)
    try:
        with pytest.raises(BadResponse, match="too long"):
            await client.get("/search", params={"query": "дюна " * 20_000})
    finally:
        await client.aclose()
    assert server.hits_for("/search") == []
