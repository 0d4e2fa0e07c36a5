"""The retro as a persisted state machine: open → (answer | skip | back | redo)* → done.

Each move is a row update (``store.py``), so a restart or ``kill -9`` between two
answers resumes at the next question; an open flow row only routes the user's next text
here. Silence longer than the timeout pauses the retro (a job at ``touched + timeout``
that finds ``seq`` unchanged); ``/retro`` resumes it the same day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import structlog

from concierge.core.clock import Clock
from concierge.core.scheduler import Scheduler
from concierge.skills.retro.models import DONE, OPEN
from concierge.skills.retro.ports import Cleaned, Cleaner
from concierge.skills.retro.steps import MOOD, parse_mood
from concierge.skills.retro.store import Retro, RetroStore

log = structlog.get_logger(__name__)


class Start(StrEnum):
    NEW = "new"
    RESUMED = "resumed"
    EDITING = "editing"  # today's was done: a second /retro edits it


class StaleMove(Exception):
    """A button or answer for a question that is no longer the current one."""


class NotAMood(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Answered:
    retro: Retro
    step: str
    cleaned: str


class RetroService:
    def __init__(
        self,
        store: RetroStore,
        cleaner: Cleaner,
        steps: tuple[str, ...],
        scheduler: Scheduler,
        clock: Clock,
        timeout: timedelta,
    ) -> None:
        self.store = store
        self.steps = steps
        self.timeout = timeout
        self._cleaner = cleaner
        self._scheduler = scheduler
        self._clock = clock

    def now(self) -> datetime:
        return self._clock.now()

    async def zone(self, user_id: int) -> ZoneInfo:
        return ZoneInfo(await self._scheduler.zone_of(user_id))

    async def today(self, user_id: int) -> date:
        return self.now().astimezone(await self.zone(user_id)).date()

    async def start(self, user_id: int) -> tuple[Retro, Start]:
        """Today's retro: new, resumed where it stopped, or reopened for editing."""
        day = await self.today(user_id)
        existing = await self.store.on(user_id, day)
        how = Start.NEW if existing is None else Start.EDITING if existing.done else Start.RESUMED
        retro = await self.store.open(user_id, day, self.now(), restart=how is Start.EDITING)
        if retro.step >= len(self.steps):  # RETRO_STEPS got shorter since it was stored
            retro = await self.store.move(retro, len(self.steps) - 1, self.now())
        log.info("retro_started", user_id=user_id, retro=retro.id, how=how.value, step=retro.step)
        return retro, how

    async def current(self, retro_id: int, step: int) -> Retro:
        retro = await self.store.get(retro_id)
        if retro is None or retro.status != OPEN or retro.step != step or step >= len(self.steps):
            raise StaleMove(f"retro {retro_id} is not at step {step}")
        return retro

    async def answer(self, retro_id: int, step: int, text: str, lang: str) -> Answered:
        """Store the answer to ``step`` (raw and cleaned) and go on to the next question."""
        retro = await self.current(retro_id, step)
        name = self.steps[step]
        mood = None
        if name == MOOD:
            mood = parse_mood(text)
            if mood is None:
                raise NotAMood(text)
            cleaned = Cleaned(str(mood), "mood")
        else:
            cleaned = await self._cleaner.clean(text, lang)
        await self.store.save_answer(retro, name, text, cleaned, self.now(), mood=mood)
        log.info("retro_answered", retro=retro.id, step=name, cleaner=cleaned.cleaner)
        return Answered(await self._advance(retro), name, cleaned.text)

    async def skip(self, retro_id: int, step: int) -> Retro:
        return await self._advance(await self.current(retro_id, step))

    async def back(self, retro_id: int, step: int) -> Retro:
        retro = await self.current(retro_id, step)
        return await self.store.move(retro, max(step - 1, 0), self.now())

    async def redo(self, retro_id: int, step: int) -> Retro:
        """Ask ``step`` again (its answer is replaced by the next one)."""
        retro = await self.store.get(retro_id)
        if retro is None or retro.status != OPEN or not 0 <= step < len(self.steps):
            raise StaleMove(f"retro {retro_id} cannot redo step {step}")
        return await self.store.move(retro, step, self.now())

    async def finish(self, retro_id: int, step: int) -> Retro:
        retro = await self.current(retro_id, step)
        return await self.store.move(retro, retro.step, self.now(), DONE)

    async def _advance(self, retro: Retro) -> Retro:
        following = retro.step + 1
        if following >= len(self.steps):
            return await self.store.move(retro, retro.step, self.now(), DONE)
        return await self.store.move(retro, following, self.now())

    async def streak(self, user_id: int) -> int:
        """Days in a row with a finished retro, up to today (or yesterday, if today's is
        still to come)."""
        today = await self.today(user_id)
        days = set(await self.store.done_days(user_id, today - timedelta(days=400)))
        day = today if today in days else today - timedelta(days=1)
        count = 0
        while day in days:
            count += 1
            day -= timedelta(days=1)
        return count
