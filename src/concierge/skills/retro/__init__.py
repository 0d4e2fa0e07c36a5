"""Daily retro: a spoken or typed retrospective, cleaned up, kept, searchable, exported.

``bootstrap.py`` builds the clean-up (the configured language model or offline rules)
and passes it in with the step list and timeout from settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from concierge.core.buttons import ButtonStore
from concierge.core.deps import CoreServices
from concierge.core.flows import FlowStore
from concierge.core.skill import Command, MessageRoute, Skill
from concierge.skills.retro.expiry import expire_kind
from concierge.skills.retro.flow import ANSWER, RetroFlow
from concierge.skills.retro.history import History
from concierge.skills.retro.insight import Weekly
from concierge.skills.retro.ports import Cleaner, ThemeFinder
from concierge.skills.retro.reminders import Reminders
from concierge.skills.retro.service import RetroService
from concierge.skills.retro.steps import DEFAULT_STEPS
from concierge.skills.retro.store import RetroStore

__all__ = ["RetroDeps", "build"]


@dataclass(frozen=True, slots=True)
class RetroDeps:
    core: CoreServices
    cleaner: Cleaner
    flows: FlowStore  # to close a paused retro's question from its expiry job
    buttons: ButtonStore  # buttons on bot-initiated messages (reminders)
    steps: tuple[str, ...] = DEFAULT_STEPS
    timeout: timedelta = timedelta(minutes=30)
    themes: ThemeFinder | None = None  # the weekly summary's themes (with a language model)


def _says_retro(text: str) -> bool:
    """«ретро» or "retro" alone starts it like /retro (also spoken)."""
    return text.strip(" .!").lower() in ("retro", "ретро")


def build(deps: RetroDeps) -> Skill:
    core = deps.core
    store = RetroStore(core.db)
    service = RetroService(
        store, deps.cleaner, deps.steps, core.scheduler, core.clock, deps.timeout
    )
    flow = RetroFlow(service, core.jobs)
    reminders = Reminders(core, service, flow, deps.buttons)
    history = History(service)
    weekly = Weekly(core, service, deps.themes)
    return Skill(
        name="retro",
        commands=[
            Command("retro", "retro.help.retro", flow.retro, aliases=("ретро",)),
            Command("reminder", "retro.help.reminder", reminders.command),
            Command("retros", "retro.help.retros", history.retros),
            Command("retro_search", "retro.help.search", history.search),
            Command("retro_export", "retro.help.export", history.export),
            Command("retro_delete", "retro.help.delete", history.delete),
            Command("retro_week", "retro.help.week", weekly.command),
        ],
        buttons={
            ANSWER: flow.answer,
            "retro.mood": flow.mood,
            "retro.skip": flow.skip,
            "retro.back": flow.back,
            "retro.finish": flow.finish,
            "retro.redo": flow.redo,
            "retro.reminder.pick": reminders.pick,
            "retro.reminder.start": reminders.start,
            "retro.reminder.snooze": reminders.snooze,
            "retro.month": history.month_button,
            "retro.open": history.open,
            "retro.delete.ask": history.ask_delete,
            "retro.delete.confirm": history.confirm_delete,
            "retro.delete.keep": history.keep,
        },
        message_routes=[MessageRoute("retro", _says_retro, flow.retro)],
        job_kinds=[expire_kind(core, service, deps.flows), reminders.job_kind(), weekly.job_kind()],
        home=Path(__file__).parent,
    )
