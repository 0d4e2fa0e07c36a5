"""The monitors' world: fixture TMDB and TorAPI, the real app on a fake clock, and the real
Telegram front-end against the fake Bot API.

``Board`` is what the trackers list right now (TorAPI's ``/api/search/title/all`` shape:
an object keyed by tracker, a list of releases or ``{"Result": …}``); a test puts
releases on it as time passes. TMDB answers for an unreleased film (Dune: Part Three,
out 2026-12-18) and a running series (Slow Horses, S06E05 airs 2026-12-02).
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from starlette.requests import Request
from starlette.responses import Response

from concierge.bootstrap import App, build_app
from concierge.config import Settings
from concierge.core.access import Role
from concierge.core.messages import UserRef
from concierge.core.torrents import parse_torrent
from concierge.frontends.telegram.app import TelegramFrontend
from concierge.skills.downloads.client_url import ClientConfig
from concierge.skills.downloads.factory import default_factory
from concierge.skills.downloads.service import ClientPolicy, DownloadService
from concierge.storage.jobs import EmbeddedJobs
from daemons import RunningDaemon, make_payload, make_torrent
from tests.fakes.clock import FakeClock
from tests.skills.memory.telegram import FAST, TelegramWorld, texts
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.fixture_server import FixtureServer, Handler, fixture_file

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "monitors"
TMDB = "/tmdb/3"
TORAPI = "/torapi"
SEARCH = f"{TORAPI}/api/search/title/all"
FILES = "/tracker/download"
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 17 days before Dune: Part Three opens
DUNE3 = 1170608
SLOW_HORSES = 95480
NO_MATCHES = {"Result": "No matches were found for your title"}


def rutor(name: str, *, board: Board, gb: float = 20.0, seeds: int = 50,
          torrent: bytes | None = None) -> dict[str, Any]:  # fmt: skip
    """One RuTor release as TorAPI lists it (RuTor gives hashes, so magnets come free); its
    .torrent is served by the board: ``torrent``, or one for a file nobody has."""
    number = secrets.randbelow(900000) + 100000
    file = re.sub(r"[^0-9A-Za-z]+", ".", name).strip(".") + f".{number}.mkv"
    data = torrent or make_torrent(make_payload(board.scratch, file, size=16 * 1024))
    return {
        "Name": name,
        "Id": str(number),
        "Url": f"https://rutor.info/torrent/{number}/",
        "Torrent": board.torrent_url(f"{number}.torrent", data),
        "Hash": torrent_hash(data),
        "Size": f"{gb:.2f} GB",
        "Comments": "3",
        "Seeds": str(seeds),
        "Peers": "4",
        "Date": "01.12.2026",
    }


@dataclass
class Board:
    """What the trackers list now; every search the bot makes is counted by the server."""

    releases: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)  # .torrent files by name
    base_url: str = ""  # the fixture server's, once it runs
    scratch: Path = Path("/nonexistent")  # where made-up payloads are written

    def torrent_url(self, name: str, data: bytes) -> str:
        """Serve ``data`` as the tracker's .torrent download of a release."""
        self.files[name] = data
        return f"{self.base_url}{FILES}?name={name}"

    def file_handler(self) -> Handler:
        async def handle(request: Request) -> Response:
            data = self.files.get(request.query_params.get("name", ""))
            if data is None:
                return Response(b"not found", status_code=404)
            return Response(data, media_type="application/x-bittorrent")

        return handle

    def handler(self) -> Handler:
        async def handle(_request: Request) -> Response:
            body: dict[str, Any] = {"RuTracker": NO_MATCHES, "Kinozal": NO_MATCHES,
                                    "NoNameClub": NO_MATCHES}  # fmt: skip
            body["RuTor"] = list(self.releases) or NO_MATCHES
            return Response(json.dumps(body, ensure_ascii=False), media_type="application/json")

        return handle


def torrent_hash(data: bytes) -> str:
    return parse_torrent(data).info_hash


def tmdb_search() -> Handler:
    """``/search/{movie,tv,multi}`` over the two titles of this world."""
    entries = [
        ("movie", {"id": DUNE3, "title": "Dune: Part Three", "original_title": "Dune: Part Three",
                   "release_date": "2026-12-18", "popularity": 120.5, "poster_path": "/d3.jpg",
                   "genre_ids": [878, 12], "overview": "", "vote_average": 0}),
        ("tv", {"id": SLOW_HORSES, "name": "Slow Horses", "original_name": "Slow Horses",
                "first_air_date": "2022-04-01", "popularity": 80.1, "poster_path": "/sh.jpg",
                "genre_ids": [18, 80], "overview": "", "vote_average": 8.0}),
    ]  # fmt: skip

    async def handle(request: Request) -> Response:
        kind = request.url.path.rsplit("/", 1)[-1]
        words = set(request.query_params.get("query", "").lower().replace(":", "").split())
        found = []
        for media, item in entries:
            name = str(item.get("title") or item.get("name")).lower().replace(":", "")
            if kind in (media, "multi") and words and words <= set(name.split()):
                found.append({**item, "media_type": media} if kind == "multi" else item)
        body = {"page": 1, "results": found, "total_pages": 1, "total_results": len(found)}
        return Response(json.dumps(body), media_type="application/json")

    return handle


