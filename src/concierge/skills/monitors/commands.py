"""/monitor, /follow, /monitors and the monitors' buttons: thin over the service.

Each flow tells the user what happened and returns a short summary for the model.
"""

from __future__ import annotations

import re
from typing import Any

from concierge.core.messages import literal
from concierge.core.skill import Context
from concierge.skills.monitors.render import heading, monitor_item, user_auto_item
from concierge.skills.monitors.service import MonitorsService, Outcome, Watched
from concierge.skills.movies.commands import PreferencesFor
from concierge.skills.movies.intents import parse_find
from concierge.skills.movies.ranking import parse_quality

_AUTO = re.compile(r"\s+(?:auto|авто|автозагрузка|и\s+скачай|and\s+download)$", re.I)
_FROM_SEASON = re.compile(
    r"\s+(?:from\s+season\s+(?P<a>\d{1,2})|с\s+(?P<b>\d{1,2})(?:-?го)?\s+сезона|"
    r"from\s+s(?P<c>\d{1,2})|с\s+сезона\s+(?P<d>\d{1,2}))$",
    re.I,
)


def split_auto(text: str) -> tuple[str, bool]:
    found = _AUTO.search(text)
    return (text[: found.start()], True) if found else (text, False)


def split_season(text: str) -> tuple[str, int | None]:
    found = _FROM_SEASON.search(text)
    if found is None:
        return text, None
    number = next(v for v in found.groupdict().values() if v)
    return text[: found.start()], int(number)


class MonitorCommands:
    def __init__(self, service: MonitorsService, preferences: PreferencesFor) -> None:
        self.service = service
        self.preferences = preferences

    # --- creating -----------------------------------------------------------------

    async def watch(
        self,
        ctx: Context,
        *,
        title: str | None = None,
        tmdb_id: int | None = None,
        kind: str | None = None,
        year: int | None = None,
        quality: str | None = None,
        auto: bool = False,
        from_season: int | None = None,
    ) -> str:
        """Monitor a film or follow a series; tells the user, returns the model's note."""
        wanted = parse_quality(quality)
        done = await self.service.watch(
            ctx.user.id, lang=ctx.lang, text=title, tmdb_id=tmdb_id, kind=kind, year=year,
            quality=wanted, auto=auto, season_from=from_season,
        )  # fmt: skip
        await ctx.reply(self._said(ctx, done, title or str(tmdb_id or "")))
        return f"{done.outcome.value}: " + (
            heading(done.title.title, done.title.year) if done.title else (title or "")
        )

    def _said(self, ctx: Context, done: Watched, query: str) -> str:
        title = done.title
        name = literal(heading(title.title, title.year)) if title else ""
        match done.outcome:
            case Outcome.NO_METADATA:
                return ctx.t("monitors.no_metadata")
            case Outcome.METADATA_FAILED:
                return ctx.t(
                    "monitors.metadata_failed", reason=ctx.t(f"movies.reason.{done.reason}")
                )
            case Outcome.NOT_FOUND:
                return ctx.t("monitors.not_found", query=literal(query))
            case Outcome.ENDED:
                return ctx.t("monitors.ended", title=name)
            case Outcome.LIMIT:
                return ctx.t("monitors.limit", limit=self.service.store.per_user)
            case Outcome.EXISTING:
                return ctx.t("monitors.existing", title=name)
        monitor = done.monitor
        assert monitor is not None
        if monitor.kind == "tv":
            text = ctx.t("monitors.created.series", title=name)
            if monitor.season_from:
                text += " " + ctx.t("monitors.created.from_season", season=monitor.season_from)
        elif monitor.quality:
            text = ctx.t("monitors.created.film_quality", title=name, quality=f"{monitor.quality}p")
        else:
            text = ctx.t("monitors.created.film", title=name)
        if monitor.auto:
            text += "\n" + ctx.t("monitors.created.auto")
        return text

    async def cmd_monitor(self, ctx: Context) -> None:
        text, auto = split_auto(ctx.inbound.args.strip())
        if not text:
            await ctx.reply(ctx.t("monitors.monitor.usage"))
            return
        args = parse_find(text)
        await self.watch(
            ctx, title=args["title"], year=args.get("year"), quality=args.get("quality"),
            auto=auto,
        )  # fmt: skip

    async def cmd_follow(self, ctx: Context) -> None:
        text, auto = split_auto(ctx.inbound.args.strip())
        text, season = split_season(text)
        if not text:
            await ctx.reply(ctx.t("monitors.follow.usage"))
            return
        args = parse_find(text)
        await self.watch(
            ctx, title=args["title"], kind="tv", year=args.get("year"),
            quality=args.get("quality"), auto=auto, from_season=season or args.get("season"),
        )  # fmt: skip

    async def on_notify(self, ctx: Context, payload: dict[str, Any]) -> None:
        """*Notify me* on a film's card: at the quality the user prefers."""
        prefs = await self.preferences(ctx)
        quality = f"{prefs.quality}p" if prefs.quality else None
        await self.watch(ctx, tmdb_id=int(payload["id"]), kind="movie", quality=quality)

    async def on_follow(self, ctx: Context, payload: dict[str, Any]) -> None:
        await self.watch(ctx, tmdb_id=int(payload["id"]), kind="tv")

    # --- the list -------------------------------------------------------------------

    async def cmd_monitors(self, ctx: Context) -> None:
        await self.show(ctx)

    async def on_list(self, ctx: Context, _payload: dict[str, Any]) -> None:
        await self.show(ctx)

    async def show(self, ctx: Context) -> str:
        monitors = await self.service.for_user(ctx.user.id)
        if not monitors:
            await ctx.reply(ctx.t("monitors.list.empty"))
            return "no monitors"
        await ctx.reply(ctx.t("monitors.list.header", count=len(monitors)))
        for monitor in monitors:
            await ctx.reply(await monitor_item(ctx, monitor))
        await ctx.reply(await user_auto_item(ctx, await self.service.store.user_auto(ctx.user.id)))
        return "; ".join(
            f"[{m.id}] {m.kind} {m.title} q={m.quality or 'any'} {m.state}"
            + (" auto" if m.auto else "")
            for m in monitors
        )

    async def on_remove(self, ctx: Context, payload: dict[str, Any]) -> None:
        await self.remove(ctx, int(payload["id"]))

    async def remove(self, ctx: Context, monitor_id: int) -> str:
        row = await self.service.remove(ctx.user.id, monitor_id)
        if row is None:
            await ctx.reply(ctx.t("monitors.gone"))
            return "no such monitor"
        await ctx.reply(ctx.t("monitors.removed", title=literal(heading(row.title, row.year))))
        return f"removed {row.title}"

    async def on_auto(self, ctx: Context, payload: dict[str, Any]) -> None:
        auto = bool(payload.get("auto"))
        row = await self.service.store.set_auto(ctx.user.id, int(payload["id"]), auto)
        if row is None:
            await ctx.reply(ctx.t("monitors.gone"))
            return
        key = "monitors.auto.set_on" if auto else "monitors.auto.set_off"
        await ctx.reply(ctx.t(key, title=literal(heading(row.title, row.year))))

    async def on_user_auto(self, ctx: Context, payload: dict[str, Any]) -> None:
        auto = bool(payload.get("auto"))
        await self.service.store.set_user_auto(ctx.user.id, auto)
        await ctx.reply(ctx.t("monitors.user_auto.on" if auto else "monitors.user_auto.off"))
