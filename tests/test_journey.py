"""The whole journey through the application bootstrap builds, with the offline model:
search → "Send to my client" → the torrent is in a real Transmission → it completes →
exactly one notice, although the bot restarted between adding and completing.

Nothing leaves 127.0.0.1: metadata and the Torznab indexer are fixture routes, the
.torrent is private and trackerless, and the daemon has no peers. The download
"completes" when the test puts the payload where the daemon saves it and asks the
daemon to verify it, as if the last pieces had just arrived.
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
import time
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import httpx
import pytest
import torf
from starlette.requests import Request
from starlette.responses import Response

from concierge.bootstrap import App, build_app
from concierge.config import Settings
from concierge.core.messages import Card, unescape_literal
from concierge.skills.downloads.ports import TorrentNotFound, TorrentStatus
from concierge.storage.jobs import EmbeddedJobs
from daemons import RunningDaemon, make_client, make_payload
from tests.skills.downloads.support import client_url
from tests.skills.movies.harness import movies_settings
from tests.support.app import Person
from tests.support.fixture_server import FixtureServer, Handler, raw
from tests.support.movie_fixtures import FIXTURES, TORZNAB, movie_routes
from tests.support.outbox import RecordingOutbox

pytestmark = pytest.mark.daemons

OWNER = 1  # telegram:1, the operator: may use the operator's client (TORRENT_CLIENT_URL)
APIKEY = "jackett-key"
MONITOR = "downloads.monitor"


async def monitor_pass(app: App) -> None:
    """One tick of the monitor's schedule, and every job it leads to (poll, notices)."""
    await app.scheduler.run_once(MONITOR)
    assert isinstance(app.jobs, EmbeddedJobs)
    await app.jobs.run_until_idle()


def private_torrent(payload: Path) -> tuple[bytes, str]:
    """A private, trackerless .torrent with small pieces: (bytes, info-hash)."""
    torrent = torf.Torrent(
        path=payload, private=True, piece_size=16 * 1024, created_by=None, creation_date=None
    )
    torrent.generate()
    return bytes(torrent.dump()), torrent.infohash


def torznab_item(title: str, link: str, info_hash: str, size: int) -> str:
    """One result as Jackett writes it for a private tracker: a .torrent link, no magnet."""
    url = quoteattr(link)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:torznab="http://torznab.com/schemas/2015/feed">
  <channel>
    <title>AggregateSearch</title>
    <item>
      <title>{escape(title)}</title>
      <guid>{escape(link)}</guid>
      <jackettindexer id="privatehd">PrivateHD</jackettindexer>
      <type>private</type>
      <pubDate>Tue, 16 Apr 2024 10:12:00 +0000</pubDate>
      <size>{size}</size>
      <link>{escape(link)}</link>
      <category>2000</category>
      <enclosure url={url} length="{size}" type="application/x-bittorrent" />
      <torznab:attr name="category" value="2000" />
      <torznab:attr name="seeders" value="42" />
      <torznab:attr name="peers" value="45" />
      <torznab:attr name="imdbid" value="15239678" />
      <torznab:attr name="infohash" value="{info_hash}" />
      <torznab:attr name="downloadvolumefactor" value="0" />
      <torznab:attr name="uploadvolumefactor" value="1" />
    </item>
  </channel>
</rss>"""


def torznab(search: str) -> Handler:
    """The indexer: caps from the shared fixtures, this test's result for every search."""
    caps = (FIXTURES / "torznab/caps.xml").read_bytes()

    async def handle(request: Request) -> Response:
        if request.query_params.get("apikey") != APIKEY:
            error = (FIXTURES / "torznab/error_apikey.xml").read_bytes()
            return Response(error, media_type="application/xml")
        body = caps if request.query_params.get("t") == "caps" else search.encode()
        return Response(body, media_type="application/rss+xml")

    return handle


async def rpc(daemon: RunningDaemon, method: str, arguments: dict[str, object]) -> None:
    """Transmission RPC for what the adapter has no call for (test setup: verify)."""
    auth = (daemon.username, daemon.password)
    async with httpx.AsyncClient(auth=auth, timeout=10) as http:
        body = {"method": method, "arguments": arguments}
        response = await http.post(daemon.base_url, json=body)
        if response.status_code == 409:
            session = {"X-Transmission-Session-Id": response.headers["X-Transmission-Session-Id"]}
            response = await http.post(daemon.base_url, json=body, headers=session)
        response.raise_for_status()
        assert response.json()["result"] == "success", response.text


