"""Which language models exist here, how one is built, and the ``/model`` command.

The operator configures providers; each user picks one of their models and a
thinking budget. Thinking and prompt caching are set only where the model's
profile says the provider supports them, so a choice never breaks a request.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, cast

import structlog
from pydantic import SecretStr
from pydantic_ai.models import Model
from pydantic_ai.settings import ModelSettings

from concierge.core.messages import Button, ButtonRows, Text
from concierge.core.skill import Command, Context, Skill
from concierge.storage.repos import UserRepo

if TYPE_CHECKING:  # the vendor SDKs take ~1.7 s to import: only when a provider is used
    from openai.types.shared import ReasoningEffort
    from pydantic_ai.providers.anthropic import AnthropicProvider
    from pydantic_ai.providers.openai import OpenAIProvider
    from pydantic_ai.settings import ThinkingLevel

log = structlog.get_logger(__name__)

OFFLINE = "offline"
ANTHROPIC = "anthropic"
OPENAI = "openai"
OPENAI_COMPATIBLE = "openai-compatible"

THINKING_BUDGETS: dict[str, int] = {"off": 0, "low": 1024, "medium": 4096, "high": 16384}
ANSWER_TOKENS = 4096  # room for the answer on top of an Anthropic thinking budget
KEYLESS = "no-key"  # local OpenAI-compatible servers ignore the key but the SDK wants one
_PREFERRED: dict[str, tuple[str, ...]] = {
    ANTHROPIC: (ANTHROPIC,),
    OPENAI: (OPENAI, OPENAI_COMPATIBLE),
    OPENAI_COMPATIBLE: (OPENAI_COMPATIBLE, OPENAI),
}


SETTING = "setting"  # field metadata: the ``Settings`` attribute a field is read from


def _from(setting: str, default: Any) -> Any:
    """A field read from the differently named ``Settings`` attribute ``setting``."""
    return field(default=default, metadata={SETTING: setting})


@dataclass(frozen=True, slots=True)
class LLMSettings:
    """The operator's language-model configuration: the LLM part of ``Settings``.

    Built with ``from_settings``, which reads each field from the ``Settings`` attribute
    of the same name (or the one in its metadata), so a new knob is one field here.
    """

    provider: str = _from("llm_provider", "auto")  # auto|offline|anthropic|openai|openai-compatible
    anthropic_api_key: SecretStr | None = None
    anthropic_model: str = "claude-sonnet-4-6"
    anthropic_base_url: str | None = None
    openai_api_key: SecretStr | None = None
    openai_model: str = "gpt-4.1-mini"
    openai_base_url: str | None = None
    # more pickable ids, e.g. "anthropic:claude-haiku-4-5"
    extra_models: tuple[str, ...] = _from("llm_models", ())
    history_max_messages: int = 30
    history_max_tokens: int = 24_000
    request_timeout: float = _from("llm_request_timeout", 120.0)

    @classmethod
    def from_settings(cls, settings: object) -> LLMSettings:
        """The values ``settings`` (a ``config.Settings``) holds for these fields."""
        values: dict[str, Any] = {}
        for item in fields(cls):
            value = getattr(settings, item.metadata.get(SETTING, item.name))
            values[item.name] = tuple(value) if isinstance(value, list) else value
        return cls(**values)


@dataclass(frozen=True, slots=True)
class ModelChoice:
    provider: str
    name: str

    @property
    def id(self) -> str:
        return OFFLINE if self.provider == OFFLINE else f"{self.provider}:{self.name}"


OFFLINE_CHOICE = ModelChoice(OFFLINE, OFFLINE)


def thinking_level(value: str | None) -> str:
    return value if value in THINKING_BUDGETS else "off"


def model_settings(
    provider: str, profile: dict[str, Any], thinking: str, timeout: float
) -> ModelSettings:
    """Request settings: timeouts, Anthropic prompt caching, thinking where supported."""
    from pydantic_ai.models.anthropic import AnthropicModelSettings
    from pydantic_ai.models.openai import OpenAIChatModelSettings

    attempt_timeout = min(60.0, timeout)
    level = thinking_level(thinking)
    supports = bool(profile.get("supports_thinking"))
    if provider == ANTHROPIC:
        anthropic = AnthropicModelSettings(
            timeout=attempt_timeout,
            request_timeout=timeout,
            anthropic_cache_instructions=True,
            anthropic_cache_tool_definitions=True,
        )
        if level != "off" and supports:
            if profile.get("anthropic_disallows_budget_thinking"):
                anthropic["thinking"] = cast(
                    "ThinkingLevel", level
                )  # adaptive-only models take an effort level
            else:
                budget = THINKING_BUDGETS[level]
                anthropic["anthropic_thinking"] = {"type": "enabled", "budget_tokens": budget}
                anthropic["max_tokens"] = budget + ANSWER_TOKENS
        return anthropic
    openai = OpenAIChatModelSettings(timeout=attempt_timeout, request_timeout=timeout)
    if supports:
        if level == "off":
            openai["thinking"] = False  # lowest effort the model accepts
        else:
            openai["openai_reasoning_effort"] = cast("ReasoningEffort", level)
    return openai


class LanguageModels:
    """The models the operator configured; builds (and caches) pydantic-ai models."""

    def __init__(self, llm: LLMSettings) -> None:
        self.llm = llm
        if llm.provider not in ("auto", OFFLINE) and llm.provider not in self.configured():
            log.warning("llm_provider_not_configured", provider=llm.provider, using=self.default.id)
        self._providers: dict[str, AnthropicProvider | OpenAIProvider] = {}
        self._models: dict[tuple[str, str], Model] = {}

    def configured(self) -> list[str]:
        """Providers with what they need to run, in order of preference."""
        found: list[str] = []
        if self.llm.provider == OFFLINE:
            return found
        if self.llm.anthropic_api_key is not None:
            found.append(ANTHROPIC)
        if self.llm.openai_base_url:
            found.append(OPENAI_COMPATIBLE)
        elif self.llm.openai_api_key is not None:
            found.append(OPENAI)
        return found

    def choices(self) -> list[ModelChoice]:
        configured = self.configured()
        found: list[ModelChoice] = []
        for provider in configured:
            name = self.llm.anthropic_model if provider == ANTHROPIC else self.llm.openai_model
            found.append(ModelChoice(provider, name))
        for extra in self.llm.extra_models:
            provider, _, name = extra.partition(":")
            choice = ModelChoice(provider, name)
            if provider in configured and name and choice not in found:
                found.append(choice)
        found.append(OFFLINE_CHOICE)
        return found

    @property
    def default(self) -> ModelChoice:
        """The operator's provider when configured, else the first configured, else offline."""
        choices = self.choices()
        wanted = _PREFERRED.get(self.llm.provider, ())
        for choice in choices:
            if choice.provider in wanted:
                return choice
        return choices[0]

    def choice_for(self, model_id: str | None) -> ModelChoice:
        """The user's stored choice while it is still offered, else the default."""
        for choice in self.choices():
            if choice.id == model_id:
                return choice
        return self.default

    def supports_thinking(self, choice: ModelChoice) -> bool:
        if choice.provider == OFFLINE:
            return False
        return bool(self.build(choice, "off").profile.get("supports_thinking"))

    def build(self, choice: ModelChoice, thinking: str) -> Model:
        """A provider model with this thinking level; the offline model is built elsewhere."""
        level = thinking_level(thinking)
        key = (choice.id, level)
        if key not in self._models:
            self._models[key] = self._build(choice, level)
        return self._models[key]

    def _build(self, choice: ModelChoice, level: str) -> Model:
        timeout = self.llm.request_timeout
        if choice.provider == ANTHROPIC:
            from pydantic_ai.models.anthropic import AnthropicModel

            provider = self._anthropic()
            bare = AnthropicModel(choice.name, provider=provider)
            settings = model_settings(ANTHROPIC, dict(bare.profile), level, timeout)
            return AnthropicModel(choice.name, provider=provider, settings=settings)
        if choice.provider in (OPENAI, OPENAI_COMPATIBLE):
            from pydantic_ai.models.openai import OpenAIChatModel

            openai_provider = self._openai()
            bare_openai = OpenAIChatModel(choice.name, provider=openai_provider)
            settings = model_settings(OPENAI, dict(bare_openai.profile), level, timeout)
            return OpenAIChatModel(choice.name, provider=openai_provider, settings=settings)
        raise ValueError(f"no provider model for {choice.id!r}")

    def _anthropic(self) -> AnthropicProvider:
        from pydantic_ai.providers.anthropic import AnthropicProvider

        cached = self._providers.get(ANTHROPIC)
        if isinstance(cached, AnthropicProvider):
            return cached
        key = self.llm.anthropic_api_key
        if key is None:
            raise ValueError("Anthropic is not configured (no API key)")
        provider = AnthropicProvider(
            api_key=key.get_secret_value(), base_url=self.llm.anthropic_base_url
        )
        self._providers[ANTHROPIC] = provider
        return provider

    def _openai(self) -> OpenAIProvider:
        from pydantic_ai.providers.openai import OpenAIProvider

        cached = self._providers.get(OPENAI)
        if isinstance(cached, OpenAIProvider):
            return cached
        key = self.llm.openai_api_key
        if key is None and not self.llm.openai_base_url:
            raise ValueError("OpenAI is not configured (no API key or base URL)")
        provider = OpenAIProvider(
            base_url=self.llm.openai_base_url,
            api_key=key.get_secret_value() if key is not None else KEYLESS,
        )
        self._providers[OPENAI] = provider
        return provider


