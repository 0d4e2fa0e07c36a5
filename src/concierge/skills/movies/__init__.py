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
from concierge.skills.movies.ports import (
    LibraryLookup,
    MetadataSource,
    RatingsSource,
    TorrentSource,
    TrackerAccounts,
)
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

__all__ = ["MoviesDeps", "TorrentButtonFactory", "build"]

INSTRUCTIONS = """Movies: to find a film or series and its torrents use search_torrents (it
also sends the title card); search_titles lists matches; title_details and person show
cards; pick_result takes "download 2"-style picks from the user's last list. Cards and
buttons are already sent to the user: summarize briefly, don't repeat every field."""


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


def build(deps: MoviesDeps) -> Skill:
    """The movies skill; ``torrent_buttons`` add buttons to every torrent card."""
    service = MoviesService(
        catalog=deps.catalog,
        ratings=deps.ratings,
        fanout=FanOut(deps.sources, deadline=deps.source_deadline),
        library=deps.library,
    )
    accounts = TrackerAccountFlows(deps.accounts)
    flows = MoviesFlows(
        service,
        LastResults(deps.core.db),
        preferences=deps.preferences,
        torrent_buttons=deps.torrent_buttons,
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
        home=Path(__file__).parent,
    )
