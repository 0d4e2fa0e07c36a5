"""Movies skill: titles, ratings, cards, and ranked torrents from every tracker at once.

``bootstrap.py`` builds the metadata, ratings and torrent-source adapters and passes them in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from concierge.core.deps import CoreServices
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
from concierge.skills.movies.list_commands import ListCommands
from concierge.skills.movies.list_flows import LIST_PAGE, LIST_REMOVE, RATE_SET, ListFlows
from concierge.skills.movies.list_intents import list_intents
from concierge.skills.movies.list_tools import list_tools
from concierge.skills.movies.lists import TitleLists
from concierge.skills.movies.ports import (
    LibraryLookup,
    MetadataSource,
    RatingsSource,
    TorrentSource,
    TrackerAccounts,
)
from concierge.skills.movies.render import (
    CAST,
    LIST_ADD,
    LIST_NEVER,
    LIST_RATE,
    LIST_WATCHED,
    MAGNET,
    MORE,
    OPEN,
    PERSON,
    SIMILAR,
    TORRENT_FILE,
    TORRENTS,
    CardButtonFactory,
    TorrentButtonFactory,
)
from concierge.skills.movies.search import FanOut
from concierge.skills.movies.service import MoviesService
from concierge.skills.movies.store import LastResults
from concierge.skills.movies.tools import movie_tools

__all__ = [
    "CardButtonFactory",
    "MoviesDeps",
    "MoviesService",
    "TorrentButtonFactory",
    "build",
    "service_for",
]

INSTRUCTIONS = """Movies: to find a film or series and its torrents use search_torrents (it
also sends the title card); search_titles lists matches; title_details and person show
cards; pick_result takes "download 2"-style picks from the user's last list. Cards and
buttons are already sent to the user: summarize briefly, don't repeat every field.
Lists: add_to_watchlist, mark_watched (with the rating when the user gives one),
block (titles, people, genres the user never wants), show_list; something_like
suggests titles like one the user names, without what they watched or blocked."""


@dataclass(frozen=True, slots=True)
class MoviesDeps:
    core: CoreServices
    catalog: MetadataSource | None  # TMDB; None without a key
    ratings: Sequence[RatingsSource] = ()
    sources: Sequence[TorrentSource] = ()
    source_deadline: float = 6.0
    accounts: TrackerAccounts | None = None  # RuTracker, when enabled
    library: LibraryLookup | None = None  # the NAS index marks titles the user already has
    preferences: PreferencesFor = default_preferences
    torrent_buttons: Sequence[TorrentButtonFactory] = field(default_factory=tuple)
    card_buttons: Sequence[CardButtonFactory] = field(default_factory=tuple)


def service_for(deps: MoviesDeps) -> MoviesService:
    """The one search over ``deps``' sources; other skills (monitors) share it with movies."""
    return MoviesService(
        catalog=deps.catalog,
        ratings=deps.ratings,
        fanout=FanOut(deps.sources, deadline=deps.source_deadline),
        library=deps.library,
    )


def build(deps: MoviesDeps, service: MoviesService | None = None) -> Skill:
    """The movies skill; ``torrent_buttons`` add buttons to every torrent card and
    ``card_buttons`` to every title card; ``service`` is the shared one when given."""
    service = service or service_for(deps)
    accounts = TrackerAccountFlows(deps.accounts)
    flows = MoviesFlows(
        service,
        LastResults(deps.core.db),
        preferences=deps.preferences,
        torrent_buttons=deps.torrent_buttons,
        card_buttons=deps.card_buttons,
    )
    lists = ListCommands(
        ListFlows(service, TitleLists(deps.core.db, deps.core.clock), flows.last, deps.preferences)
    )
    return Skill(
        name="movies",
        commands=[
            Command("find", "movies.help.find", flows.cmd_find, aliases=("search", "torrents")),
            Command("rutracker", "movies.help.rutracker", accounts.command),
            Command("watchlist", "movies.help.watchlist", lists.watchlist),
            Command("watched", "movies.help.watched", lists.watched),
            Command("rate", "movies.help.rate", lists.rate, aliases=("ratings",)),
            Command("blocklist", "movies.help.blocklist", lists.blocklist),
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
            LIST_ADD: lists.on_add,
            LIST_WATCHED: lists.on_watched,
            LIST_RATE: lists.on_rate,
            RATE_SET: lists.on_rate_set,
            LIST_NEVER: lists.on_never,
            LIST_PAGE: lists.on_page,
            LIST_REMOVE: lists.on_remove,
        },
        tools=[*movie_tools(flows), *list_tools(lists)],
        intents=[*list_intents(), *movie_intents()],
        deep_links={"m_": flows.link_movie, "t_": flows.link_tv, "p_": flows.link_person},
        instructions=INSTRUCTIONS,
        home=Path(__file__).parent,
    )
