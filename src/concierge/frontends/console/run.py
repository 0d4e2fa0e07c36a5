"""Wiring for `concierge chat`: build the app, attach the terminal, run to end of input."""

from __future__ import annotations

from concierge.bootstrap import build_app
from concierge.config import Settings
from concierge.frontends.console.chat import PLATFORM, ConsoleChat


async def run_chat(settings: Settings) -> None:
    app = await build_app(settings)
    chat = ConsoleChat(app.dispatcher, settings.data_dir / "files")
    app.notifier.register(PLATFORM, chat.outbox)
    await app.jobs.start()
    await app.scheduler.start()
    try:
        await chat.run()
    finally:
        await app.close()
