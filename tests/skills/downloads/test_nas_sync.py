"""The NAS companion against the real sync API: copy, file by release name, report, index."""

from __future__ import annotations

from pathlib import Path

import httpx
from starlette.applications import Starlette

from concierge.core.access import Role
from concierge.nas_sync import NasSyncConfig, place, rsync_command, sync_once
from concierge.skills.downloads.models import DownloadRow
from concierge.skills.downloads.service import normalize_name
from concierge.skills.downloads.sync_api import SyncAPI
from concierge.storage.models import utcnow
from tests.skills.downloads.support import Downloads

KEY = "nas-key-123456"


async def pending(
    d: Downloads, platform_id: int, info_hash: str, name: str, save_path: Path
) -> None:
    user = await d.user(platform_id, Role.USER)
    async with d.db.session() as s:
        s.add(
            DownloadRow(
                user_id=user.id,
                client_key=f"user:{user.id}",
                client_kind="qbittorrent",
                info_hash=info_hash,
                name=name,
                normalized_name=normalize_name(name),
                chat_key=f"telegram:{platform_id}",
                status="complete",
                progress=1.0,
                size_bytes=10,
                save_path=str(save_path),
                sync_state="pending",
                completed_at=utcnow(),
            )
        )


async def test_a_pass_copies_files_sorts_them_and_tells_the_user(
    downloads: Downloads, tmp_path: Path
) -> None:
    seedbox, library = tmp_path / "seedbox", tmp_path / "nas"
    film = seedbox / "The.Matrix.1999.1080p.BluRay.x264"
    film.mkdir(parents=True)
    (film / "The.Matrix.1999.1080p.BluRay.x264.mkv").write_bytes(b"film" * 100)
    (seedbox / "Dark.S01E02.1080p.WEB.h264.mkv").write_bytes(b"episode")
    await pending(downloads, 5, "a" * 40, film.name, seedbox)
    await pending(downloads, 6, "b" * 40, "Dark.S01E02.1080p.WEB.h264.mkv", seedbox)

    sync = SyncAPI(
        db=downloads.db, api_key=KEY, monitor=downloads.monitor, library=downloads.library
    )
    transport = httpx.ASGITransport(app=Starlette(routes=sync.routes()))
    config = NasSyncConfig(server_url="http://bot.test", api_key=KEY, library_dir=library)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as http:
        report = await sync_once(config, http)

    assert sorted(report.copied) == sorted([film.name, "Dark.S01E02.1080p.WEB.h264.mkv"])
    assert (
        library / "Movies/The Matrix (1999)" / film.name / f"{film.name}.mkv"
    ).read_bytes() == b"film" * 100
    assert (library / "Series/Dark/Season 01/Dark.S01E02.1080p.WEB.h264.mkv").exists()
    await downloads.jobs.run_until_idle()
    assert downloads.inbox.received == {
        5: [f"✅ On your NAS and ready to watch: {film.name}"],
        6: ["✅ On your NAS and ready to watch: Dark.S01E02.1080p.WEB.h264.mkv"],
    }
    assert report.indexed == 2
    assert await downloads.library.has("The Matrix", 1999)
    assert (await downloads.library.browse(kind="series")).items[0].episodes == 1


async def test_a_failed_copy_is_not_reported_done(downloads: Downloads, tmp_path: Path) -> None:
    await pending(downloads, 5, "c" * 40, "Missing.Film.2001.mkv", tmp_path / "nowhere")
    sync = SyncAPI(
        db=downloads.db, api_key=KEY, monitor=downloads.monitor, library=downloads.library
    )
    transport = httpx.ASGITransport(app=Starlette(routes=sync.routes()))
    config = NasSyncConfig(server_url="http://bot.test", api_key=KEY, library_dir=tmp_path / "nas")
    async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as http:
        report = await sync_once(config, http)
    assert report.failed == ["Missing.Film.2001.mkv"]
    assert downloads.inbox.received == {}


def test_ssh_copies_use_keys_and_known_host_keys_only(tmp_path: Path) -> None:
    config = NasSyncConfig(
        server_url="http://bot", api_key=KEY, library_dir=tmp_path, ssh_target="me@seedbox",
        ssh_key=Path("/keys/id_ed25519"), known_hosts=Path("/keys/known_hosts"),
    )  # fmt: skip
    argv = rsync_command(config, "/data/Film (2020)", tmp_path / "Movies")
    ssh = argv[argv.index("-e") + 1]
    assert "BatchMode=yes" in ssh and "StrictHostKeyChecking=yes" in ssh
    assert "-i /keys/id_ed25519" in ssh and "UserKnownHostsFile=/keys/known_hosts" in ssh
    assert "me@seedbox:/data/Film (2020)" in argv and KEY not in " ".join(argv)


def test_release_names_are_filed_as_films_or_series() -> None:
    assert (
        str(place("Inception.2010.2160p.UHD.BluRay.x265-GROUP").folder) == "Movies/Inception (2010)"
    )
    assert str(place("Breaking.Bad.S03.1080p.BluRay").folder) == "Series/Breaking Bad/Season 03"
    assert place("../../etc/passwd").folder.parts[0] == "Movies"
    assert ".." not in place("../../etc/passwd").folder.parts
