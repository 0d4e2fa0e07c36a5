"""``/digest`` (settings, ``now``, ``off``, ``daily``, ``weekly``, an hour, a weekday),
``/quiet 23-08`` and the buttons on digests and the settings menu."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from concierge.core.messages import Button, literal
from concierge.core.skill import Context
from concierge.skills.digests.jobs import DigestJobs
from concierge.skills.digests.quiet import parse_window
from concierge.skills.digests.render import digest_reply, prefs_reply
from concierge.skills.digests.service import DigestService

_HOUR = re.compile(r"([01]?\d|2[0-3])(?::00|h)?")
WEEKDAY_WORDS = {
    **{w: n for n, w in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), 1)},
    **{w: n for n, w in enumerate(("пн", "вт", "ср", "чт", "пт", "сб", "вс"), 1)},
}
MODES = {
    "daily": (True, False),
    "ежедневно": (True, False),
    "weekly": (False, True),
    "еженедельно": (False, True),
    "both": (True, True),
    "оба": (True, True),
    "off": (False, False),
    "выкл": (False, False),
}
NOW = ("now", "сейчас")


class DigestCommands:
    def __init__(self, service: DigestService, jobs: DigestJobs) -> None:
        self._service = service
        self._jobs = jobs

    async def digest(self, ctx: Context) -> None:
        words = ctx.inbound.args.lower().split()
        if not words:
            await self._menu(ctx)
            return
        if words[0] in NOW:
            await self._now(ctx)
            return
        changes: dict[str, Any] = {}
        for word in words:
            if word in MODES:
                changes["daily"], changes["weekly"] = MODES[word]
            elif word[:3] in WEEKDAY_WORDS or word[:2] in WEEKDAY_WORDS:
                changes["weekday"] = WEEKDAY_WORDS.get(word[:3]) or WEEKDAY_WORDS[word[:2]]
            elif _HOUR.fullmatch(word):
                changes["hour"] = int(word.split(":")[0].rstrip("h"))
            else:
                await ctx.reply(ctx.t("digests.bad_args", text=literal(word[:32])))
                return
        await self._change(ctx, changes)

    async def _change(self, ctx: Context, changes: dict[str, Any]) -> None:
        before = await self._service.store.prefs(ctx.user.id)
        if "weekday" in changes:  # picking a weekday asks for the weekly digest
            changes.setdefault("weekly", True)
        if not before.subscribed and "hour" in changes:  # an hour alone: the daily one
            changes.setdefault("daily", not changes.get("weekly", False))
        prefs = await self._service.store.set_prefs(ctx.user.id, **changes)
        await self._jobs.apply(prefs)
        await self._menu(ctx)

    async def _menu(self, ctx: Context) -> None:
        prefs = await self._service.store.prefs(ctx.user.id)
        zone = await ctx_zone(self._service, ctx)

        async def button(label: str, action: str, payload: Mapping[str, Any]) -> Button:
            return await ctx.button(label, action, payload)

        await ctx.reply(await prefs_reply(ctx.t, prefs, zone, button))

    async def show_now(self, ctx: Context) -> int:
        """Today's digest built afresh and shown here; how many items it holds."""
        day = await self._service.today(ctx.user.id)
        digest = await self._service.digest(ctx.user, "now", day, fresh=True)

        async def button(label: str, action: str, payload: Mapping[str, Any]) -> Button:
            return await ctx.button(label, action, payload)

        await ctx.reply(await digest_reply(ctx.t, digest, day, button))
        return len(digest.items)

    async def _now(self, ctx: Context) -> None:
        await self.show_now(ctx)

    async def quiet(self, ctx: Context) -> None:
        args = ctx.inbound.args.strip().lower()
        if args in ("off", "выкл", "нет", "no"):
            await self._service.store.set_prefs(ctx.user.id, quiet_from=None, quiet_to=None)
            await ctx.reply(ctx.t("digests.quiet.removed"))
            return
        if not args:
            quiet = (await self._service.store.prefs(ctx.user.id)).quiet
            now = (
                ctx.t("digests.quiet.current", start=f"{quiet[0]:02d}:00", end=f"{quiet[1]:02d}:00")
                if quiet
                else ctx.t("digests.quiet.none")
            )
            await ctx.reply(f"{now}\n{ctx.t('digests.quiet.how')}")
            return
        window = parse_window(args)
        if window is None:
            await ctx.reply(ctx.t("digests.quiet.bad", text=literal(args[:32])))
            return
        await self._service.store.set_prefs(ctx.user.id, quiet_from=window[0], quiet_to=window[1])
        zone = await ctx_zone(self._service, ctx)
        await ctx.reply(
            ctx.t(
                "digests.quiet.set",
                start=f"{window[0]:02d}:00",
                end=f"{window[1]:02d}:00",
                zone=zone,
            )
        )

    # --- buttons ---------------------------------------------------------------------

    async def on_set(self, ctx: Context, payload: dict[str, Any]) -> None:
        if payload.get("now"):
            await self._now(ctx)
        elif "mode" in payload and str(payload["mode"]) in MODES:
            daily, weekly = MODES[str(payload["mode"])]
            await self._change(ctx, {"daily": daily, "weekly": weekly})
        elif isinstance(payload.get("hour"), int) and 0 <= payload["hour"] <= 23:
            await self._change(ctx, {"hour": payload["hour"]})
        elif isinstance(payload.get("weekday"), int) and 1 <= payload["weekday"] <= 7:
            await self._change(ctx, {"weekday": payload["weekday"]})

    async def on_settings(self, ctx: Context, _payload: dict[str, Any]) -> None:
        await self._menu(ctx)

    async def on_unsubscribe(self, ctx: Context, _payload: dict[str, Any]) -> None:
        prefs = await self._service.store.set_prefs(ctx.user.id, daily=False, weekly=False)
        await self._jobs.apply(prefs)
        await ctx.reply(ctx.t("digests.unsubscribed"))

    async def on_less(self, ctx: Context, payload: dict[str, Any]) -> None:
        facet, label = str(payload.get("facet") or ""), str(payload.get("label") or "")
        if not facet:
            return
        await self._service.store.less(ctx.user.id, facet, str(payload.get("source") or ""))
        await ctx.reply(ctx.t(f"digests.lowered.{facet.split(':', 1)[0]}", name=literal(label)))


async def ctx_zone(service: DigestService, ctx: Context) -> str:
    return str(await service.zone(ctx.user.id))
