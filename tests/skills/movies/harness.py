"""The movies skill wired like bootstrap wires it, against local fixture servers.

``movies_settings`` points every base URL at a ``FixtureServer``; ``MoviesWorld``
is the real application as ``bootstrap.build_app`` wires it (core, offline model,
downloads with its Send button, movies) and a terminal chat driven by text
lines, so a test reads what a person would see.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from concierge.bootstrap import App, build_app
from concierge.config import Settings
from concierge.core.buttons import ButtonStore
from concierge.core.dispatch import Dispatcher
from concierge.core.messages import ChatRef, Inbound, Outbox, UserRef
from concierge.core.skill import Context
from concierge.frontends.console.chat import CONSOLE_USER_ID, PLATFORM, ConsoleChat
from concierge.storage.db import Database
from tests.support.fixture_server import FixtureServer
from tests.support.movie_fixtures import APIBAY, KINOPOISK, OMDB, TMDB, TORAPI


def movies_settings(server: FixtureServer, data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "concierge_data_dir": data_dir,
        "llm_provider": "offline",
        "owner_ids": [f"{PLATFORM}:{CONSOLE_USER_ID}"],
        "tmdb_api_key": SecretStr("tmdb-v3-key"),
        "tmdb_base_url": server.url + TMDB,
        "omdb_api_key": SecretStr("omdb-key"),
        "omdb_base_url": server.url + OMDB,
        "kinopoisk_api_key": SecretStr("kp-key"),
        "kinopoisk_base_url": server.url + KINOPOISK,
        "torapi_base_url": server.url + TORAPI,
        "apibay_base_url": server.url + APIBAY,
        "torrent_sources": ["torapi", "apibay"],
        "source_deadline_seconds": 1.5,
    }
    values.update(overrides)
    return Settings.model_validate(values)


@dataclass
class MoviesWorld:
    """The real application from ``bootstrap.build_app`` with a terminal chat on top."""

    app: App

    @classmethod
    async def start(cls, settings: Settings) -> MoviesWorld:
        return cls(await build_app(settings))

    @property
    def settings(self) -> Settings:
        return self.app.settings

    @property
    def db(self) -> Database:
        return self.app.db

    @property
    def dispatcher(self) -> Dispatcher:
        return self.app.dispatcher

    @property
    def buttons(self) -> ButtonStore:
        return self.app.buttons

    async def context(self, text: str, outbox: Outbox, language: str = "en") -> Context:
        """A handler's view of the console owner typing ``text`` (for skills built apart)."""
        ref = UserRef(PLATFORM, CONSOLE_USER_ID, display_name="tester", language_code=language)
        user = await self.app.users.find(PLATFORM, CONSOLE_USER_ID)
        assert user is not None, "build_app registers the console owner"
        return Context(
            inbound=Inbound(user=ref, chat=ChatRef(PLATFORM, CONSOLE_USER_ID), text=text),
            user=user,
            lang=language,
            outbox=outbox,
            catalog=self.app.catalog,
            button_store=self.app.buttons,
            flows=self.app.flows,
        )

    async def chat(self, lines: Sequence[str], language: str = "en") -> str:
        """Type ``lines`` into the terminal chat; what it printed."""
        out = io.StringIO()
        user = UserRef(PLATFORM, CONSOLE_USER_ID, display_name="tester", language_code=language)
        chat = ConsoleChat(
            self.dispatcher,
            self.settings.data_dir / "files",
            user=user,
            stdin=io.StringIO(),
            stdout=out,
        )
        for line in lines:
            await chat.handle_line(line)
        await self.dispatcher.drain(5)
        return out.getvalue()

    async def close(self) -> None:
        await self.app.close()
