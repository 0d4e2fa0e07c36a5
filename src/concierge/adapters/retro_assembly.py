"""Settings → the retro and admin skills' pieces: the retro's clean-up (the configured
LLM or the offline rules), step list and timeout; the admin API key and figure sources.
Called only by ``bootstrap.py``."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from pydantic_ai.models import Model

from concierge.core.model_choice import OFFLINE, LanguageModels, LLMSettings
from concierge.skills.admin import AdminDeps
from concierge.skills.retro import RetroDeps
from concierge.skills.retro.cleanup import ModelCleaner, Prices, RuleCleaner
from concierge.skills.retro.ports import Cleaner
from concierge.skills.retro.stats import RetroStats
from concierge.skills.retro.steps import parse_steps
from concierge.skills.retro.themes import ModelThemes
from concierge.skills.voice.stats import VoiceStats
from concierge.storage.flows import SqlFlows

if TYPE_CHECKING:
    from concierge.config import Settings
    from concierge.core.deps import CoreServices


def retro_model(settings: Settings) -> tuple[Model, str] | None:
    """The operator's default language model and its label; None when only offline."""
    models = LanguageModels(LLMSettings.from_settings(settings))
    choice = models.default
    if choice.provider == OFFLINE:
        return None
    return models.build(choice, "off"), choice.id


def retro_cleaner(settings: Settings, found: tuple[Model, str] | None) -> Cleaner:
    """``RETRO_CLEANUP``: auto (the default model when one is configured), llm, rules."""
    if settings.retro_cleanup == "rules":
        return RuleCleaner()
    if found is None:
        if settings.retro_cleanup == "llm":
            raise ValueError("RETRO_CLEANUP=llm needs a language model (LLM_PROVIDER and a key)")
        return RuleCleaner()
    prices = Prices(settings.retro_llm_price_input, settings.retro_llm_price_output)
    return ModelCleaner(found[0], found[1], prices)


def retro_deps(settings: Settings, core: CoreServices) -> RetroDeps:
    found = retro_model(settings)
    return RetroDeps(
        core=core,
        cleaner=retro_cleaner(settings, found),
        flows=SqlFlows(core.db, core.clock),
        buttons=core.buttons,
        steps=parse_steps(settings.retro_steps),
        timeout=timedelta(minutes=settings.retro_timeout_minutes),
        themes=ModelThemes(*found) if found is not None else None,
    )


def admin_deps(settings: Settings, core: CoreServices) -> AdminDeps:
    """The admin skill sees the retro's and the voice skill's figures; the API is on only
    with ADMIN_API_KEY."""
    key = settings.admin_api_key.get_secret_value() if settings.admin_api_key else None
    return AdminDeps(
        core=core, api_key=key or None, sources=[RetroStats(core.db), VoiceStats(core.db)]
    )