async def in_daemon(daemon: RunningDaemon, info_hash: str) -> TorrentStatus:
    client = make_client(daemon)
    try:
        return await client.status(info_hash)
    finally:
        await client.close()


async def wait_complete(daemon: RunningDaemon, info_hash: str, limit: float = 15) -> TorrentStatus:
    deadline = time.monotonic() + limit
    while True:
        status = await in_daemon(daemon, info_hash)
        if status.complete or time.monotonic() > deadline:
            return status
        await asyncio.sleep(0.1)


async def forget(daemon: RunningDaemon, info_hash: str) -> None:
    """Leave the shared daemon as it was (the torrent may never have arrived)."""
    client = make_client(daemon)
    try:
        await client.remove(info_hash, delete_data=True)
    except TorrentNotFound:
        pass
    finally:
        await client.close()


async def started(settings: Settings) -> tuple[App, RecordingOutbox]:
    """The bot (re)started: a new application on the same database, and the owner's chat
    as the place its notices land."""
    app = await build_app(settings)
    chat = RecordingOutbox()
    app.notifier.register("telegram", chat)
    return app, chat


async def test_search_send_complete_and_one_notice_across_restarts(
    tmp_path: Path, transmission_daemon: RunningDaemon
) -> None:
    name = f"Dune.Part.Two.2024.2160p.WEB-DL.DDP5.1.DV.HEVC-J{secrets.token_hex(3).upper()}"
    payload = make_payload(tmp_path / "seed", f"{name}.mkv", size=384 * 1024)
    torrent, info_hash = private_torrent(payload)
    size = payload.stat().st_size
    with FixtureServer(movie_routes()) as server:
        link = f"{server.url}/dl/privatehd/?file={name}.torrent"
        server.route(TORZNAB, torznab(torznab_item(name, link, info_hash, size)))
        server.route("/dl/privatehd/", raw(torrent, 200, "application/x-bittorrent"))
        settings = movies_settings(
            server,
            tmp_path / "bot",
            owner_ids=[f"telegram:{OWNER}"],
            torrent_sources=["torznab"],
            torznab_endpoints=[f"{server.url}{TORZNAB}?apikey={APIKEY}"],
            torrent_client_url=client_url(transmission_daemon),
        )
        try:
            # 1. Search, and send the result to the operator's Transmission.
            app, notices = await started(settings)
            try:
                owner = Person(app, OWNER, "owner")
                shown = await owner.say("find Dune Part Two 2160p")
                cards = [r for r in shown.sent if isinstance(r, Card)]
                assert any(name in unescape_literal(card.body) for card in cards), shown.all_text()
                send = shown.button("📥 Send to my client")
                shown.clear()
                await owner.press(send.id)
                # The daemon has the torrent's metadata, so it knows what to fetch: the
                # indexer's .torrent was sent, not a magnet nobody could resolve.
                assert server.hits_for("/dl/privatehd/"), "the .torrent was fetched"
                status = await in_daemon(transmission_daemon, info_hash)
                assert (status.name, status.size_bytes) == (f"{name}.mkv", size), status
                assert not status.complete
                assert shown.texts() == [
                    f"📥 Added to your client: {name}.mkv\n"
                    "I'll tell you when it's done. /downloads shows the progress."
                ]
                await monitor_pass(app)
                assert notices.sent == []  # nothing to tell yet
            finally:
                await app.close()

            # 2. Restart before completion; the monitor still waits.
            app, notices = await started(settings)
            try:
                await monitor_pass(app)
                assert notices.sent == []
                # The last pieces "arrive": the payload lands where the daemon saves it.
                shutil.copy(payload, transmission_daemon.download_dir / payload.name)
                await rpc(transmission_daemon, "torrent-verify", {"ids": [info_hash]})
                status = await wait_complete(transmission_daemon, info_hash)
                assert status.complete, status
                await monitor_pass(app)
                await monitor_pass(app)
                assert notices.texts() == [f"✅ Downloaded and ready to watch: {name}.mkv"]
            finally:
                await app.close()

            # 3. Another restart: the notice was delivered once and is not repeated.
            app, notices = await started(settings)
            try:
                await monitor_pass(app)
                assert notices.sent == []
            finally:
                await app.close()
        finally:
            await forget(transmission_daemon, info_hash)
