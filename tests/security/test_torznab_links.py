"""A Torznab download link carries the indexer's API key: it must never reach a user."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from starlette.requests import Request
from starlette.responses import Response

from tests.skills.movies.harness import MoviesWorld, movies_settings
from tests.support.fixture_server import FixtureServer
from tests.support.movie_fixtures import FIXTURES, TORZNAB, movie_routes

KEY = "jackett-key"
TORRENT = b"d8:announce9:udp://x:14:infod6:lengthi1e4:name4:dune12:piece lengthi16384e6:pieces0:ee"


@pytest.fixture
def server() -> Iterator[FixtureServer]:
    holder: dict[str, str] = {}

    async def torznab(request: Request) -> Response:
        if request.query_params.get("apikey") != KEY:
            return Response((FIXTURES / "torznab/error_apikey.xml").read_bytes())
        name = "caps.xml" if request.query_params.get("t") == "caps" else "search_dune.xml"
        body = (FIXTURES / "torznab" / name).read_text()
        body = body.replace("http://127.0.0.1:9117", holder["url"]).replace("REDACTED", KEY)
        return Response(body.encode(), media_type="application/rss+xml")

    async def download(request: Request) -> Response:
        if request.query_params.get("jackett_apikey") != KEY:
            return Response(b"no", status_code=401)
        return Response(TORRENT, media_type="application/x-bittorrent")

    routes = {**movie_routes(), TORZNAB: torznab, "/dl/1337x/": download,
              "/dl/rutrackerru/": download}  # fmt: skip
    with FixtureServer(routes) as srv:
        holder["url"] = srv.url
        yield srv


@pytest.fixture
async def world(server: FixtureServer, tmp_path: Path) -> AsyncIterator[MoviesWorld]:
    settings = movies_settings(
        server,
        tmp_path,
        torrent_sources=[],
        torznab_endpoints=[f"{server.url}{TORZNAB}?apikey={KEY}"],
    )
    w = await MoviesWorld.start(settings)
    try:
        yield w
    finally:
        await w.close()


async def test_torrent_cards_never_show_the_indexer_key(world: MoviesWorld) -> None:
    out = await world.chat(["find Dune Part Two 2160p"])
    assert "Recommended" in out
    assert KEY not in out and "/dl/" not in out


async def test_the_torrent_file_button_fetches_through_the_server(world: MoviesWorld) -> None:
    out = await world.chat(["find Dune Part Two 2160p"])
    number = re.search(r"\[(\d+)\] [^\n\[]*\.torrent", out)
    assert number is not None, out
    pressed = await world.chat(["find Dune Part Two 2160p", number.group(1)])
    saved = re.search(r"📎 \w+: (.+\.torrent) \((\d+) bytes\)", pressed)
    assert saved is not None, pressed
    assert await asyncio.to_thread(Path(saved.group(1)).read_bytes) == TORRENT
    assert KEY not in pressed
