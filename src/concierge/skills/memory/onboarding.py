"""Onboarding on a new user's first /start, and the same pickers for /settings.

Steps: language → quality → audio → favourite genres → Letterboxd → torrent client. Every
answer is a button, stored at once together with the next step, so after a
restart the next /start (or any button still on screen) carries on where it
stopped. Each step can be skipped, the whole onboarding stopped, and re-run
from /settings.
"""

from __future__ import annotations

from typing import Any

from concierge.core.messages import Button, Text, rows
from concierge.core.skill import Context
from concierge.skills.memory.profile import AUDIO, QUALITIES, SIZES_GB, Profile, ProfileStore
from concierge.skills.movies.genres import FAVOURITES, label_key
from concierge.storage.repos import UserRepo

STEPS = ("language", "quality", "audio", "genres", "letterboxd", "client")
ANSWER = "memory.onb.answer"
GENRE = "memory.onb.genre"
NEXT = "memory.onb.next"
STOP = "memory.onb.stop"
SETTINGS_MODE = "settings"


def quality_label(quality: int | None) -> str:
    return "4K" if quality == 2160 else f"{quality}p" if quality else "—"


class Onboarding:
    def __init__(self, profiles: ProfileStore, users: UserRepo) -> None:
        self.profiles = profiles
        self.users = users

    async def on_start(self, ctx: Context) -> None:
        """The /start hook: a new user begins, an interrupted onboarding resumes."""
        profile = await self.profiles.get(ctx.user.id)
        if profile.onboarding == "new":
            profile = await self.profiles.update(ctx.user.id, onboarding="running", step=STEPS[0])
            await ctx.reply(ctx.t("memory.onb.intro"))
        if profile.onboarding == "running":
            await self.ask(ctx, profile.step or STEPS[0], profile)

    async def restart(self, ctx: Context, _payload: dict[str, Any] | None = None) -> None:
        profile = await self.profiles.update(ctx.user.id, onboarding="running", step=STEPS[0])
        await self.ask(ctx, STEPS[0], profile)

    async def ask(self, ctx: Context, step: str, profile: Profile, mode: str = "onb") -> None:
        """The question of ``step`` with its answer buttons (``mode`` settings: no advancing)."""
        answers: list[Button | None] = []
        per_row = 3
        if step == "language":
            for lang, label in (("en", "English"), ("ru", "Русский")):
                answers.append(await self._answer(ctx, step, lang, label, mode))
        elif step == "quality":
            for quality in QUALITIES:
                label = ("✓ " if profile.quality == quality else "") + quality_label(quality)
                answers.append(await self._answer(ctx, step, quality, label, mode))
        elif step == "audio":
            for audio in AUDIO:
                label = ("✓ " if profile.audio == audio else "") + ctx.t(f"memory.audio.{audio}")
                answers.append(await self._answer(ctx, step, audio, label, mode))
            per_row = 1
        elif step == "size":
            for size in (*SIZES_GB, 0):
                label = ctx.t("memory.size.gb", gb=size) if size else ctx.t("memory.size.any")
                answers.append(await self._answer(ctx, step, size, label, mode))
        elif step == "genres":
            for slug in FAVOURITES:
                mark = "✓ " if slug in profile.genres else ""
                label = mark + ctx.t(label_key(slug))
                answers.append(await ctx.button(label, GENRE, {"slug": slug, "mode": mode}))
            per_row = 2
        if step in ("genres", "letterboxd", "client"):
            done = {"step": step, "mode": mode}
            answers.append(await ctx.button(ctx.t("memory.onb.done"), NEXT, done))
        controls: list[Button | None] = []
        if mode != SETTINGS_MODE:
            if step not in ("genres", "letterboxd", "client"):
                controls.append(
                    await ctx.button(ctx.t("memory.onb.skip_step"), NEXT, {"step": step})
                )
            controls.append(await ctx.button(ctx.t("memory.onb.stop"), STOP, {}))
        number = STEPS.index(step) + 1 if step in STEPS else 0
        question = ctx.t(f"memory.onb.ask.{step}")
        if mode != SETTINGS_MODE and number:
            question = ctx.t("memory.onb.step", n=number, of=len(STEPS)) + " " + question
        await ctx.reply(
            Text(question, buttons=rows(*answers, per_row=per_row) + rows(*controls, per_row=2))
        )

    async def _answer(
        self, ctx: Context, step: str, value: object, label: str, mode: str
    ) -> Button:
        return await ctx.button(label, ANSWER, {"step": step, "value": value, "mode": mode})

    async def on_answer(self, ctx: Context, payload: dict[str, Any]) -> None:
        step, value = str(payload.get("step")), payload.get("value")
        if step == "language" and value in ("en", "ru"):
            await self.users.set_language(ctx.user.id, str(value))
            ctx.lang = str(value)
        elif step == "quality" and value in QUALITIES:
            await self.profiles.update(ctx.user.id, quality=int(str(value)))
        elif step == "audio" and value in AUDIO:
            await self.profiles.update(ctx.user.id, audio=str(value))
        elif step == "size" and isinstance(value, int):
            await self.profiles.update(ctx.user.id, max_size_gb=value or None)
        await self._after(ctx, step, str(payload.get("mode")))

    async def on_genre(self, ctx: Context, payload: dict[str, Any]) -> None:
        slug = str(payload.get("slug"))
        profile = await self.profiles.get(ctx.user.id)
        if slug in FAVOURITES:
            chosen = [g for g in profile.genres if g != slug]
            if slug not in profile.genres:
                chosen.append(slug)
            profile = await self.profiles.update(ctx.user.id, genres=chosen)
        names = ", ".join(ctx.t(label_key(g)) for g in profile.genres) or "—"
        await ctx.reply(ctx.t("memory.onb.genres_now", genres=names))

    async def on_next(self, ctx: Context, payload: dict[str, Any]) -> None:
        await self._after(ctx, str(payload.get("step")), str(payload.get("mode")))

    async def _after(self, ctx: Context, step: str, mode: str) -> None:
        """Settings: confirm. Onboarding: store the next step first, then ask it."""
        if mode == SETTINGS_MODE:
            await ctx.reply(ctx.t("memory.settings.saved"))
            return
        profile = await self.profiles.get(ctx.user.id)
        if profile.onboarding != "running":
            await ctx.reply(ctx.t("memory.settings.saved"))
            return
        index = STEPS.index(step) + 1 if step in STEPS else len(STEPS)
        if index >= len(STEPS):
            await self.profiles.update(ctx.user.id, onboarding="done", step=None)
            await ctx.reply(ctx.t("memory.onb.finished"))
            return
        profile = await self.profiles.update(ctx.user.id, step=STEPS[index])
        await self.ask(ctx, STEPS[index], profile)

    async def on_stop(self, ctx: Context, _payload: dict[str, Any]) -> None:
        await self.profiles.update(ctx.user.id, onboarding="skipped", step=None)
        await ctx.reply(ctx.t("memory.onb.stopped"))
