"""The weekly summary (mood average and trend, highlights, most frequent words) and the
``/retro_week`` command that shows it now or schedules it on the user's chosen day.

Offline it is deterministic (no model asked); with a language model configured it adds
the recurring themes the model names (``themes.py``). The scheduled one is a user schedule
(19:00 local on that weekday) whose job sends under a key per user and local date.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel

from concierge.core.deps import CoreServices
from concierge.core.i18n import resolve_language
from concierge.core.jobs import JobContext, JobKind
from concierge.core.messages import Text, literal
from concierge.core.skill import Context
from concierge.skills.retro.ports import ThemeFinder
from concierge.skills.retro.render import PREVIEW, Translate
from concierge.skills.retro.search import words_of
from concierge.skills.retro.service import RetroService
from concierge.skills.retro.steps import MOOD
from concierge.skills.retro.store import Retro

WEEKLY_KIND = "retro.weekly"
SCHEDULE = "retro.weekly"
HOUR = 19
TOP_WORDS = 5
DAYS = {
    "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 0,
    "пн": 1, "вт": 2, "ср": 3, "чт": 4, "пт": 5, "сб": 6, "вс": 0,
}  # fmt: skip
_STOPWORDS = """
    the and but for with that this was were have has had not you your our are then than too
    very just also all any some from into about been being what when which today tomorrow it's
    its they them there their his her she him и в во не что он на я с со как а то все она так
    его но да ты к у же вы за бы по только ее мне было вот от меня еще нет о из ему теперь
    когда даже ну ли если уже или ни быть был него до вас нибудь опять уж вам ведь там потом
    себя ничего ей может они тут где есть надо ней для мы тебя их чем была сам чтоб без будто
    чего раз тоже себе под будет тогда кто этот того потому этого какой совсем ним здесь этом
    один почти мой тем чтобы нее сейчас были куда зачем всех никогда можно при наконец два об
    другой хоть после над больше тот через эти нас про всего них какая много разве три эту моя
    впрочем хорошо свою этой перед иногда лучше чуть том нельзя такой им более всегда конечно
    всю между сегодня завтра очень went got did really much
"""
STOPWORDS = frozenset(_STOPWORDS.split())


class WeeklyPayload(BaseModel):
    user_id: int


def parse_day(text: str) -> int | None:
    word = text.strip().lower()
    return next((n for name, n in DAYS.items() if word.startswith(name)), None)


def frequent_words(retros: Sequence[Retro], limit: int = TOP_WORDS) -> list[tuple[str, int]]:
    """The words used on the most days (stop words and short words left out)."""
    counts: Counter[str] = Counter()
    for retro in retros:
        text = " ".join(a.cleaned for a in retro.answers.values() if a.step != MOOD)
        counts.update(w for w in words_of(text) if len(w) > 3 and w not in STOPWORDS)
    return [(w, n) for w, n in counts.most_common(limit) if n > 1] or counts.most_common(
        min(limit, 3)
    )


def weekly_text(
    t: Translate,
    first: date,
    last: date,
    retros: Sequence[Retro],
    streak: int,
    themes: Sequence[str] = (),
) -> str:
    kept = [r for r in retros if r.answers or r.done]
    lines = [t("retro.week.title", first=first.isoformat(), last=last.isoformat())]
    if not kept:
        lines.append(t("retro.week.none"))
        return "\n".join(lines)
    moods = [r.mood for r in kept if r.mood is not None]
    lines.append(t("retro.week.count", count=len(kept), streak=streak))
    if moods:
        average = sum(moods) / len(moods)
        trend = ", ".join(f"{r.day.day:02d}.{r.day.month:02d}: {r.mood}" for r in kept if r.mood)
        lines.append(t("retro.week.mood", average=f"{average:.1f}", trend=trend))
    highlights = [r.answers["went_well"].cleaned for r in kept if "went_well" in r.answers]
    if highlights:
        lines.append(t("retro.week.highlights"))
        for text in highlights[:3]:
            short = text if len(text) <= PREVIEW else text[: PREVIEW - 1] + "…"
            lines.append(f"• {literal(short)}")
    if themes:
        lines.append(t("retro.week.themes"))
        lines.extend(f"• {literal(theme)}" for theme in themes)
    words = frequent_words(kept)
    if words:
        lines.append(t("retro.week.words", words=literal(", ".join(w for w, _ in words))))
    return "\n".join(lines)


class Weekly:
    def __init__(
        self, core: CoreServices, service: RetroService, themes: ThemeFinder | None = None
    ) -> None:
        self._core = core
        self._service = service
        self._themes = themes

    async def summary(self, user_id: int, t: Translate, lang: str) -> str:
        last = await self._service.today(user_id)
        first = last - timedelta(days=6)
        retros = await self._service.store.between(user_id, first, last)
        found: list[str] = []
        if self._themes is not None:
            answers = [a.cleaned for r in retros for a in r.answers.values() if a.step != MOOD]
            found = await self._themes.themes(answers, lang)
        streak = await self._service.streak(user_id)
        return weekly_text(t, first, last, retros, streak, found)

    async def command(self, ctx: Context) -> None:
        args = ctx.inbound.args.strip().lower()
        if args in ("off", "выкл", "нет"):
            await self._core.scheduler.remove_for_user(ctx.user.id, SCHEDULE)
            await ctx.reply(ctx.t("retro.week.off"))
            return
        if args:
            day = parse_day(args)
            if day is None:
                await ctx.reply(ctx.t("retro.week.usage"))
                return
            await self._core.scheduler.set_for_user(
                ctx.user.id, SCHEDULE, WEEKLY_KIND, f"0 {HOUR} * * {day}",
                WeeklyPayload(user_id=ctx.user.id).model_dump(),
            )  # fmt: skip
            zone = await self._core.scheduler.zone_of(ctx.user.id)
            name = ctx.t(f"retro.week.day{day}")
            await ctx.reply(ctx.t("retro.week.scheduled", day=name, hour=f"{HOUR}:00", zone=zone))
            return
        await ctx.reply(await self.summary(ctx.user.id, ctx.t, ctx.lang))

    def job_kind(self) -> JobKind[WeeklyPayload]:
        return JobKind(WEEKLY_KIND, WeeklyPayload, self.send)

    async def send(self, _ctx: JobContext, payload: WeeklyPayload) -> None:
        core = self._core
        user = await core.users.get(payload.user_id)
        if user is None or not core.notifier.can_reach(user):
            return
        lang = resolve_language(user.language, user.platform_language, core.default_language)

        def t(key: str, **values: Any) -> str:
            return core.catalog.t(key, lang, **values)

        today = await self._service.today(user.id)
        text = await self.summary(user.id, t, lang)
        await core.notifier.enqueue(user, Text(text), key=f"{WEEKLY_KIND}:{user.id}:{today}")
