"""/trakt and its buttons, and the scheduled job that refreshes tokens and syncs (thin).

``/trakt`` shows a code to enter at trakt.tv/activate and an *I entered it*
button; once connected it shows *Sync now* and *Disconnect* (which revokes the
token). Without ``TRAKT_CLIENT_ID``/``TRAKT_CLIENT_SECRET`` it says so.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import structlog
from pydantic import BaseModel

from concierge.adapters.errors import ExternalServiceError
from concierge.core.jobs import JobContext, JobKind
from concierge.core.messages import Text, literal, rows
from concierge.core.schedules import Every, Schedule
from concierge.core.skill import Context
from concierge.skills.memory.trakt import TraktLink

log = structlog.get_logger(__name__)

CHECK = "memory.trakt.check"
SYNC = "memory.trakt.sync"
DISCONNECT = "memory.trakt.disconnect"
JOB = "memory.trakt_sync"


class SyncPayload(BaseModel):
    """Refresh and sync every connected user; no arguments."""


class TraktFlows:
    def __init__(self, link: TraktLink | None) -> None:
        self.link = link

    async def command(self, ctx: Context) -> None:
        if self.link is None:
            await ctx.reply(ctx.t("memory.trakt.not_configured"))
            return
        if await self.link.connected(ctx.user.id):
            buttons = rows(
                await ctx.button(ctx.t("memory.trakt.sync_now"), SYNC, {}),
                await ctx.button(ctx.t("memory.trakt.disconnect"), DISCONNECT, {}),
                per_row=2,
            )
            await ctx.reply(Text(ctx.t("memory.trakt.connected"), buttons=buttons))
            return
        try:
            url, code = await self.link.start(ctx.user.id)
        except ExternalServiceError as exc:
            await ctx.reply(ctx.t("memory.trakt.unreachable", reason=exc.kind))
            return
        check = await ctx.button(ctx.t("memory.trakt.entered"), CHECK, {})
        text = ctx.t("memory.trakt.enter_code", url=literal(url), code=literal(code))
        await ctx.reply(Text(text, buttons=rows(check)))

    async def on_check(self, ctx: Context, _payload: dict[str, Any]) -> None:
        if self.link is None:
            return
        try:
            outcome = await self.link.finish(ctx.user.id)
        except ExternalServiceError as exc:
            await ctx.reply(ctx.t("memory.trakt.unreachable", reason=exc.kind))
            return
        if outcome == "pending":
            again = await ctx.button(ctx.t("memory.trakt.entered"), CHECK, {})
            await ctx.reply(Text(ctx.t("memory.trakt.pending"), buttons=rows(again)))
            return
        if outcome != "connected":
            await ctx.reply(ctx.t(f"memory.trakt.failed.{outcome}"))
            return
        await ctx.reply(ctx.t("memory.trakt.now_connected"))
        await self.on_sync(ctx, {})

    async def on_sync(self, ctx: Context, _payload: dict[str, Any]) -> None:
        if self.link is None:
            return
        try:
            report = await self.link.sync(ctx.user.id)
        except ExternalServiceError as exc:
            await ctx.reply(ctx.t("memory.trakt.unreachable", reason=exc.kind))
            return
        await ctx.reply(ctx.t("memory.trakt.synced", pulled=report.pulled, pushed=report.pushed))

    async def on_disconnect(self, ctx: Context, _payload: dict[str, Any]) -> None:
        if self.link is None:
            return
        try:
            await self.link.disconnect(ctx.user.id)
        except ExternalServiceError as exc:
            await ctx.reply(ctx.t("memory.trakt.unreachable", reason=exc.kind))
            return
        await ctx.reply(ctx.t("memory.trakt.disconnected"))

    async def run(self, _ctx: JobContext, _payload: SyncPayload) -> None:
        if self.link is None:
            return
        for user_id in await self.link.users():
            try:
                await self.link.sync(user_id)
            except ExternalServiceError:
                continue  # logged by the HTTP client; the next tick tries again

    def job(self) -> JobKind[SyncPayload]:
        return JobKind(JOB, SyncPayload, self.run, concurrency=1)

    def schedule(self, minutes: int) -> Schedule:
        return Schedule(JOB, JOB, Every(timedelta(minutes=minutes)), dedupe_key=JOB)
