"""The movies skill wired like bootstrap wires it, against local fixture servers.

``movies_settings`` points every base URL at a ``FixtureServer``; ``MoviesWorld``
builds the real dispatcher (core skill, offline model, movies skill) and a
terminal chat driven by text lines, so a test reads what a person would see.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from concierge.adapters.http import HttpFactory
from concierge.bootstrap import llm_settings
from concierge.config import Settings
from concierge.core.access import Role
from concierge.core.agent import build_agent_runner
from concierge.core.builtin import CoreCommands, build_core_skill
from concierge.core.buttons import ButtonStore
from concierge.core.dispatch import AccessPolicy, Dispatcher
from concierge.core.i18n import Catalog
from concierge.core.messages import UserRef
from concierge.core.metrics import Metrics
from concierge.core.model_choice import build_model_skill
from concierge.core.notify import Notifier
from concierge.core.pending import PendingInputs
from concierge.core.registry import Registry
from concierge.frontends.console.chat import CONSOLE_USER_ID, PLATFORM, ConsoleChat
from concierge.skills import movies
from concierge.skills.movies.render import TorrentButtonFactory
from concierge.storage.credentials import CredentialStore
from concierge.storage.db import Database
from concierge.storage.repos import HistoryRepo, UpdateLog, UserRepo
from concierge.storage.secrets import SecretBox, load_keys
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
    settings: Settings
    db: Database
    http: HttpFactory
    dispatcher: Dispatcher
    buttons: ButtonStore

    @classmethod
    async def start(
        cls, settings: Settings, torrent_buttons: Sequence[TorrentButtonFactory] = ()
    ) -> MoviesWorld:
        db = Database(settings.effective_database_url())
        await db.upgrade()
        catalog = Catalog.load()
        users = UserRepo(db)
        buttons = ButtonStore(db)
        notifier = Notifier(users)
        metrics = Metrics()
        credentials = CredentialStore(db, SecretBox(load_keys(None, settings.data_dir)))
        await users.upsert(UserRef(PLATFORM, CONSOLE_USER_ID), Role.OWNER)
        http = movies.http_factory(settings)
        core = CoreCommands(users, notifier, catalog, settings.default_language)
        llm = llm_settings(settings)
        skill = movies.build(
            settings, db=db, credentials=credentials, http=http, torrent_buttons=torrent_buttons
        )
        registry = Registry([build_core_skill(core), build_model_skill(llm, users), skill])
        core.registry = registry
        history = HistoryRepo(db)
        agent = build_agent_runner(
            llm=llm,
            registry=registry,
            history=history,
            users=users,
            metrics=metrics,
            catalog=catalog,
        )
        dispatcher = Dispatcher(
            registry=registry,
            users=users,
            updates=UpdateLog(db),
            buttons=buttons,
            pending=PendingInputs(db),
            catalog=catalog,
            notifier=notifier,
            policy=AccessPolicy(
                frozenset({(PLATFORM, CONSOLE_USER_ID)}), "approval", settings.default_language
            ),
            metrics=metrics,
            agent=agent,
        )
        return cls(settings, db, http, dispatcher, buttons)

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
        await self.http.aclose()
        await self.db.close()
