"""Agent tools: thin over the commands, telling the user and returning short notes."""

from __future__ import annotations

from typing import Literal

from pydantic_ai import RunContext, Tool

from concierge.core.skill import Context
from concierge.skills.monitors.commands import MonitorCommands


def monitor_tools(commands: MonitorCommands) -> list[Tool[Context]]:
    async def monitor_release(
        ctx: RunContext[Context],
        title: str | None = None,
        tmdb_id: int | None = None,
        kind: Literal["movie", "tv", "any"] = "any",
        year: int | None = None,
        quality: str | None = None,
        auto_download: bool = False,
    ) -> str:
        """Tell the user when a film comes out (or a series gets new episodes) on the
        trackers; quality "2160p"/"4K", "1080p", "720p" or none for any. auto_download
        sends the best release to the user's own torrent client. The user is told."""
        return await commands.watch(
            ctx.deps, title=title, tmdb_id=tmdb_id, kind=None if kind == "any" else kind,
            year=year, quality=quality, auto=auto_download,
        )  # fmt: skip

    async def follow_series(
        ctx: RunContext[Context],
        title: str | None = None,
        tmdb_id: int | None = None,
        from_season: int | None = None,
        quality: str | None = None,
        auto_download: bool = False,
    ) -> str:
        """Follow a series: notify (or auto-download) each new episode once it aired and
        its torrents appear; from_season skips earlier seasons."""
        return await commands.watch(
            ctx.deps, title=title, tmdb_id=tmdb_id, kind="tv", quality=quality,
            auto=auto_download, from_season=from_season,
        )  # fmt: skip

    async def list_monitors(ctx: RunContext[Context]) -> str:
        """Show the user's release monitors and followed series, with Remove buttons.

        Returns each as "[id] kind title q=quality state"."""
        return await commands.show(ctx.deps)

    async def remove_monitor(ctx: RunContext[Context], monitor_id: int) -> str:
        """Remove one of the user's monitors by the id list_monitors gave."""
        return await commands.remove(ctx.deps, monitor_id)

    return [
        Tool(monitor_release),
        Tool(follow_series),
        Tool(list_monitors),
        Tool(remove_monitor),
    ]
