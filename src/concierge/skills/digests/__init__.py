"""Digests: what is new for each user, daily and/or weekly at their hour, in their zone.

Monitor matches and followed series (the monitors skill, through ``MonitorMatches``), new
films from TMDB filtered and ranked by the user's taste (the memory skill's profile, the
movies skill's lists), films of people they like, and headlines from the operator's feeds;
summarised by the configured model or sent as a ranked list. Quiet hours hold a digest
back; *Less like this* and *Unsubscribe* work on every digest, also after a restart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from pydantic import BaseModel

from concierge.core.buttons import ButtonStore
from concierge.core.deps import CoreServices
from concierge.core.jobs import JobContext, JobKind
from concierge.core.schedules import Every, Schedule
from concierge.core.skill import Command, Skill
from concierge.skills.digests.cache import SharedFetches
from concierge.skills.digests.commands import DigestCommands
from concierge.skills.digests.gather import Gatherer, Sources
from concierge.skills.digests.jobs import DigestJobs
from concierge.skills.digests.ports import DigestWriter, FeedReader, MonitorMatches, ReleaseCatalog
from concierge.skills.digests.render import LESS, SET, SETTINGS, UNSUBSCRIBE
from concierge.skills.digests.service import DigestService, Language
from concierge.skills.digests.store import DigestStore
from concierge.skills.digests.tools import digest_intents, digest_tools
from concierge.skills.memory.profile import ProfileStore
from concierge.skills.movies.lists import TitleLists

__all__ = ["DigestsDeps", "build"]

PRUNE = "digests.prune"


class PrunePayload(BaseModel):
    """Pruning needs no arguments."""


def prune_kind(cache: SharedFetches) -> JobKind[PrunePayload]:
    """Old shared answers go; idempotent, so a doubled run is harmless."""

    async def run(_ctx: JobContext, _payload: PrunePayload) -> None:
        await cache.prune()

    return JobKind(PRUNE, PrunePayload, run)


@dataclass(frozen=True, slots=True)
class DigestsDeps:
    core: CoreServices
    buttons: ButtonStore  # buttons on bot-initiated digests
    catalog: ReleaseCatalog | None = None  # TMDB; None without TMDB_API_KEY
    feeds: FeedReader | None = None
    feed_urls: tuple[str, ...] = ()  # DIGEST_FEEDS
    matches: MonitorMatches | None = None  # the monitors skill; None: no such section
    writer: DigestWriter | None = None  # the configured model; None: the ranked list
    cache_ttl: timedelta = field(default=timedelta(hours=1))


def build(deps: DigestsDeps) -> Skill:
    core = deps.core
    store = DigestStore(core.db, core.clock)
    cache = SharedFetches(core.db, core.clock, deps.cache_ttl)
    sources = Sources(
        cache=cache,
        catalog=deps.catalog,
        feeds=deps.feeds,
        feed_urls=deps.feed_urls,
        matches=deps.matches,
    )
    service = DigestService(
        store,
        Gatherer(sources),
        deps.writer,
        ProfileStore(core.db),
        TitleLists(core.db, core.clock),
        core.scheduler,
        core.clock,
        Language(core.default_language),
    )
    jobs = DigestJobs(core, service, deps.buttons)
    commands = DigestCommands(service, jobs)
    return Skill(
        name="digests",
        commands=[
            Command("digest", "digests.help.digest", commands.digest, aliases=("дайджест",)),
            Command("quiet", "digests.help.quiet", commands.quiet),
        ],
        buttons={
            SET: commands.on_set,
            SETTINGS: commands.on_settings,
            UNSUBSCRIBE: commands.on_unsubscribe,
            LESS: commands.on_less,
        },
        tools=digest_tools(commands),
        intents=digest_intents(),
        job_kinds=[jobs.job_kind(), prune_kind(cache)],
        schedules=[Schedule(PRUNE, PRUNE, Every(timedelta(hours=6)))],
        home=Path(__file__).parent,
    )
