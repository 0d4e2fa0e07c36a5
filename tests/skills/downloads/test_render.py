"""/downloads lines with live figures: speed and time left, as a client reports them.

The real daemons never download at speed on loopback (no peers), so a small client that
reports chosen figures stands in for one here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pytest

from concierge.core.access import Role
from concierge.core.messages import ChatRef, Inbound, UserRef
from concierge.core.skill import Context
from concierge.skills.downloads.client_url import ClientConfig
from concierge.skills.downloads.commands import DownloadCommands
from concierge.skills.downloads.ports import (
    AddedTorrent,
    TorrentClient,
    TorrentState,
    TorrentStatus,
)
from concierge.skills.downloads.service import ClientPolicy, DownloadService
from concierge.storage.buttons import SqlButtonStore
from concierge.storage.flows import SqlFlows
from daemons import random_magnet
from tests.skills.downloads.support import Downloads
from tests.support.outbox import RecordingOutbox

MB = 1024 * 1024


@dataclass
class ReportingClient:
    """A TorrentClient whose torrents report exactly the figures a test sets."""

    torrents: dict[str, TorrentStatus] = field(default_factory=dict)
    kind: str = "transmission"

    async def test_connection(self) -> str:
        return "Transmission 4.0.6"

    async def add_magnet(
        self, magnet: str, *, download_dir: str | None = None, category: str | None = None
    ) -> AddedTorrent:
        info_hash = magnet.split("btih:")[1].split("&")[0]
        name = magnet.split("dn=")[1]
        self.torrents[info_hash] = TorrentStatus(info_hash, name, TorrentState.METADATA, 0.0)
        return AddedTorrent(info_hash, name)

    async def add_torrent_file(
        self, data: bytes, *, download_dir: str | None = None, category: str | None = None
    ) -> AddedTorrent:
        raise NotImplementedError("these tests send magnets")

    async def list(self) -> list[TorrentStatus]:
        return list(self.torrents.values())

    async def status(self, info_hash: str) -> TorrentStatus:
        return self.torrents[info_hash]

    async def pause(self, info_hash: str) -> None:
        self.torrents[info_hash] = replace(self.torrents[info_hash], state=TorrentState.PAUSED)

    async def resume(self, info_hash: str) -> None:
        self.torrents[info_hash] = replace(self.torrents[info_hash], state=TorrentState.DOWNLOADING)

    async def remove(self, info_hash: str, *, delete_data: bool = False) -> None:
        self.torrents.pop(info_hash, None)

    async def close(self) -> None:
        return None


async def shown_line(d: Downloads, lang: str, **figures: object) -> str:
    """Send one magnet, let the client report ``figures`` for it, and return its /downloads line."""
    client = ReportingClient()
    config = ClientConfig("transmission", "http://127.0.0.1:9091/transmission/rpc")

    def factory(_config: ClientConfig, _transport: object = None) -> TorrentClient:
        return client

    service = DownloadService(
        db=d.db, credentials=d.credentials, factory=factory,
        policy=ClientPolicy(global_client=config),
    )  # fmt: skip
    owner = await d.user(1, Role.OWNER)
    magnet, info_hash = random_magnet("Fast.Film.2024.2160p")
    await service.send(owner, "telegram:1", magnet=magnet)
    client.torrents[info_hash] = replace(client.torrents[info_hash], **figures)  # type: ignore[arg-type]

    outbox = RecordingOutbox()
    ref = UserRef("telegram", 1, "owner", lang)
    ctx = Context(
        inbound=Inbound(user=ref, chat=ChatRef("telegram", 1), text="/downloads"),
        user=owner, lang=lang, outbox=outbox, catalog=d.catalog,
        button_store=SqlButtonStore(d.db), flows=SqlFlows(d.db),
    )  # fmt: skip
    await DownloadCommands(service, d.library).downloads(ctx)
    header, line, *_older = outbox.texts()  # newest first
    assert header in ("Your downloads:", "Ваши загрузки:")
    return line


DOWNLOADING = {"state": TorrentState.DOWNLOADING, "progress": 0.42}


@pytest.mark.parametrize(
    ("figures", "expected"),
    [
        (
            {**DOWNLOADING, "download_rate": int(3.5 * MB), "eta_seconds": 3900},
            "▰▰▰▰▱▱▱▱▱▱ 42% · downloading · 3.5 MB/s · 1h 05m left",
        ),
        (
            {**DOWNLOADING, "download_rate": 800, "eta_seconds": 2 * 86400 + 3 * 3600 + 59},
            "▰▰▰▰▱▱▱▱▱▱ 42% · downloading · 800 B/s · 2d 3h left",
        ),
        (
            {**DOWNLOADING, "download_rate": 20 * 1024, "eta_seconds": 12},
            "▰▰▰▰▱▱▱▱▱▱ 42% · downloading · 20.0 KB/s · 1m left",
        ),
        (  # no peers: no speed, and no ETA the client can't know
            {**DOWNLOADING, "download_rate": 0, "eta_seconds": None},
            "▰▰▰▰▱▱▱▱▱▱ 42% · downloading",
        ),
        (  # finished: an ETA some clients still report is not shown
            {"state": TorrentState.SEEDING, "progress": 1.0, "eta_seconds": 600},
            "▰▰▰▰▰▰▰▰▰▰ 100% · done, seeding",
        ),
        (
            {"state": TorrentState.PAUSED, "progress": 0.1, "eta_seconds": None},
            "▰▱▱▱▱▱▱▱▱▱ 10% · paused",
        ),
    ],
    ids=["hours", "days", "under-a-minute", "stalled", "seeding", "paused"],
)
async def test_speed_and_time_left_are_shown_while_downloading(
    downloads: Downloads, figures: dict[str, object], expected: str
) -> None:
    assert await shown_line(downloads, "en", **figures) == f"Fast.Film.2024.2160p\n{expected}"


async def test_russian_users_read_speed_and_time_left_in_russian(downloads: Downloads) -> None:
    line = await shown_line(
        downloads, "ru", **DOWNLOADING, download_rate=int(3.5 * MB), eta_seconds=3900
    )
    assert (
        line
        == "Fast.Film.2024.2160p\n▰▰▰▰▱▱▱▱▱▱ 42% · загружается · 3,5 МБ/с · осталось 1 ч 05 мин"
    )
    days = await shown_line(downloads, "ru", **DOWNLOADING, download_rate=900, eta_seconds=90000)
    assert days.endswith("· 900 Б/с · осталось 1 д 1 ч")
