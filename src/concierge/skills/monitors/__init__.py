"""Monitors skill: release monitors, series following and auto-download.

"Tell me when Dune Part Three is out in 4K", *Notify me* / *Follow* on title cards,
/monitor, /follow, /monitors. A fixed tick queues one check per due title (one search
for all its users, through the movies skill's shared search); each match becomes
one push with the /find buttons, or a download in the user's own client.
``bootstrap.py`` passes the movies service, the torrent buttons and the client bridge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from concierge.core.buttons import ButtonStore
from concierge.core.deps import CoreServices
from concierge.core.flows import FlowStore
from concierge.core.schedules import Every, Schedule
from concierge.core.skill import Command, Skill
from concierge.skills.monitors.checker import TICK_KIND, Checker
from concierge.skills.monitors.commands import MonitorCommands
from concierge.skills.monitors.context import UserContexts
from concierge.skills.monitors.intents import monitor_intents
from concierge.skills.monitors.models import MonitorMatch
from concierge.skills.monitors.ports import OwnClient, SendOutcome
from concierge.skills.monitors.push import Pusher
from concierge.skills.monitors.render import (
    AUTO,
    FOLLOW,
    LIST_ACTION,
    NOTIFY,
    REMOVE,
    USER_AUTO,
    card_button,
)
from concierge.skills.monitors.service import MonitorsService
from concierge.skills.monitors.store import MonitorStore
from concierge.skills.monitors.tools import monitor_tools
from concierge.skills.movies.commands import PreferencesFor, default_preferences
from concierge.skills.movies.render import TorrentButtonFactory
from concierge.skills.movies.service import MoviesService

__all__ = [
    "MonitorMatch",
    "MonitorsDeps",
    "MonitorsService",
    "OwnClient",
    "SendOutcome",
    "build",
    "card_button",
]

INSTRUCTIONS = """Monitors: monitor_release tells the user when a film is out on the trackers
(at a quality when asked; auto_download sends it to their own client); follow_series
notifies each new episode of a series; list_monitors and remove_monitor manage them."""

TICK = "monitors.tick"


@dataclass(frozen=True, slots=True)
class MonitorsDeps:
    core: CoreServices
    movies: MoviesService  # the movies skill's own: same sources, deadlines, HTTP cache
    buttons: ButtonStore
    flows: FlowStore
    own_client: OwnClient | None = None  # None: auto-download is off for everyone
    preferences: PreferencesFor = default_preferences
    torrent_buttons: Sequence[TorrentButtonFactory] = field(default_factory=tuple)
    per_user: int = 20
    tick_seconds: float = 300.0


@dataclass(frozen=True, slots=True)
class Monitors:
    """The built skill and its service (for digests: ``service.matches_since``)."""

    skill: Skill
    service: MonitorsService
    checker: Checker


def build(deps: MonitorsDeps) -> Monitors:
    core = deps.core
    store = MonitorStore(core.db, deps.per_user)
    service = MonitorsService(store=store, movies=deps.movies, clock=core.clock)
    contexts = UserContexts(core.catalog, deps.buttons, deps.flows, core.default_language)
    checker = Checker(
        store=store, movies=deps.movies, users=core.users, contexts=contexts,
        preferences=deps.preferences, jobs=core.jobs, clock=core.clock,
    )  # fmt: skip
    pusher = Pusher(
        store=store, users=core.users, notifier=core.notifier, contexts=contexts,
        movies=deps.movies, own_client=deps.own_client, torrent_buttons=deps.torrent_buttons,
    )  # fmt: skip
    commands = MonitorCommands(service, deps.preferences)
    skill = Skill(
        name="monitors",
        commands=[
            Command("monitor", "monitors.help.monitor", commands.cmd_monitor, aliases=("notify",)),
            Command("follow", "monitors.help.follow", commands.cmd_follow),
            Command("monitors", "monitors.help.monitors", commands.cmd_monitors),
        ],
        buttons={
            NOTIFY: commands.on_notify,
            FOLLOW: commands.on_follow,
            REMOVE: commands.on_remove,
            AUTO: commands.on_auto,
            USER_AUTO: commands.on_user_auto,
            LIST_ACTION: commands.on_list,
        },
        tools=monitor_tools(commands),
        intents=monitor_intents(),
        schedules=[
            Schedule(
                TICK,
                TICK_KIND,
                Every(timedelta(seconds=deps.tick_seconds)),
                catch_up=timedelta(seconds=deps.tick_seconds),
            )
        ],
        job_kinds=[*checker.job_kinds(), pusher.job_kind()],
        instructions=INSTRUCTIONS,
        home=Path(__file__).parent,
    )
    return Monitors(skill, service, checker)
