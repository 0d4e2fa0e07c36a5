"""Agent tools: thin over the /downloads flows, acting for the user in ``ctx.deps``.

The tools show the user the same view as the commands and return a compact
summary for the model. No tool takes a user id: whose downloads they are is
always the acting user's, and the service refuses another user's download ids.
"""

from __future__ import annotations

from typing import Literal

from pydantic_ai import RunContext, Tool

from concierge.core.skill import Context
from concierge.skills.downloads.commands import DownloadCommands, DownloadList
from concierge.skills.downloads.render import human_duration
from concierge.skills.downloads.service import DownloadView

Action = Literal["pause", "resume", "remove"]


def summarize(ctx: Context, shown: DownloadList) -> str:
    """One line per download: id, name, state, percent, time left (in the user's language)."""
    if not shown.views:
        return ctx.t("downloads.tool.none")
    lines = [_line(ctx, view) for view in shown.views]
    if shown.unavailable is not None:
        lines.insert(0, ctx.t("downloads.list.unavailable", reason=shown.unavailable))
    return "\n".join(lines)


def _line(ctx: Context, view: DownloadView) -> str:
    live = view.live
    if live is None:
        percent = 100 if view.status == "complete" else 0
        return f"[id {view.id}] {view.name}: {ctx.t('downloads.list.gone')}, {percent}%"
    state = ctx.t(f"downloads.state.{live.state.value}")
    eta = f", {human_duration(live.eta_seconds)}" if live.eta_seconds and not live.complete else ""
    return f"[id {view.id}] {view.name}: {state}, {int(live.progress * 100)}%{eta}"


def download_tools(commands: DownloadCommands) -> list[Tool[Context]]:
    async def list_downloads(ctx: RunContext[Context]) -> str:
        """Show the user their torrent downloads (progress bars with pause/remove buttons).

        Returns one line per download: "[id N] name: state, percent, time left".
        """
        return summarize(ctx.deps, await commands.show_downloads(ctx.deps))

    async def control_download(ctx: RunContext[Context], download_id: int, action: Action) -> str:
        """Pause, resume or remove (keeping its files) one of the user's downloads.

        download_id: the N of "[id N]" from list_downloads.
        """
        return await commands.control_download(ctx.deps, download_id, action)

    return [
        Tool(list_downloads, takes_ctx=True),
        Tool(control_download, takes_ctx=True),
    ]
