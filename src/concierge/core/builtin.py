"""Commands every deployment has: /start, /help, /cancel, /language, and approvals."""

from __future__ import annotations

from typing import Any

import structlog

from concierge.core.access import Role
from concierge.core.approvals import APPROVE_ACTION, BLOCK_ACTION, LIST_ACTION, Approvals
from concierge.core.i18n import Catalog, resolve_language
from concierge.core.messages import Text, rows
from concierge.core.notify import DeliveryFailed, Notifier, RecipientUnreachable
from concierge.core.registry import Registry
from concierge.core.skill import Command, Context, Skill
from concierge.core.time_commands import ANSWER_ACTION, TimeZoneCommands
from concierge.storage.repos import UserRepo

log = structlog.get_logger(__name__)

LANGUAGE_ACTION = "core.language"


class CoreCommands:
    """Handlers for the built-in commands; ``registry`` is set once all skills exist."""

    def __init__(self, users: UserRepo, notifier: Notifier, catalog: Catalog, default_lang: str):
        self.users = users
        self.notifier = notifier
        self.catalog = catalog
        self.default_lang = default_lang
        self.registry: Registry | None = None

    async def start(self, ctx: Context) -> None:
        payload = ctx.inbound.args
        if payload and self.registry is not None:
            for prefix, open_link in self.registry.deep_links.items():
                if payload.startswith(prefix):
                    await open_link(ctx, payload[len(prefix) :])
                    return
        await ctx.reply(ctx.t("start.welcome", name=ctx.user.display_name or ctx.t("start.friend")))

    async def help(self, ctx: Context) -> None:
        if self.registry is None:
            return
        lines = [ctx.t("help.header")]
        for command in self.registry.listed_commands():
            if command.listed_for(ctx):
                lines.append(f"/{command.name} — {ctx.t(command.help_key)}")
        lines.append("")
        lines.append(ctx.t("help.footer"))
        await ctx.reply("\n".join(lines))

    async def cancel(self, ctx: Context) -> None:
        """Ends the current flow and names it; the running request was already stopped."""
        current = await ctx.flows.take(ctx.user.id)
        if current is None:
            await ctx.reply(ctx.t("cancel.done"))
            return
        waiting = await ctx.flows.current(ctx.user.id)
        text = ctx.t("cancel.flow", flow=ctx.flow_title(current.flow))
        if waiting is not None:
            text += "\n" + ctx.t("flows.resumed", flow=ctx.flow_title(waiting.flow))
        await ctx.reply(text)

    async def language(self, ctx: Context) -> None:
        buttons = rows(
            await ctx.button("English", LANGUAGE_ACTION, {"lang": "en"}),
            await ctx.button("Русский", LANGUAGE_ACTION, {"lang": "ru"}),
            await ctx.button(ctx.t("language.auto"), LANGUAGE_ACTION, {"lang": None}),
            per_row=3,
        )
        await ctx.reply(Text(ctx.t("language.choose", current=ctx.lang), buttons=buttons))

    async def set_language(self, ctx: Context, payload: dict[str, Any]) -> None:
        chosen = payload.get("lang")
        lang = chosen if chosen in ("en", "ru") else None
        user = await self.users.set_language(ctx.user.id, lang) or ctx.user
        new_lang = resolve_language(user.language, user.platform_language, self.default_lang)
        await ctx.reply(self.catalog.t("language.set", new_lang))

    async def _decide(self, ctx: Context, payload: dict[str, Any], role: Role) -> None:
        if not ctx.user.role.allows(Role.ADMIN):
            await ctx.reply(ctx.t("access.forbidden"))
            return
        target = await self.users.get(int(payload.get("user_id", 0)))
        if target is None:
            await ctx.reply(ctx.t("buttons.expired"))
            return
        if target.role is Role.OWNER:
            await ctx.reply(ctx.t("access.owner_unchanged"))
            return
        await self.users.set_role(target.id, role)
        key = "access.approved" if role is Role.USER else "access.blocked"
        await ctx.reply(ctx.t(key, name=target.display_name or target.key))
        log.info("access_decided", target=target.key, role=role.value, by=ctx.user.key)
        if role is Role.USER:
            lang = resolve_language(target.language, target.platform_language, self.default_lang)
            try:
                await self.notifier.send(target, Text(self.catalog.t("access.welcome", lang)))
            except (DeliveryFailed, RecipientUnreachable) as exc:
                log.warning("approval_notice_failed", target=target.key, reason=str(exc))

    async def approve(self, ctx: Context, payload: dict[str, Any]) -> None:
        await self._decide(ctx, payload, Role.USER)

    async def block(self, ctx: Context, payload: dict[str, Any]) -> None:
        await self._decide(ctx, payload, Role.BLOCKED)


def build_core_skill(
    commands: CoreCommands, zones: TimeZoneCommands, approvals: Approvals
) -> Skill:
    return Skill(
        name="core",
        commands=[
            Command("start", "help.start", commands.start),
            Command("help", "help.help", commands.help),
            Command("cancel", "help.cancel", commands.cancel),
            Command("language", "help.language", commands.language),
            zones.command(),
        ],
        buttons={
            LANGUAGE_ACTION: commands.set_language,
            ANSWER_ACTION: zones.answer,
            APPROVE_ACTION: commands.approve,
            BLOCK_ACTION: commands.block,
            LIST_ACTION: approvals.list_waiting,
        },
        job_kinds=[approvals.job_kind()],
    )
