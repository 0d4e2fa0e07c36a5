"""Spare child processes: each serves one download, and none outlives the bot."""

from __future__ import annotations

import os
from pathlib import Path

from concierge.skills.grab.protocol import ChildSpec, Event
from concierge.skills.grab.runner import ChildPool, run_child
from tests.support.fixture_server import FixtureServer, raw


def _spec(url: str, folder: Path) -> ChildSpec:
    folder.mkdir()
    return ChildSpec(
        url=url,
        folder=str(folder),
        tool="generic",
        allow_private=True,
        max_bytes=10_000_000,
        max_duration=60,
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is gone for our purposes; /proc tells it apart from a live process
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state != "Z"


async def _ignore(_event: Event) -> None:
    return None


async def test_downloads_take_warm_spares_one_each_and_close_stops_the_spare(
    tmp_path: Path, media_files: dict[str, bytes]
) -> None:
    png = raw(media_files["red.png"], content_type="image/png")
    pool = ChildPool(1)
    pids: list[int] = []
    take = pool.take

    async def recorded() -> object:
        proc = await take()
        pids.append(proc.pid)
        return proc

    pool.take = recorded  # type: ignore[method-assign]
    try:
        with FixtureServer({"/a.png": png, "/b.png": png}) as site:
            first = await run_child(
                _spec(f"{site.url}/a.png", tmp_path / "a"), _ignore, timeout=60, pool=pool
            )
            second = await run_child(
                _spec(f"{site.url}/b.png", tmp_path / "b"), _ignore, timeout=60, pool=pool
            )
        assert first.error is None and second.error is None, (first.detail, second.detail)
        assert [p.name for p in (tmp_path / "b").iterdir()] == [second.files[0][0].name]
        assert len(set(pids)) == 2  # a child never serves a second download
        spares = pool.spare_pids
    finally:
        await pool.aclose()
    assert len(spares) == 1 and spares[0] not in pids  # the next link would find one warm
    assert pool.spare_pids == () and not _alive(spares[0])
    assert not any(_alive(pid) for pid in pids)


async def test_a_pool_of_none_starts_every_child_cold(
    tmp_path: Path, media_files: dict[str, bytes]
) -> None:
    png = raw(media_files["red.png"], content_type="image/png")
    pool = ChildPool(0)
    try:
        with FixtureServer({"/a.png": png}) as site:
            result = await run_child(
                _spec(f"{site.url}/a.png", tmp_path / "a"), _ignore, timeout=60, pool=pool
            )
        assert result.error is None, result.detail
        assert pool.spare_pids == ()
    finally:
        await pool.aclose()
