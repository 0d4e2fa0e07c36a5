"""Build the real application (bootstrap) for tests, on SQLite in a temp dir."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from concierge.bootstrap import App, build_app
from concierge.config import Settings
from concierge.core.messages import ChatRef, Inbound, UserRef
from tests.support.outbox import RecordingOutbox


def test_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "concierge_data_dir": tmp_path,
        "owner_ids": ["telegram:1"],
        "encryption_key": None,
        "database_url": None,
        "torrent_sources": [],
        "telegram_bot_token": None,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@asynccontextmanager
async def running_app(tmp_path: Path, **overrides: Any) -> AsyncIterator[App]:
    app = await build_app(test_settings(tmp_path, **overrides))
    try:
        yield app
    finally:
        await app.close()


class Person:
    """A user on a platform, sending updates through the dispatcher."""

    def __init__(
        self,
        app: App,
        platform_id: int,
        name: str = "",
        lang: str = "en",
        platform: str = "telegram",
    ) -> None:
        self.app = app
        self.ref = UserRef(platform, platform_id, name or f"user{platform_id}", lang)
        self.outbox = RecordingOutbox()
        self._update = 0

    async def say(self, text: str, update_id: str | None = None) -> RecordingOutbox:
        self._update += 1
        inbound = Inbound(
            user=self.ref,
            chat=ChatRef(self.ref.platform, self.ref.id),
            text=text,
            update_id=update_id,
            message_id=self._update,
        )
        await self.app.dispatcher.handle(inbound, self.outbox)
        return self.outbox

    async def press(self, button_id: str | None) -> RecordingOutbox:
        assert button_id is not None
        inbound = Inbound(
            user=self.ref, chat=ChatRef(self.ref.platform, self.ref.id), button_id=button_id
        )
        await self.app.dispatcher.handle(inbound, self.outbox)
        return self.outbox
