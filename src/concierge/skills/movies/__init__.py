"""Movies skill: titles, ratings, cards, and ranked torrents from every tracker at once.

Adapters are imported inside ``build`` only: they import this package's domain
and ports, so importing them at module level here would be circular.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from concierge.core.skill import Command, Skill
from concierge.skills.movies.account import (
    ASK_PASSWORD,
    ASK_USERNAME,
    CHANGE,
    FORGET,
    TrackerAccountFlows,
)
from concierge.skills.movies.commands import MoviesFlows, PreferencesFor, default_preferences
from concierge.skills.movies.intents import movie_intents
from concierge.skills.movies.render import (
    CAST,
    MAGNET,
    MORE,
    OPEN,
    PERSON,
    SIMILAR,
    TORRENT_FILE,
    TORRENTS,
    TorrentButtonFactory,
)
from concierge.skills.movies.search import FanOut
from concierge.skills.movies.service import MoviesService
from concierge.skills.movies.store import LastResults
from concierge.skills.movies.tools import movie_tools

if TYPE_CHECKING:
    from concierge.adapters.http import HttpFactory
    from concierge.adapters.rutracker import RutrackerSource
    from concierge.config import Settings
    from concierge.skills.movies.ports import LibraryLookup, RatingsSource, TorrentSource
    from concierge.storage.credentials import CredentialStore
    from concierge.storage.db import Database

__all__ = ["TorrentButtonFactory", "build", "http_factory"]

INSTRUCTIONS = """Movies: to find a film or series and its torrents use search_torrents (it
also sends the title card); search_titles lists matches; title_details and person show
cards; pick_result takes "download 2"-style picks from the user's last list. Cards and
buttons are already sent to the user: summarize briefly, don't repeat every field."""


def http_factory(settings: Settings) -> HttpFactory:
    """The skill's HTTP clients share one persistent cache under the data directory."""
    from concierge.adapters.http import HttpFactory

    cache = settings.data_dir / "http-cache" if settings.http_cache_enabled else None
    return HttpFactory(cache)


def rutracker_source(
    settings: Settings, http: HttpFactory, credentials: CredentialStore
) -> RutrackerSource | None:
    """RuTracker, when enabled: a torrent source and where users keep their own logins."""
    if "rutracker" not in {name.lower() for name in settings.torrent_sources}:
        return None
    from concierge.adapters.rutracker import RutrackerSource

    password = settings.rutracker_password
    return RutrackerSource(
        http,
        base_url=settings.rutracker_base_url,
        credentials=credentials,
        operator_username=settings.rutracker_username,
        operator_password=password.get_secret_value() if password else None,
    )


def torrent_sources(
    settings: Settings, http: HttpFactory, rutracker: RutrackerSource | None
) -> list[TorrentSource]:
    from concierge.adapters.apibay import ApibaySource
    from concierge.adapters.torapi import TorApiSource
    from concierge.adapters.torznab import TorznabSource

    enabled = {name.lower() for name in settings.torrent_sources}
    sources: list[TorrentSource] = []
    if "torapi" in enabled:
        sources.append(TorApiSource(http, base_url=settings.torapi_base_url))
    if "apibay" in enabled:
        sources.append(ApibaySource(http, base_url=settings.apibay_base_url))
    if rutracker is not None:
        sources.append(rutracker)
    for index, endpoint in enumerate(settings.torznab_endpoints):
        sources.append(TorznabSource(http, endpoint=endpoint, index=index))
    return sources


def build_service(
    settings: Settings,
    http: HttpFactory,
    rutracker: RutrackerSource | None,
    library: LibraryLookup | None = None,
) -> MoviesService:
    from concierge.adapters.kinopoisk import KinopoiskRatings
    from concierge.adapters.omdb import OmdbRatings
    from concierge.adapters.tmdb import TmdbCatalog

    catalog = None
    if settings.tmdb_api_key is not None:
        catalog = TmdbCatalog(
            http,
            base_url=settings.tmdb_base_url,
            image_base_url=settings.tmdb_image_base_url,
            api_key=settings.tmdb_api_key.get_secret_value(),
        )
    ratings: list[RatingsSource] = []
    if settings.omdb_api_key is not None:
        ratings.append(
            OmdbRatings(
                http,
                base_url=settings.omdb_base_url,
                api_key=settings.omdb_api_key.get_secret_value(),
            )
        )
    if settings.kinopoisk_api_key is not None:
        ratings.append(
            KinopoiskRatings(
                http,
                base_url=settings.kinopoisk_base_url,
                api_key=settings.kinopoisk_api_key.get_secret_value(),
            )
        )
    fanout = FanOut(
        torrent_sources(settings, http, rutracker), deadline=settings.source_deadline_seconds
    )
    return MoviesService(catalog=catalog, ratings=ratings, fanout=fanout, library=library)


def build(
    settings: Settings,
    *,
    db: Database,
    credentials: CredentialStore,
    http: HttpFactory,
    preferences: PreferencesFor = default_preferences,
    torrent_buttons: Sequence[TorrentButtonFactory] = (),
    library: LibraryLookup | None = None,
) -> Skill:
    """The movies skill. ``torrent_buttons`` add buttons to every torrent card;
    ``library`` (the NAS index) marks titles the user already has."""
    rutracker = rutracker_source(settings, http, credentials)
    accounts = TrackerAccountFlows(rutracker)
    flows = MoviesFlows(
        build_service(settings, http, rutracker, library),
        LastResults(db),
        preferences=preferences,
        torrent_buttons=torrent_buttons,
    )
    return Skill(
        name="movies",
        commands=[
            Command("find", "movies.help.find", flows.cmd_find, aliases=("search", "torrents")),
            Command("rutracker", "movies.help.rutracker", accounts.command),
        ],
        buttons={
            OPEN: flows.on_open,
            TORRENTS: flows.on_torrents,
            SIMILAR: flows.on_similar,
            CAST: flows.on_cast,
            PERSON: flows.on_person,
            MAGNET: flows.on_magnet,
            TORRENT_FILE: flows.on_file,
            MORE: flows.on_more,
            ASK_USERNAME: accounts.answer_username,
            ASK_PASSWORD: accounts.answer_password,
            CHANGE: accounts.on_change,
            FORGET: accounts.on_forget,
        },
        tools=movie_tools(flows),
        intents=movie_intents(),
        deep_links={"m_": flows.link_movie, "t_": flows.link_tv, "p_": flows.link_person},
        instructions=INSTRUCTIONS,
    )
