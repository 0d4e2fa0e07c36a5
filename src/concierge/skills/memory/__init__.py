"""Memory skill: onboarding, profile and settings, long-term memory, your data.

It knows the user: their answers (quality, audio, genres), named core memory
blocks the agent reads in every run and updates with tools, searchable notes,
learnings derived from their ratings, and their data to export or erase. The
movies skill ranks with ``preferences(core)``; the lists live in movies.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from concierge.core.deps import CoreServices
from concierge.core.skill import Command, Context, Skill
from concierge.skills.memory.blocks import MemoryBlocks, Summarizer
from concierge.skills.memory.commands import (
    FORGET_CONFIRM,
    RERUN,
    RESET_CONFIRM,
    SETTING,
    MemoryCommands,
)
from concierge.skills.memory.intents import memory_intents
from concierge.skills.memory.letterboxd import Letterboxd
from concierge.skills.memory.letterboxd_flows import UNFOLLOW, LetterboxdFlows
from concierge.skills.memory.notes import Notes
from concierge.skills.memory.onboarding import ANSWER, GENRE, NEXT, STOP, Onboarding
from concierge.skills.memory.ports import DiaryFeed, TitleMatcher, TraktService
from concierge.skills.memory.profile import ProfileStore
from concierge.skills.memory.service import MemoryService
from concierge.skills.memory.tools import memory_tools
from concierge.skills.memory.trakt import TraktLink
from concierge.skills.memory.trakt_flows import CHECK as TRAKT_CHECK
from concierge.skills.memory.trakt_flows import DISCONNECT as TRAKT_DISCONNECT
from concierge.skills.memory.trakt_flows import SYNC as TRAKT_SYNC
from concierge.skills.memory.trakt_flows import TraktFlows
from concierge.skills.memory.userdata import UserData
from concierge.skills.movies.commands import PreferencesFor
from concierge.skills.movies.lists import TitleLists
from concierge.skills.movies.matcher import CatalogMatcher

__all__ = ["MemoryDeps", "build", "preferences"]


@dataclass(frozen=True, slots=True)
class MemoryDeps:
    core: CoreServices
    summarizer: Summarizer | None = None  # the configured model; None: merge oldest entries
    matcher: TitleMatcher | None = None  # TMDB, for Letterboxd imports; None without a key
    feed: DiaryFeed | None = None  # Letterboxd's public RSS
    poll_minutes: int = 60
    trakt: TraktService | None = None  # None without TRAKT_CLIENT_ID / TRAKT_CLIENT_SECRET
    trakt_minutes: int = 60


def preferences(core: CoreServices) -> PreferencesFor:
    """The movies skill's ``PreferencesFor``: ranking by the user's stored answers."""
    return ProfileStore(core.db).preferences_for


def build(deps: MemoryDeps) -> Skill:
    core = deps.core
    profiles = ProfileStore(core.db)
    lists = TitleLists(core.db, core.clock)
    blocks = MemoryBlocks(core.db, deps.summarizer, core.clock)
    notes = Notes(core.db, core.clock)
    service = MemoryService(profiles, blocks, notes, lists)
    onboarding = Onboarding(profiles, core.users)
    letterboxd = LetterboxdFlows(
        Letterboxd(core.db, lists, deps.matcher or CatalogMatcher(None), deps.feed),
        profiles,
        core.db,
    )
    link = (
        TraktLink(deps.trakt, core.credentials, lists, core.db, core.clock)
        if deps.trakt is not None
        else None
    )
    trakt = TraktFlows(link)
    commands = MemoryCommands(
        service, onboarding, UserData(core.db, core.users, profiles, blocks, notes, lists), link
    )

    async def instructions(ctx: Context) -> str:
        return await service.instructions(ctx)

    return Skill(
        name="memory",
        commands=[
            Command("profile", "memory.help.profile", commands.profile),
            Command("settings", "memory.help.settings", commands.settings),
            Command("reset_profile", "memory.help.reset_profile", commands.reset_profile),
            Command("export", "memory.help.export", commands.export),
            Command("forget_me", "memory.help.forget_me", commands.forget_me),
            Command("letterboxd", "memory.help.letterboxd", letterboxd.command),
            Command("trakt", "memory.help.trakt", trakt.command),
        ],
        buttons={
            ANSWER: onboarding.on_answer,
            GENRE: onboarding.on_genre,
            NEXT: onboarding.on_next,
            STOP: onboarding.on_stop,
            SETTING: commands.on_setting,
            RERUN: commands.on_rerun,
            RESET_CONFIRM: commands.on_reset,
            FORGET_CONFIRM: commands.on_forget,
            UNFOLLOW: letterboxd.on_unfollow,
            TRAKT_CHECK: trakt.on_check,
            TRAKT_SYNC: trakt.on_sync,
            TRAKT_DISCONNECT: trakt.on_disconnect,
        },
        tools=memory_tools(service),
        intents=memory_intents(),
        processors=[letterboxd],
        job_kinds=[letterboxd.job(), trakt.job()],
        schedules=[
            *([letterboxd.schedule(deps.poll_minutes)] if deps.feed is not None else []),
            *([trakt.schedule(deps.trakt_minutes)] if link is not None else []),
        ],
        on_start=onboarding.on_start,
        user_instructions=instructions,
        home=Path(__file__).parent,
    )