def routes(board: Board, extra: dict[str, Handler] | None = None) -> dict[str, Handler]:
    return {
        f"{TMDB}/search/movie": tmdb_search(),
        f"{TMDB}/search/tv": tmdb_search(),
        f"{TMDB}/search/multi": tmdb_search(),
        f"{TMDB}/movie/{DUNE3}": fixture_file(FIXTURES / f"movie_{DUNE3}_en.json"),
        f"{TMDB}/tv/{SLOW_HORSES}": fixture_file(FIXTURES / f"tv_{SLOW_HORSES}_en.json"),
        SEARCH: board.handler(),
        FILES: board.file_handler(),
        **(extra or {}),
    }


def settings(server: FixtureServer, data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "concierge_data_dir": data_dir,
        "llm_provider": "offline",
        "owner_ids": ["telegram:1"],
        "access_mode": "open",
        "tmdb_api_key": SecretStr("tmdb-v3-key"),
        "tmdb_base_url": server.url + TMDB,
        "torapi_base_url": server.url + TORAPI,
        "torrent_sources": ["torapi"],
        "source_deadline_seconds": 3.0,
        "http_cache_enabled": False,  # every search must reach the board (and be counted)
        "allow_private_client_urls": True,  # the users' own clients and .torrents on loopback
    }
    values.update(overrides)
    return Settings.model_validate(values)


def searches(server: FixtureServer) -> int:
    return len(server.hits_for(SEARCH))


async def run_ticks(apps: list[App], clock: FakeClock, until: datetime,
                    step: timedelta = timedelta(hours=6)) -> None:  # fmt: skip
    """Move the clock on in steps; at each, every app ticks and runs what is due."""
    while clock.now() < until:
        clock.advance(step)
        for app in apps:
            await app.scheduler.tick()
        for _ in range(3):  # tick → checks (spread a few seconds) → pushes → notices
            for app in apps:
                assert isinstance(app.jobs, EmbeddedJobs)
                await app.jobs.run_until_idle()
            clock.advance(timedelta(seconds=5))


async def own_client(app: App, platform_id: int, daemon: RunningDaemon) -> None:
    """The user's own client, saved as /client saves it (tested against the daemon first)."""
    user = await app.users.upsert(UserRef("telegram", platform_id, f"u{platform_id}"), Role.USER)
    service = DownloadService(
        db=app.db, credentials=app.credentials, factory=default_factory,
        policy=ClientPolicy(allow_private_urls=True),
    )  # fmt: skip
    config = ClientConfig(daemon.kind, daemon.base_url, daemon.username, daemon.password)
    await service.save_client(user, config, seedbox=False)


@dataclass
class World(TelegramWorld):
    """The real app (bootstrap) on a fake clock behind the real Telegram front-end."""

    clock: FakeClock = field(default_factory=FakeClock)

    async def start(self) -> App:  # type: ignore[override]
        self.app = await build_app(self.settings, clock=self.clock)
        self.frontend = TelegramFrontend(
            token=SecretStr(TOKEN), dispatcher=self.app.dispatcher, notifier=self.app.notifier,
            registry=self.app.registry, catalog=self.app.catalog, users=self.app.users,
            api_base_url=self.fake.base_url, limits=FAST, stream_interval=0.05, poll_timeout=1,
        )  # fmt: skip
        await self.frontend.start()
        return self.app

    async def ticks(self, until: datetime, step: timedelta = timedelta(hours=6)) -> None:
        assert self.app is not None
        await run_ticks([self.app], self.clock, until, step)

    async def delivered(self) -> None:
        """Let the front-end's sender finish what the notice jobs handed it."""
        assert self.app is not None
        assert isinstance(self.app.jobs, EmbeddedJobs)
        await self.app.jobs.run_until_idle()


def pushes(fake: FakeTelegram, chat_id: int, marker: str) -> list[str]:
    return [t for t in texts(fake, chat_id) if marker in t]


@asynccontextmanager
async def world(settings_: Settings, fake: FakeTelegram, clock: FakeClock) -> AsyncIterator[World]:
    w = World(settings_, fake, clock=clock)
    await w.start()
    try:
        yield w
    finally:
        await w.stop()
