"""Downloads skill: torrent clients, download tracking, completion notices, NAS sync, library.

Adapters are imported inside ``build`` only: they import this package's ports,
so importing them at module level here would be circular.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from concierge.core.access import parse_owner_ids
from concierge.core.skill import Command, PeriodicJob, Skill
from concierge.core.urlguard import Resolver, system_resolver
from concierge.skills.downloads.client_url import parse_client_url
from concierge.skills.downloads.commands import DownloadCommands
from concierge.skills.downloads.intents import download_intents
from concierge.skills.downloads.library import LibraryIndex
from concierge.skills.downloads.monitor import CompletionMonitor
from concierge.skills.downloads.render import CONTROL_ACTION, SEND_ACTION
from concierge.skills.downloads.service import ClientFactory, ClientPolicy, DownloadService
from concierge.skills.downloads.sync_api import SyncAPI
from concierge.skills.downloads.tools import download_tools

if TYPE_CHECKING:
    from concierge.config import Settings
    from concierge.core.i18n import Catalog
    from concierge.core.notify import Notifier
    from concierge.storage.credentials import CredentialStore
    from concierge.storage.db import Database
    from concierge.storage.repos import UserRepo

__all__ = ["build", "client_policy"]

INSTRUCTIONS = """Downloads: list_downloads shows the user's torrent downloads with progress and
buttons; control_download pauses, resumes or removes one by the id list_downloads gave.
Setting up a client is the /client command; say so when the user has none."""


def client_policy(settings: Settings) -> ClientPolicy:
    """TORRENT_CLIENT_URL (``?seedbox=1`` marks a remote seedbox), its users, the URL flag."""
    configured = settings.torrent_client_url
    raw = configured.get_secret_value() if configured is not None else ""
    url, _, query = raw.partition("?")
    return ClientPolicy(
        global_client=parse_client_url(url) if url else None,
        global_is_seedbox="seedbox=1" in query or "seedbox=true" in query,
        global_users=frozenset(parse_owner_ids(settings.torrent_client_users)),
        allow_private_urls=settings.allow_private_client_urls,
    )


def build(
    settings: Settings,
    *,
    db: Database,
    credentials: CredentialStore,
    users: UserRepo,
    notifier: Notifier,
    catalog: Catalog,
    factory: ClientFactory | None = None,
    resolver: Resolver = system_resolver,
) -> Skill:
    if factory is None:
        from concierge.skills.downloads.factory import default_factory

        factory = default_factory
    service = DownloadService(
        db=db,
        credentials=credentials,
        factory=factory,
        policy=client_policy(settings),
        resolver=resolver,
    )
    library = LibraryIndex(db)
    monitor = CompletionMonitor(
        db=db,
        service=service,
        users=users,
        notifier=notifier,
        catalog=catalog,
        default_language=settings.default_language,
    )
    api_key = settings.sync_api_key.get_secret_value() if settings.sync_api_key else None
    sync = SyncAPI(db=db, api_key=api_key, monitor=monitor, library=library)
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
        jobs=[PeriodicJob("downloads.monitor", float(settings.download_poll_seconds), monitor.run)],
        routes=sync.routes(),
        instructions=INSTRUCTIONS,
    )
