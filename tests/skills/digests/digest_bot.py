"""The bot for the kill -9 trial (``python -m tests.skills.digests.digest_bot CLOCK_FILE``).

The real application and Telegram front-end (settings from the environment, as
``concierge serve`` reads them), jobs and scheduler, on a clock read from a file the
test moves: each process of the trial sees the same "now". Runs until SIGTERM or kill -9.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from datetime import datetime
from pathlib import Path

from concierge.bootstrap import build_app
from concierge.config import Settings
from concierge.logging import configure_logging
from concierge.serve import build_frontends


class FileClock:
    def __init__(self, path: Path) -> None:
        self._path = path

    def now(self) -> datetime:
        return datetime.fromisoformat(self._path.read_text().strip())


async def main(clock_file: Path) -> None:
    settings = Settings()
    app = await build_app(settings, clock=FileClock(clock_file))
    frontends = build_frontends(settings, app)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    for frontend in frontends:
        await frontend.start()
    await app.jobs.start()
    await app.scheduler.start()
    print("ready", flush=True)
    await stop.wait()
    for frontend in reversed(frontends):
        await frontend.stop()
    await app.close()


if __name__ == "__main__":
    configure_logging("INFO", "json", "development", [])
    asyncio.run(main(Path(sys.argv[1])))
