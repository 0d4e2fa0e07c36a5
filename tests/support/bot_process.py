"""The real bot as a subprocess against the fake Bot API, and a deadline-bounded wait.

Crash, shutdown and replica tests start `concierge serve` (or `worker`) this way: its
own data folder, a free HTTP port, JSON logs in ``<tmp>/<name>.log``.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.daemons import free_port
from tests.support.fake_telegram import TOKEN, FakeTelegram

ROOT = Path(__file__).resolve().parents[2]


def bot_process(
    tmp_path: Path,
    fake: FakeTelegram,
    name: str,
    *,
    command: tuple[str, ...] = ("serve",),
    owner: int = 1,
    **settings: str,
) -> subprocess.Popen[bytes]:
    """Start the bot; ``settings`` are extra environment variables (``HTTP_PORT="…"``)."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "CONCIERGE_DATA_DIR": str(tmp_path / "data"),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "OWNER_IDS": f"telegram:{owner}",
        "HTTP_PORT": str(free_port()),
        "TORRENT_SOURCES": "",
        "LOG_FORMAT": "json",
        **settings,
    }
    log = (tmp_path / f"{name}.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "concierge.cli", *command],
        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


async def until(what: str, seconds: float, check: Callable[[], object]) -> float:
    """Poll ``check`` until true; the seconds it took, or AssertionError past ``seconds``."""
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > seconds:
            raise AssertionError(f"gave up waiting for {what} after {seconds:g} s")
        await asyncio.sleep(0.05)
    return time.monotonic() - start


def isolated_bot(
    tmp_path: Path, fake: FakeTelegram, *, owner: int = 1, **settings: str
) -> subprocess.Popen[bytes]:
    """`concierge serve` with no setting inherited from this shell (upper-case variables
    other than PATH and HOME are dropped), data in ``tmp_path``, log in ``bot.log``."""
    env = {k: v for k, v in os.environ.items() if not k.isupper() or k in ("PATH", "HOME")}
    env.update(
        CONCIERGE_DATA_DIR=str(tmp_path),
        LOG_FORMAT="json",
        LANG="en_US.UTF-8",
        OWNER_IDS=f"telegram:{owner}",
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=fake.base_url,
        HTTP_PORT=str(free_port()),
        LLM_PROVIDER="offline",
        TORRENT_SOURCES="",
        **settings,
    )
    log = (tmp_path / "bot.log").open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "concierge", "serve"], env=env, cwd=tmp_path, stdout=log, stderr=log
    )
