"""/stats and /broadcast (owners and admins): thin over the service."""

from __future__ import annotations

import secrets
from typing import Any

from concierge.core.messages import Text, literal, rows
from concierge.core.skill import Context
from concierge.skills.admin.service import MAX_TEXT, AdminService

PREVIEW = 300


class AdminCommands:
    def __init__(self, service: AdminService) -> None:
        self._service = service

    async def stats(self, ctx: Context) -> None:
        figures = await self._service.stats()
        lines = [ctx.t("admin.stats.title")]
        roles = ", ".join(f"{role} {count}" for role, count in figures.pop("users_by_role").items())
        lines.append(ctx.t("admin.stats.users", count=figures.pop("users"), roles=roles))
        if not figures.get("transcriptions"):  # none yet: one line says so, not four zeros
            figures = {k: v for k, v in figures.items() if not k.startswith("transcription")}
        for key, value in figures.items():
            label_key = f"admin.stats.{key}"
            label = ctx.t(label_key) if ctx.catalog.has(label_key) else key
            shown = (
                f"{value:.4f}"
                if isinstance(value, float) and not value.is_integer()
                else f"{value:g}"
            )
            lines.append(f"{label}: {shown}")
        if "transcriptions" not in figures:
            lines.append(ctx.t("admin.stats.no_transcriptions"))
        await ctx.reply("\n".join(lines))

    async def broadcast(self, ctx: Context) -> None:
        text = ctx.inbound.args.strip()
        if not text:
            await ctx.reply(ctx.t("admin.broadcast.usage"))
            return
        if len(text) > MAX_TEXT:
            await ctx.reply(ctx.t("admin.broadcast.too_long", limit=MAX_TEXT))
            return
        count = await self._service.recipients()
        send = await ctx.button(
            ctx.t("admin.broadcast.send", count=count),
            "admin.broadcast.confirm",
            {"text": text, "token": secrets.token_hex(8)},
        )
        cancel = await ctx.button(ctx.t("admin.broadcast.cancel"), "admin.broadcast.cancel", {})
        shown = text if len(text) <= PREVIEW else text[:PREVIEW] + "…"
        question = ctx.t("admin.broadcast.confirm", count=count, text=literal(shown))
        await ctx.reply(Text(question, buttons=rows(send, cancel, per_row=2)))

    async def confirm(self, ctx: Context, payload: dict[str, Any]) -> None:
        text, token = str(payload.get("text", "")), str(payload.get("token", ""))
        progress = await self._service.broadcast(text, ctx.user.id, token or None)
        if progress is None:
            await ctx.reply(ctx.t("admin.broadcast.already"))
            return
        await ctx.reply(ctx.t("admin.broadcast.started", count=progress.recipients))

    async def cancel(self, ctx: Context, _payload: dict[str, Any]) -> None:
        await ctx.reply(ctx.t("admin.broadcast.cancelled"))
