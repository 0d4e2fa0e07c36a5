"""``/timezone``: the zone a user's schedules and times are read in.

By city or region ("Moscow", «Москва», "New York"), UTC offset ("+3") or, on
Telegram, a shared location. Changing it moves the user's own schedules.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from concierge.core.clock import Clock
from concierge.core.scheduler import Scheduler
from concierge.core.skill import Command, Context
from concierge.core.timezones import find_zone, is_zone, zone_at
from concierge.storage.repos import UserRepo

TIMEZONE_FLOW = "core.timezone"
ANSWER_ACTION = "core.timezone.answer"  # also takes any shared location


def describe_zone(zone: str, now: datetime) -> str:
    """ "Europe/Moscow (UTC+03:00)"; fixed offsets show only the offset."""
    local = now.astimezone(ZoneInfo(zone))
    offset = local.strftime("%z")
    utc = f"UTC{offset[:3]}:{offset[3:]}" if offset not in ("+0000", "") else "UTC"
    return utc if zone.startswith("Etc/") or zone == "UTC" else f"{zone} ({utc})"


class TimeZoneCommands:
    def __init__(self, users: UserRepo, scheduler: Scheduler, default_zone: str, clock: Clock):
        self._users = users
        self._scheduler = scheduler
        self._default_zone = default_zone if is_zone(default_zone) else "UTC"
        self._clock = clock

    def command(self) -> Command:
        return Command("timezone", "help.timezone", self.timezone, aliases=("tz",))

    async def timezone(self, ctx: Context) -> None:
        if ctx.inbound.args:
            await self._set(ctx, ctx.inbound.args)
            return
        zone = ctx.user.timezone or self._default_zone
        now = self._clock.now()
        current = ctx.t(
            "timezone.current",
            zone=describe_zone(zone, now),
            time=now.astimezone(ZoneInfo(zone)).strftime("%H:%M"),
        )
        if ctx.user.timezone is None:
            current += "\n" + ctx.t("timezone.default")
        await ctx.ask(ANSWER_ACTION, flow=TIMEZONE_FLOW)
        await ctx.reply(current + "\n\n" + ctx.t("timezone.ask"))

    async def answer(self, ctx: Context, payload: dict[str, Any]) -> None:
        location = payload.get("location")
        if isinstance(location, (list, tuple)) and len(location) == 2:
            await self._save(ctx, zone_at(float(location[0]), float(location[1])))
            return
        await self._set(ctx, str(payload.get("text", "")), again=True)

    async def _set(self, ctx: Context, text: str, *, again: bool = False) -> None:
        zone = find_zone(text)
        if zone is None:
            if again:  # still in the flow: the next message is another try
                await ctx.ask(ANSWER_ACTION, flow=TIMEZONE_FLOW)
            await ctx.reply(ctx.t("timezone.unknown", text=text[:64]))
            return
        await self._save(ctx, zone)

    async def _save(self, ctx: Context, zone: str) -> None:
        await self._users.set_timezone(ctx.user.id, zone)
        await ctx.flows.close(ctx.user.id, TIMEZONE_FLOW)
        await self._scheduler.retime_user(ctx.user.id)
        now = self._clock.now()
        await ctx.reply(
            ctx.t(
                "timezone.set",
                zone=describe_zone(zone, now),
                time=now.astimezone(ZoneInfo(zone)).strftime("%H:%M"),
            )
        )
