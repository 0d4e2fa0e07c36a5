"""``kill -9`` of the bot with links waiting and one downloading: after a restart every
link is delivered, none twice, and the killed download's child process did not outlive it.

The bot is the real ``concierge serve`` process with the Telegram front-end talking to
the fake Bot API; one download runs at a time and the site streams each file slowly.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from tests.skills.grab.support import until
from tests.support.bot_process import isolated_bot
from tests.support.fake_telegram import FakeTelegram
from tests.support.fixture_server import FixtureServer

OWNER = 1
LINKS = 4
CHILD = "concierge.skills.grab.child"


def slow_clip(clip: bytes, seconds: float = 4.0) -> object:
    async def handle(_request: Request) -> Response:
        async def body() -> AsyncIterator[bytes]:
            step = max(len(clip) // 8, 1)
            for start in range(0, len(clip), step):
                await asyncio.sleep(seconds / 8)
                yield clip[start : start + step]

        headers = {"content-length": str(len(clip))}
        return StreamingResponse(body(), media_type="video/mp4", headers=headers)

    return handle


def bot(tmp_path: Path, fake: FakeTelegram) -> subprocess.Popen[bytes]:
    return isolated_bot(tmp_path, fake, owner=OWNER, GRAB_MAX_RUNNING="1")


def children_in(folder: Path) -> list[int]:
    """Download child processes started from this test's folder (the bot's working dir)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if CHILD.encode() in cmdline and Path(cwd) == folder:
            found.append(int(entry.name))
    return found


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_kill_9_with_jobs_waiting_and_one_running(
    tmp_path: Path, fake: FakeTelegram, media: dict[str, bytes]
) -> None:
    paths = [f"/v{k}.mp4" for k in range(LINKS)]
    with FixtureServer({p: slow_clip(media["clip.mp4"]) for p in paths}) as site:  # type: ignore[misc]
        asyncio.run(journey(tmp_path, fake, site, paths))


async def journey(
    tmp_path: Path, fake: FakeTelegram, site: FixtureServer, paths: list[str]
) -> None:
    def videos() -> int:
        return len([c for c in fake.calls_to("sendVideo", chat_id=OWNER) if c.ok])

    def downloading() -> bool:
        return any(
            c.params.get("text", "").startswith("⬇️ Downloading")
            for c in fake.calls_to("editMessageText")
        )

    first = bot(tmp_path, fake)
    try:
        for path in paths:
            fake.push(fake.text_update(OWNER, f"{site.url}{path}"))
        await fake.wait_for(downloading, 90, "a download under way")
        assert videos() == 0
        assert children_in(tmp_path), "the download runs in a child process"
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)

        async def orphans_gone() -> bool:
            return not children_in(tmp_path)

        await until(orphans_gone, 10, "the child to die with the bot")
        queued = len([c for c in fake.calls_to("sendMessage", chat_id=OWNER) if c.ok])
        assert queued == LINKS, fake.summary()
    finally:
        stop(first)

    second = bot(tmp_path, fake)
    try:

        async def all_sent() -> bool:
            dones = [
                c
                for c in fake.calls_to("editMessageText")
                if c.ok and c.params.get("text", "").startswith("✅ Done")
            ]
            return len(dones) >= LINKS

        await until(all_sent, 180, "every link delivered after the restart")
    finally:
        stop(second)
    assert videos() == LINKS, fake.summary()
    progress = [c for c in fake.calls_to("sendMessage", chat_id=OWNER) if c.ok]
    assert len(progress) == LINKS  # no progress message was sent twice
    for path in paths:
        assert site.hits_for(path)
    assert not any((tmp_path / "grab" / "jobs").glob("*/*"))  # job folders cleaned