class ModelMenu:
    """``/model``: shows the current model and thinking level, with buttons to change them."""

    def __init__(self, models: LanguageModels, users: UserRepo) -> None:
        self.models = models
        self.users = users

    def label(self, ctx: Context, choice: ModelChoice) -> str:
        return ctx.t("model.offline") if choice.provider == OFFLINE else choice.name

    async def show(self, ctx: Context) -> None:
        await ctx.reply(await self._menu(ctx, ctx.user.model, ctx.user.thinking))

    async def pick(self, ctx: Context, payload: dict[str, Any]) -> None:
        wanted = str(payload.get("model", ""))
        if wanted not in {choice.id for choice in self.models.choices()}:
            await ctx.reply(ctx.t("model.unavailable"))
            return
        thinking = thinking_level(ctx.user.thinking)
        await self.users.set_model(ctx.user.id, wanted, thinking)
        chosen = self.models.choice_for(wanted)
        note = ctx.t("model.switched", model=self.label(ctx, chosen))
        await ctx.reply(await self._menu(ctx, wanted, thinking, note))

    async def set_thinking(self, ctx: Context, payload: dict[str, Any]) -> None:
        level = str(payload.get("level", ""))
        if level not in THINKING_BUDGETS:
            await ctx.reply(ctx.t("model.unavailable"))
            return
        choice = self.models.choice_for(ctx.user.model)
        if level != "off" and not self.models.supports_thinking(choice):
            await ctx.reply(ctx.t("model.thinking_unsupported", model=self.label(ctx, choice)))
            return
        await self.users.set_model(ctx.user.id, ctx.user.model, level)
        note = ctx.t("model.thinking_set", level=ctx.t(f"model.thinking.{level}"))
        await ctx.reply(await self._menu(ctx, ctx.user.model, level, note))

    async def _menu(
        self, ctx: Context, model_id: str | None, thinking: str, note: str = ""
    ) -> Text:
        current = self.models.choice_for(model_id)
        level = thinking_level(thinking)
        supports = self.models.supports_thinking(current)
        lines = [note] if note else []
        lines.append(
            ctx.t(
                "model.current",
                model=self.label(ctx, current),
                thinking=ctx.t(f"model.thinking.{level if supports else 'off'}"),
            )
        )
        if not supports:
            lines.append(ctx.t("model.thinking_unsupported", model=self.label(ctx, current)))
        if len(self.models.choices()) == 1:
            lines.append(ctx.t("model.only_offline"))
        model_row: list[Button] = []
        for choice in self.models.choices():
            mark = "✓ " if choice == current else ""
            model_row.append(
                await ctx.button(mark + self.label(ctx, choice), "model.pick", {"model": choice.id})
            )
        buttons: ButtonRows = tuple((b,) for b in model_row)
        if supports:
            thinking_row: list[Button] = []
            for option in THINKING_BUDGETS:
                mark = "✓ " if option == level else ""
                text = mark + ctx.t(f"model.thinking.{option}")
                thinking_row.append(await ctx.button(text, "model.thinking", {"level": option}))
            buttons = (*buttons, tuple(thinking_row))
        return Text("\n".join(lines), buttons=buttons)


def build_model_skill(llm: LLMSettings, users: UserRepo) -> Skill:
    menu = ModelMenu(LanguageModels(llm), users)
    return Skill(
        name="model",
        commands=[Command(name="model", help_key="model.help", handler=menu.show)],
        buttons={"model.pick": menu.pick, "model.thinking": menu.set_thinking},
    )
