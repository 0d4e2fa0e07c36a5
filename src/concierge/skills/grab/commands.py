"""Grab's entry points for users: bare links, ``/grab`` (``/dl``), ``/queue``, Cancel."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from concierge.core.access import Role
from concierge.core.messages import Text, literal
from concierge.core.skill import Context
from concierge.skills.grab.models import GrabRow
from concierge.skills.grab.render import CANCEL_ACTION, shown_url
from concierge.skills.grab.service import GrabService

MAX_LINKS = 10  # links taken from one message
_LINK = re.compile(r"https?://\S+", re.I)


def only_links(text: str) -> bool:
    """True for a message that is nothing but one or more http(s) links."""
    words = text.split()
    return bool(words) and all(_LINK.fullmatch(w) for w in words)


def links_in(text: str) -> list[str]:
    found = list(dict.fromkeys(m.group(0).rstrip(").,;!?»\"'") for m in _LINK.finditer(text)))
    return found[:MAX_LINKS]


class GrabCommands:
    def __init__(self, service: GrabService) -> None:
        self.service = service

    async def grab_links(self, ctx: Context, text: str) -> list[str]:
        """Queue every link in ``text``; one reply (the progress message) per link."""
        links = links_in(text)
        if not links:
            await ctx.reply(ctx.t("grab.usage"))
            return [ctx.t("grab.usage")]
        return [await self.service.submit(ctx.user, ctx.lang, link, ctx.reply) for link in links]

    async def message(self, ctx: Context) -> None:
        await self.grab_links(ctx, ctx.inbound.text)

    async def grab(self, ctx: Context) -> None:
        await self.grab_links(ctx, ctx.inbound.args)

    async def queue(self, ctx: Context) -> None:
        everyone = ctx.user.role.allows(Role.ADMIN)
        query = (
            select(GrabRow)
            .where(GrabRow.status.in_(("queued", "running")))
            .order_by(GrabRow.id)
            .limit(30)
        )
        if not everyone:
            query = query.where(GrabRow.user_id == ctx.user.id)
        async with self.service.core.db.session() as s:
            rows = list(await s.scalars(query))
        if not rows:
            await ctx.reply(ctx.t("grab.queue.empty"))
            return
        lines, buttons = [ctx.t("grab.queue.title")], []
        for row in rows:
            state = ctx.t(f"grab.queue.{row.status}")
            who = f" · user {row.user_id}" if everyone and row.user_id != ctx.user.id else ""
            lines.append(f"{row.id}. {state}: {shown_url(row.url)}{literal(who)}")
            button = await ctx.button(
                ctx.t("grab.button.cancel_n", n=row.id), CANCEL_ACTION, {"grab_id": row.id}
            )
            buttons.append((button,))
        await ctx.reply(Text("\n".join(lines), buttons=tuple(buttons)))

    async def cancel(self, ctx: Context, payload: dict[str, Any]) -> None:
        outcome = await self.service.cancel(ctx.user, int(payload["grab_id"]))
        await ctx.reply(ctx.t(f"grab.cancel.{outcome}"))
