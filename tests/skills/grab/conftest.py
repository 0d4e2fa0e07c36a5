"""Fixture media made at test time (ffmpeg), served from loopback, and the app around it."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from concierge.bootstrap import App
from concierge.frontends.telegram.app import TelegramFrontend
from tests.frontends.telegram.conftest import FAST, fake  # noqa: F401 - the fake Bot API fixture
from tests.support.app import running_app
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.fixture_server import FixtureServer, raw

FFMPEG = shutil.which("ffmpeg")
needs_ffmpeg = pytest.mark.skipif(FFMPEG is None, reason="ffmpeg is not installed")


def make_clip(path: Path, seconds: int = 2, size: str = "160x120") -> Path:
    """A real little H.264/AAC video, so yt-dlp and the content sniffer see the real thing."""
    assert FFMPEG is not None
    subprocess.run(
        [FFMPEG, "-loglevel", "error", "-y", "-f", "lavfi", "-i", f"testsrc=size={size}:rate=10",
         "-f", "lavfi", "-i", "sine=frequency=440", "-t", str(seconds), "-c:v", "libx264",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)],
        check=True, timeout=60,
    )  # fmt: skip
    return path


def make_png(path: Path, color: str) -> Path:
    assert FFMPEG is not None
    subprocess.run(
        [FFMPEG, "-loglevel", "error", "-y", "-f", "lavfi", "-i", f"color=c={color}:s=64x48",
         "-frames:v", "1", str(path)],
        check=True, timeout=60,
    )  # fmt: skip
    return path


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    if FFMPEG is None:
        pytest.skip("ffmpeg is not installed")
    folder = tmp_path_factory.mktemp("grab-media")
    return {
        "clip.mp4": make_clip(folder / "clip.mp4").read_bytes(),
        "red.png": make_png(folder / "red.png", "red").read_bytes(),
        "blue.png": make_png(folder / "blue.png", "blue").read_bytes(),
    }


@pytest.fixture
def media_files(media: dict[str, bytes]) -> dict[str, bytes]:
    return media


@pytest.fixture
def site(media: dict[str, bytes]) -> Iterator[FixtureServer]:
    server = FixtureServer(
        {
            "/clip.mp4": raw(media["clip.mp4"], content_type="video/mp4"),
            "/red.png": raw(media["red.png"], content_type="image/png"),
        }
    )
    with server:
        yield server


def grab_settings(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"access_mode": "open", "jobs_concurrency": 8}
    values.update(overrides)
    return values


@asynccontextmanager
async def grab_app(tmp_path: Path, **overrides: Any) -> AsyncIterator[App]:
    async with running_app(tmp_path, **grab_settings(**overrides)) as app:
        yield app


def telegram_for(app: App, bot_api: FakeTelegram) -> TelegramFrontend:
    return TelegramFrontend(
        token=SecretStr(TOKEN),
        dispatcher=app.dispatcher,
        notifier=app.notifier,
        registry=app.registry,
        catalog=app.catalog,
        users=app.users,
        api_base_url=bot_api.base_url,
        limits=FAST,
        stream_interval=0.05,
        poll_timeout=1,
    )


@asynccontextmanager
async def telegram_running(app: App, bot_api: FakeTelegram) -> AsyncIterator[None]:
    """The app's Telegram front-end on the fake Bot API, with its job workers running."""
    frontend = telegram_for(app, bot_api)
    await frontend.start()
    await app.jobs.start()
    try:
        yield
    finally:
        await app.jobs.stop()
        await frontend.stop()


async def last_edit_says(bot_api: FakeTelegram, words: str) -> None:
    await bot_api.wait_for(
        lambda: words in bot_api.calls_to("editMessageText")[-1].params["text"],
        10,
        f"an edit saying {words!r}",
    )
