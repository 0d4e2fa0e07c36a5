"""/retro and its buttons: ask the current question, take the answer, move on (thin)."""

from __future__ import annotations

from typing import Any

from concierge.core.jobs import Jobs
from concierge.core.messages import Button, Text, literal, rows
from concierge.core.skill import Context
from concierge.skills.retro.models import OPEN
from concierge.skills.retro.render import retro_text
from concierge.skills.retro.service import NotAMood, RetroService, StaleMove, Start
from concierge.skills.retro.steps import MOOD
from concierge.skills.retro.store import Retro

FLOW = "retro"
ANSWER = "retro.answer"
EXPIRE_KIND = "retro.expire"


class RetroFlow:
    def __init__(self, service: RetroService, jobs: Jobs) -> None:
        self._service = service
        self._jobs = jobs

    async def retro(self, ctx: Context) -> None:
        retro, how = await self._service.start(ctx.user.id)
        day = retro.day.isoformat()
        if how is Start.NEW:
            await ctx.reply(ctx.t("retro.started", day=day, count=len(self._service.steps)))
        else:
            await ctx.reply(ctx.t(f"retro.{how.value}", day=day))
        await self.ask(ctx, retro, editing=how is Start.EDITING)

    async def ask(self, ctx: Context, retro: Retro, *, editing: bool = False) -> None:
        """Show the current question and route the next text to it; or the summary."""
        if retro.done:
            await self._finished(ctx, retro)
            return
        steps = self._service.steps
        step = steps[retro.step]
        base = {"retro_id": retro.id, "step": retro.step, "editing": editing}
        lines = [
            ctx.t(
                "retro.question",
                number=retro.step + 1,
                total=len(steps),
                question=ctx.t(f"retro.step.{step}"),
            )
        ]
        existing = retro.answers.get(step)
        if existing is not None:
            lines.append(ctx.t("retro.current_answer", answer=literal(existing.cleaned)))
        buttons: list[Button] = []
        if step == MOOD:
            buttons += [
                await ctx.button(str(n), "retro.mood", {**base, "mood": n}) for n in range(1, 6)
            ]
        controls = [await ctx.button(ctx.t("retro.skip"), "retro.skip", base)]
        if retro.step > 0:
            controls.append(await ctx.button(ctx.t("retro.back"), "retro.back", base))
        controls.append(await ctx.button(ctx.t("retro.finish"), "retro.finish", base))
        layout = (*rows(*buttons, per_row=5), tuple(controls))
        # stored before it is shown: a kill -9 right after the question still has it open
        timeout = self._service.timeout
        await ctx.ask(ANSWER, base, ttl=timeout, flow=FLOW)
        await self._jobs.enqueue(
            EXPIRE_KIND,
            {"retro_id": retro.id, "seq": retro.seq},
            dedupe_key=f"{EXPIRE_KIND}:{retro.id}:{retro.seq}",
            run_at=self._service.now() + timeout,
            user_id=ctx.user.id,
        )
        await ctx.reply(Text("\n".join(lines), buttons=layout))

    async def answer(self, ctx: Context, payload: dict[str, Any]) -> None:
        await self._take(ctx, payload, str(payload.get("text", "")))

    async def mood(self, ctx: Context, payload: dict[str, Any]) -> None:
        await self._take(ctx, payload, str(payload.get("mood", "")))

    async def _take(self, ctx: Context, payload: dict[str, Any], text: str) -> None:
        retro_id, step = int(payload["retro_id"]), int(payload["step"])
        editing = bool(payload.get("editing"))
        try:
            answered = await self._service.answer(retro_id, step, text, ctx.lang)
        except NotAMood:
            await ctx.reply(ctx.t("retro.not_a_mood"))
            await ctx.ask(ANSWER, payload_base(payload), ttl=self._service.timeout, flow=FLOW)
            return
        except StaleMove:
            await self._stale(ctx, retro_id)
            return
        if answered.step != MOOD:
            redo = await ctx.button(
                ctx.t("retro.redo"), "retro.redo", {"retro_id": retro_id, "step": step}
            )
            saved = ctx.t("retro.saved", answer=literal(answered.cleaned))
            await ctx.reply(Text(saved, buttons=rows(redo)))
        await self.ask(ctx, answered.retro, editing=editing)

    async def skip(self, ctx: Context, payload: dict[str, Any]) -> None:
        await self._move(ctx, payload, self._service.skip)

    async def back(self, ctx: Context, payload: dict[str, Any]) -> None:
        await self._move(ctx, payload, self._service.back)

    async def finish(self, ctx: Context, payload: dict[str, Any]) -> None:
        await self._move(ctx, payload, self._service.finish)

    async def redo(self, ctx: Context, payload: dict[str, Any]) -> None:
        await self._move(ctx, payload, self._service.redo)

    async def _move(self, ctx: Context, payload: dict[str, Any], move: Any) -> None:
        retro_id, step = int(payload["retro_id"]), int(payload["step"])
        try:
            retro = await move(retro_id, step)
        except StaleMove:
            await self._stale(ctx, retro_id)
            return
        await self.ask(ctx, retro, editing=bool(payload.get("editing")))

    async def _stale(self, ctx: Context, retro_id: int) -> None:
        retro = await self._service.store.get(retro_id)
        if retro is None or retro.status != OPEN:
            await ctx.reply(ctx.t("retro.closed"))
            return
        await ctx.reply(ctx.t("retro.stale"))
        await self.ask(ctx, retro)

    async def _finished(self, ctx: Context, retro: Retro) -> None:
        await ctx.flows.close(ctx.user.id, FLOW)
        streak = await self._service.streak(ctx.user.id)
        summary = retro_text(ctx.t, retro, self._service.steps)
        done = ctx.t("retro.done", day=retro.day.isoformat(), streak=streak)
        await ctx.reply(Text(f"{done}\n\n{summary}"))


def payload_base(payload: dict[str, Any]) -> dict[str, Any]:
    """The question's own payload, without what the dispatcher added to it."""
    return {k: v for k, v in payload.items() if k not in ("text", "message_id")}
