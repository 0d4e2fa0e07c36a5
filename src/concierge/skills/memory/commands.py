"""/profile, /settings, /reset_profile, /export, /forget_me and their buttons (thin)."""

from __future__ import annotations

import json
from typing import Any

import structlog

from concierge.adapters.errors import ExternalServiceError
from concierge.core.messages import File, Text, rows
from concierge.core.skill import Context
from concierge.skills.memory.onboarding import SETTINGS_MODE, Onboarding
from concierge.skills.memory.render import export_markdown, profile_text
from concierge.skills.memory.service import MemoryService
from concierge.skills.memory.trakt import TraktLink
from concierge.skills.memory.userdata import UserData

log = structlog.get_logger(__name__)

SETTING = "memory.settings.open"
RERUN = "memory.settings.rerun"
RESET_CONFIRM = "memory.reset.confirm"
FORGET_CONFIRM = "memory.forget.confirm"
SETTINGS = ("language", "quality", "audio", "size", "genres")


class MemoryCommands:
    def __init__(
        self,
        service: MemoryService,
        onboarding: Onboarding,
        data: UserData,
        trakt: TraktLink | None = None,
    ) -> None:
        self.service = service
        self.onboarding = onboarding
        self.data = data
        self.trakt = trakt

    async def profile(self, ctx: Context) -> None:
        await self.service.refresh_learnings(ctx.user.id)
        uid = ctx.user.id
        text = profile_text(
            ctx,
            await self.service.profiles.get(uid),
            await self.service.lists.counts(uid),
            await self.service.blocks.all(uid),
            await self.service.notes.count(uid),
        )
        settings = await ctx.button(ctx.t("memory.profile.change"), RERUN, {"menu": True})
        await ctx.reply(Text(text, buttons=rows(settings)))

    async def settings(self, ctx: Context) -> None:
        buttons = [
            await ctx.button(ctx.t(f"memory.settings.{name}"), SETTING, {"step": name})
            for name in SETTINGS
        ]
        buttons.append(await ctx.button(ctx.t("memory.settings.rerun"), RERUN, {}))
        await ctx.reply(Text(ctx.t("memory.settings.header"), buttons=rows(*buttons, per_row=2)))

    async def on_setting(self, ctx: Context, payload: dict[str, Any]) -> None:
        profile = await self.service.profiles.get(ctx.user.id)
        step = str(payload.get("step"))
        if step in SETTINGS:
            await self.onboarding.ask(ctx, step, profile, mode=SETTINGS_MODE)

    async def on_rerun(self, ctx: Context, payload: dict[str, Any]) -> None:
        if payload.get("menu"):
            await self.settings(ctx)
            return
        await self.onboarding.restart(ctx)

    async def reset_profile(self, ctx: Context) -> None:
        confirm = await ctx.button(ctx.t("memory.reset.yes"), RESET_CONFIRM, {})
        await ctx.reply(Text(ctx.t("memory.reset.ask"), buttons=rows(confirm)))

    async def on_reset(self, ctx: Context, _payload: dict[str, Any]) -> None:
        uid = ctx.user.id
        await self.service.profiles.forget(uid)
        await self.service.blocks.forget(uid)
        await self.service.notes.forget(uid)
        await ctx.reply(ctx.t("memory.reset.done"))

    async def export(self, ctx: Context) -> None:
        data = await self.data.export(ctx.user)
        body = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()
        await ctx.reply(
            File.from_bytes("concierge-export.json", body, caption=ctx.t("memory.export.caption"))
        )
        await ctx.reply(File.from_bytes("concierge-export.md", export_markdown(data).encode()))

    async def forget_me(self, ctx: Context) -> None:
        confirm = await ctx.button(ctx.t("memory.forget.yes"), FORGET_CONFIRM, {})
        await ctx.reply(Text(ctx.t("memory.forget.ask"), buttons=rows(confirm)))

    async def on_forget(self, ctx: Context, _payload: dict[str, Any]) -> None:
        user = ctx.user
        if self.trakt is not None and await self.trakt.connected(user.id):
            try:  # revoke at Trakt too; the stored token goes with the rest either way
                await self.trakt.disconnect(user.id)
            except ExternalServiceError:
                log.warning("forget_trakt_revoke_failed", user=user.key)
        await self.data.forget(user)
        await ctx.reply(ctx.t("memory.forget.done"))
