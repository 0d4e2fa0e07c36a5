"""The daily reminder: ``/reminder 21:30`` in the user's own time zone, *Snooze 1 h*.

The time is a user schedule (``core/scheduler.py``): each local 21:30 is one tick,
claimed once across processes, so replicas and restarts never double it and DST moves
it with the wall clock. The job checks today's retro first (done: no reminder) and
sends through ``notify.send`` under a key per user, local date and snooze, so a rerun
of the job never sends twice.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import structlog
from pydantic import BaseModel

from concierge.core.buttons import ButtonStore
from concierge.core.deps import CoreServices
from concierge.core.i18n import resolve_language
from concierge.core.jobs import JobContext, JobKind
from concierge.core.messages import Button, Text, literal, rows
from concierge.core.skill import Context
from concierge.skills.retro.flow import RetroFlow
from concierge.skills.retro.service import RetroService

log = structlog.get_logger(__name__)

REMIND_KIND = "retro.remind"
SCHEDULE = "retro.reminder"
SNOOZE = timedelta(hours=1)
BUTTON_TTL = timedelta(days=2)
PRESETS = ("20:00", "21:00", "21:30", "22:00")
_TIME = re.compile(r"([01]?\d|2[0-3])(?:[:.]([0-5]\d))?")


class RemindPayload(BaseModel):
    user_id: int
    snoozes: int = 0


def parse_time(text: str) -> tuple[int, int] | None:
    match = _TIME.fullmatch(text.strip())
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2) or 0)


class Reminders:
    def __init__(
        self, core: CoreServices, service: RetroService, flow: RetroFlow, buttons: ButtonStore
    ) -> None:
        self._core = core
        self._service = service
        self._flow = flow
        self._buttons = buttons

    # --- /reminder ---------------------------------------------------------------

    async def command(self, ctx: Context) -> None:
        args = ctx.inbound.args.strip().lower()
        if args in ("off", "выкл", "нет", "no"):
            await self._off(ctx)
        elif args:
            await self._set(ctx, args)
        else:
            await self._menu(ctx)

    async def pick(self, ctx: Context, payload: dict[str, Any]) -> None:
        value = str(payload.get("time", ""))
        await (self._off(ctx) if value == "off" else self._set(ctx, value))

    async def _menu(self, ctx: Context) -> None:
        schedules = await self._core.scheduler.for_user(ctx.user.id)
        current = next((s for s in schedules if s.name == SCHEDULE), None)
        zone = await self._core.scheduler.zone_of(ctx.user.id)
        if current is None:
            text = ctx.t("retro.reminder.none", zone=zone)
        else:
            minute, hour = current.cron.split()[:2]
            text = ctx.t(
                "retro.reminder.current", time=f"{int(hour):02d}:{int(minute):02d}", zone=zone
            )
        buttons = [await ctx.button(p, "retro.reminder.pick", {"time": p}) for p in PRESETS]
        buttons.append(
            await ctx.button(
                ctx.t("retro.reminder.off_button"), "retro.reminder.pick", {"time": "off"}
            )
        )
        await ctx.reply(
            Text(f"{text}\n{ctx.t('retro.reminder.how')}", buttons=rows(*buttons, per_row=5))
        )

    async def _set(self, ctx: Context, value: str) -> None:
        parsed = parse_time(value)
        if parsed is None:
            await ctx.reply(ctx.t("retro.reminder.bad_time", text=literal(value[:32])))
            return
        hour, minute = parsed
        payload = RemindPayload(user_id=ctx.user.id).model_dump()
        await self._core.scheduler.set_for_user(
            ctx.user.id, SCHEDULE, REMIND_KIND, f"{minute} {hour} * * *", payload
        )
        zone = await self._core.scheduler.zone_of(ctx.user.id)
        await ctx.reply(ctx.t("retro.reminder.set", time=f"{hour:02d}:{minute:02d}", zone=zone))

    async def _off(self, ctx: Context) -> None:
        await self._core.scheduler.remove_for_user(ctx.user.id, SCHEDULE)
        await ctx.reply(ctx.t("retro.reminder.removed"))

    # --- buttons on the reminder ------------------------------------------------------

    async def start(self, ctx: Context, _payload: dict[str, Any]) -> None:
        await self._flow.retro(ctx)

    async def snooze(self, ctx: Context, payload: dict[str, Any]) -> None:
        snoozes = int(payload.get("snoozes", 1))
        due = self._service.now() + SNOOZE
        day = await self._service.today(ctx.user.id)
        await self._core.jobs.enqueue(
            REMIND_KIND,
            RemindPayload(user_id=ctx.user.id, snoozes=snoozes),
            run_at=due,
            dedupe_key=f"retro.snooze:{ctx.user.id}:{day.isoformat()}:{snoozes}",
            user_id=ctx.user.id,
        )
        local = due.astimezone(await self._service.zone(ctx.user.id))
        await ctx.reply(ctx.t("retro.reminder.snoozed", time=local.strftime("%H:%M")))

    # --- the job ------------------------------------------------------------------------

    def job_kind(self) -> JobKind[RemindPayload]:
        return JobKind(REMIND_KIND, RemindPayload, self.remind)

    async def remind(self, _ctx: JobContext, payload: RemindPayload) -> None:
        core = self._core
        user = await core.users.get(payload.user_id)
        if user is None or not core.notifier.can_reach(user):
            return
        day = await self._service.today(user.id)
        retro = await self._service.store.on(user.id, day)
        if retro is not None and retro.done:
            log.info("retro_reminder_skipped", user_id=user.id, day=day.isoformat())
            return
        lang = resolve_language(user.language, user.platform_language, core.default_language)
        buttons = [
            Button(
                core.catalog.t("retro.reminder.start", lang),
                id=await self._button(user.id, "retro.reminder.start", {}),
            ),
            Button(
                core.catalog.t("retro.reminder.snooze", lang),
                id=await self._button(
                    user.id, "retro.reminder.snooze", {"snoozes": payload.snoozes + 1}
                ),
            ),
        ]
        key = f"retro.reminder:{user.id}:{day.isoformat()}:{payload.snoozes}"
        text = core.catalog.t("retro.reminder.text", lang)
        await core.notifier.enqueue(user, Text(text, buttons=rows(*buttons, per_row=2)), key=key)

    async def _button(self, user_id: int, action: str, payload: dict[str, Any]) -> str:
        return await self._buttons.create(
            owner_user_id=user_id, action=action, payload=payload, ttl=BUTTON_TTL
        )
