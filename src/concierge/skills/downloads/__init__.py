"""Downloads skill: torrent clients, download tracking, completion notices, NAS sync, library.

``bootstrap.py`` builds the client factory and policy from settings and passes them in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from concierge.core.deps import CoreServices
from concierge.core.schedules import Every, Schedule
from concierge.core.skill import Command, Skill
from concierge.core.urlguard import Resolver, system_resolver
from concierge.skills.downloads.commands import DownloadCommands
from concierge.skills.downloads.intents import download_intents
from concierge.skills.downloads.library import LibraryIndex
from concierge.skills.downloads.monitor import POLL_KIND, CompletionMonitor
from concierge.skills.downloads.render import CONTROL_ACTION, SEND_ACTION
from concierge.skills.downloads.service import ClientFactory, ClientPolicy, DownloadService
from concierge.skills.downloads.sync_api import SyncAPI
from concierge.skills.downloads.tools import download_tools

__all__ = ["DownloadsDeps", "build"]

INSTRUCTIONS = """Downloads: list_downloads shows the user's torrent downloads with progress and
buttons; control_download pauses, resumes or removes one by the id list_downloads gave.
Setting up a client is the /client command; say so when the user has none."""


@dataclass(frozen=True, slots=True)
class DownloadsDeps:
    core: CoreServices
    factory: ClientFactory  # client configuration -> adapter (adapters/ live apart)
    policy: ClientPolicy
    poll_seconds: float = 60.0
    sync_api_key: str | None = None
    resolver: Resolver = system_resolver


def build(deps: DownloadsDeps) -> Skill:
    core = deps.core
    service = DownloadService(
        db=core.db,
        credentials=core.credentials,
        factory=deps.factory,
        policy=deps.policy,
        resolver=deps.resolver,
    )
    library = LibraryIndex(core.db)
    monitor = CompletionMonitor(
        db=core.db,
        service=service,
        users=core.users,
        notifier=core.notifier,
        catalog=core.catalog,
        default_language=core.default_language,
        jobs=core.jobs,
    )
    sync = SyncAPI(db=core.db, api_key=deps.sync_api_key, monitor=monitor, library=library)
    handlers = DownloadCommands(service, library)
    return Skill(
        name="downloads",
        commands=[
            Command("client", "downloads.help.client", handlers.client, aliases=("seedbox",)),
            Command("downloads", "downloads.help.downloads", handlers.downloads),
            Command(
                "library",
                "downloads.help.library",
                handlers.library,
                shown_to=handlers.may_see_library,
            ),
        ],
        buttons={
            SEND_ACTION: handlers.send,
            CONTROL_ACTION: handlers.control,
            "downloads.client.kind": handlers.choose_kind,
            "downloads.client.url": handlers.answer_url,
            "downloads.client.username": handlers.answer_username,
            "downloads.client.password": handlers.answer_password,
            "downloads.client.forget": handlers.forget,
            "downloads.library": handlers.library_button,
        },
        tools=download_tools(handlers),
        intents=download_intents(),
        schedules=[
            Schedule(
                "downloads.monitor",
                POLL_KIND,
                Every(timedelta(seconds=deps.poll_seconds)),
                dedupe_key=POLL_KIND,  # a tick while a poll still waits adds nothing
            )
        ],
        job_kinds=[monitor.job_kind()],
        routes=sync.routes(),
        instructions=INSTRUCTIONS,
        home=Path(__file__).parent,
    )
