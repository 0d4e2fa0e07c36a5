"""/retros, /retro_search, /retro_export, /retro_delete: the user's retros are theirs."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from concierge.core.messages import Button, File, Text, literal, rows
from concierge.core.skill import Context
from concierge.skills.retro.render import (
    mood_mark,
    preview,
    retro_json,
    retro_markdown,
    retro_text,
)
from concierge.skills.retro.search import query_prefixes
from concierge.skills.retro.service import RetroService

SEARCH_LIMIT = 10
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH = re.compile(r"\d{4}-\d{2}")


class BadRange(ValueError):
    pass


def parse_range(args: str) -> tuple[bool, date | None, date | None]:
    """``[json] [all | DAY | FIRST LAST]`` → (as JSON, first, last)."""
    words = args.lower().split()
    as_json = "json" in words
    days = []
    for word in words:
        if word in ("json", "md", "all", "markdown"):
            continue
        if not _DATE.fullmatch(word):
            raise BadRange(word)
        try:
            days.append(date.fromisoformat(word))
        except ValueError as exc:
            raise BadRange(word) from exc
    if len(days) > 2:
        raise BadRange(args)
    if not days:
        return as_json, None, None
    first, last = min(days), max(days)
    return as_json, first, last if len(days) == 2 else first


class History:
    def __init__(self, service: RetroService) -> None:
        self._service = service
        self._store = service.store

    # --- /retros ----------------------------------------------------------------

    async def retros(self, ctx: Context) -> None:
        args = ctx.inbound.args.strip()
        month = args if _MONTH.fullmatch(args) else None
        await self._month(ctx, month)

    async def month_button(self, ctx: Context, payload: dict[str, Any]) -> None:
        await self._month(ctx, str(payload.get("month", "")) or None)

    async def _month(self, ctx: Context, month: str | None) -> None:
        months = await self._store.months(ctx.user.id)
        if not months:
            await ctx.reply(ctx.t("retro.history.empty"))
            return
        shown = month if month in months else months[0]
        year, number = int(shown[:4]), int(shown[5:7])
        first = date(year, number, 1)
        last = date(year + number // 12, number % 12 + 1, 1).replace(day=1)
        retros = [r for r in await self._store.between(ctx.user.id, first, last) if r.day < last]
        lines = [ctx.t("retro.history.month", month=shown, count=len(retros))]
        buttons: list[Button] = []
        for retro in retros:
            lines.append(
                f"{retro.day.isoformat()}  {mood_mark(retro.mood)}  {literal(preview(retro))}"
            )
            label = f"{retro.day.day:02d} {mood_mark(retro.mood)}"
            buttons.append(await ctx.button(label, "retro.open", {"retro_id": retro.id}))
        index = months.index(shown)
        nav: list[Button] = []
        if index + 1 < len(months):  # older
            nav.append(
                await ctx.button(
                    f"‹ {months[index + 1]}", "retro.month", {"month": months[index + 1]}
                )
            )
        if index > 0:
            nav.append(
                await ctx.button(
                    f"{months[index - 1]} ›", "retro.month", {"month": months[index - 1]}
                )
            )
        layout = (*rows(*buttons, per_row=4), tuple(nav)) if nav else rows(*buttons, per_row=4)
        await ctx.reply(Text("\n".join(lines), buttons=layout))

    async def open(self, ctx: Context, payload: dict[str, Any]) -> None:
        retro = await self._store.get(int(payload.get("retro_id", 0)))
        if retro is None or retro.user_id != ctx.user.id:
            await ctx.reply(ctx.t("retro.history.gone"))
            return
        delete = await ctx.button(
            ctx.t("retro.delete.button"), "retro.delete.ask", {"retro_id": retro.id}
        )
        await ctx.reply(Text(retro_text(ctx.t, retro, self._service.steps), buttons=rows(delete)))

    # --- /retro_search ----------------------------------------------------------

    async def search(self, ctx: Context) -> None:
        query = ctx.inbound.args.strip()
        prefixes = query_prefixes(query)
        if not prefixes:
            await ctx.reply(ctx.t("retro.search.usage"))
            return
        found = await self._store.search(ctx.user.id, prefixes, SEARCH_LIMIT)
        if not found:
            await ctx.reply(ctx.t("retro.search.none", query=literal(query[:100])))
            return
        lines = [ctx.t("retro.search.found", query=literal(query[:100]), count=len(found))]
        buttons = []
        for hit in found:
            title = ctx.t(f"retro.title.{hit.answer.step}")
            lines.append(f"*{hit.day.isoformat()}* · {title}: {literal(hit.answer.cleaned)}")
            buttons.append(
                await ctx.button(hit.day.isoformat(), "retro.open", {"retro_id": hit.retro_id})
            )
        await ctx.reply(Text("\n".join(lines), buttons=rows(*buttons, per_row=3)))

    # --- /retro_export ----------------------------------------------------------

    async def export(self, ctx: Context) -> None:
        try:
            as_json, first, last = parse_range(ctx.inbound.args)
        except BadRange:
            await ctx.reply(ctx.t("retro.export.usage"))
            return
        retros = await self._store.between(ctx.user.id, first, last)
        if not retros:
            await ctx.reply(ctx.t("retro.export.none"))
            return
        span = f"{retros[0].day.isoformat()}_{retros[-1].day.isoformat()}"
        if as_json:
            data, name = retro_json(retros), f"retros_{span}.json"
        else:
            data, name = retro_markdown(ctx.t, retros, self._service.steps), f"retros_{span}.md"
        caption = ctx.t("retro.export.caption", count=len(retros))
        await ctx.reply(File.from_bytes(name, data.encode(), caption=caption))

    # --- /retro_delete ----------------------------------------------------------

    async def delete(self, ctx: Context) -> None:
        args = ctx.inbound.args.strip().lower()
        if args in ("all", "все", "всё"):
            await self._confirm(ctx, None, ctx.t("retro.delete.ask_all"))
            return
        try:
            day = date.fromisoformat(args) if args else await self._service.today(ctx.user.id)
        except ValueError:
            await ctx.reply(ctx.t("retro.delete.usage"))
            return
        retro = await self._store.on(ctx.user.id, day)
        if retro is None:
            await ctx.reply(ctx.t("retro.delete.none", day=day.isoformat()))
            return
        await self._confirm(ctx, retro.id, ctx.t("retro.delete.ask_one", day=day.isoformat()))

    async def ask_delete(self, ctx: Context, payload: dict[str, Any]) -> None:
        retro = await self._store.get(int(payload.get("retro_id", 0)))
        if retro is None or retro.user_id != ctx.user.id:
            await ctx.reply(ctx.t("retro.history.gone"))
            return
        await self._confirm(ctx, retro.id, ctx.t("retro.delete.ask_one", day=retro.day.isoformat()))

    async def _confirm(self, ctx: Context, retro_id: int | None, question: str) -> None:
        yes = await ctx.button(
            ctx.t("retro.delete.yes"), "retro.delete.confirm", {"retro_id": retro_id}
        )
        no = await ctx.button(ctx.t("retro.delete.no"), "retro.delete.keep", {})
        await ctx.reply(Text(question, buttons=rows(yes, no, per_row=2)))

    async def confirm_delete(self, ctx: Context, payload: dict[str, Any]) -> None:
        raw = payload.get("retro_id")
        removed = await self._store.delete(ctx.user.id, None if raw is None else int(raw))
        if await self._store.on(ctx.user.id, await self._service.today(ctx.user.id)) is None:
            await ctx.flows.close(ctx.user.id, "retro")  # today's open retro went too
        await ctx.reply(ctx.t("retro.delete.done", count=removed))

    async def keep(self, ctx: Context, _payload: dict[str, Any]) -> None:
        await ctx.reply(ctx.t("retro.delete.kept"))
