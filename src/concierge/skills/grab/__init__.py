"""Grab skill: paste a link, get the video, gallery or audio back (yt-dlp, gallery-dl).

Each link is one job of the core queue (limits at enqueue, fair order, restarts lose
nothing); each download runs in its own child process behind the connect-time URL
guard; progress is one message edited in place. ``bootstrap.py`` passes the settings in.

This module stays light: the child process (``python -m concierge.skills.grab.child``)
imports the package, so ``build`` imports the service side only when called.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from concierge.skills.grab.router import parse_routes
from concierge.skills.grab.settings import GrabConfig, Limits

if TYPE_CHECKING:
    from concierge.core.deps import CoreServices
    from concierge.core.skill import Skill

__all__ = ["GrabConfig", "GrabDeps", "Limits", "build", "parse_routes"]

INSTRUCTIONS = """Grab: grab_link downloads a video, gallery or audio from a web link and sends
it to the user (they see a progress message); /queue shows their downloads."""


class SweepPayload(BaseModel):
    """The hourly sweep needs no arguments."""


@dataclass(frozen=True, slots=True)
class GrabDeps:
    core: CoreServices
    config: GrabConfig


def build(deps: GrabDeps) -> Skill:
    from concierge.core.jobs import JobContext, JobKind
    from concierge.core.schedules import Every, Schedule
    from concierge.core.skill import Command, MessageRoute, Skill
    from concierge.skills.grab.commands import GrabCommands, only_links
    from concierge.skills.grab.intents import grab_intents
    from concierge.skills.grab.links import Links, LinkSigner, load_key
    from concierge.skills.grab.render import CANCEL_ACTION
    from concierge.skills.grab.service import GrabService
    from concierge.skills.grab.tools import grab_tools

    config = deps.config
    signer = LinkSigner(load_key(config.work_dir), config.work_dir / "cache", deps.core.clock)
    links = Links(signer, config.public_base_url, timedelta(hours=config.link_ttl_hours))
    service = GrabService(deps.core, config, links)
    handlers = GrabCommands(service)

    async def sweep(_ctx: JobContext, _payload: SweepPayload) -> None:
        """Idempotent: a doubled run finds nothing more to remove."""
        await service.sweep_orphans()
        await service.cache.sweep()
        await service.cache.enforce_quota()

    return Skill(
        name="grab",
        commands=[
            Command("grab", "grab.help.grab", handlers.grab, aliases=("dl",)),
            Command("queue", "grab.help.queue", handlers.queue),
        ],
        buttons={CANCEL_ACTION: handlers.cancel},
        tools=grab_tools(handlers),
        intents=grab_intents(),
        message_routes=[MessageRoute("grab.links", only_links, handlers.message)],
        schedules=[Schedule("grab.sweep", "grab.sweep", Every(timedelta(hours=1)))],
        job_kinds=[service.job_kind(), JobKind("grab.sweep", SweepPayload, sweep)],
        routes=list(links.routes()) if links.enabled else [],
        instructions=INSTRUCTIONS,
        closers=[service.children],
        home=Path(__file__).parent,
    )
