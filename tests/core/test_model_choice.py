"""Which models are offered, how they are built, and the /model command."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pydantic_ai.models
import pytest
from pydantic import SecretStr
from pydantic_ai.models.anthropic import AnthropicModel
from pydantic_ai.models.function import FunctionModel
from pydantic_ai.models.openai import OpenAIChatModel

from concierge.config import Settings
from concierge.core.agent import UserModels
from concierge.core.messages import Text
from concierge.core.model_choice import (
    KEYLESS,
    SETTING,
    LanguageModels,
    LLMSettings,
    ModelChoice,
    build_model_skill,
)
from concierge.core.registry import Registry
from concierge.storage.db import Database
from tests.core.agent_helpers import World

pydantic_ai.models.ALLOW_MODEL_REQUESTS = False

LOOPBACK = "http://127.0.0.1:9"
ANTHROPIC_KEY = SecretStr("sk-ant-test-not-a-real-key")
OPENAI_KEY = SecretStr("sk-test-not-a-real-key")


def anthropic_llm(provider: str = "auto", openai_api_key: SecretStr | None = None) -> LLMSettings:
    return LLMSettings(
        provider=provider,
        anthropic_api_key=ANTHROPIC_KEY,
        anthropic_model="claude-sonnet-4-5",
        anthropic_base_url=LOOPBACK,
        openai_api_key=openai_api_key,
    )


def test_without_keys_only_the_offline_model_is_offered() -> None:
    models = LanguageModels(LLMSettings())
    assert [c.id for c in models.choices()] == ["offline"]
    assert models.default.id == "offline"


def test_anthropic_model_caches_prompt_and_tools_and_applies_thinking_budget() -> None:
    models = LanguageModels(anthropic_llm())
    choice = models.default
    assert choice.id == "anthropic:claude-sonnet-4-5"

    plain = models.build(choice, "off")
    assert isinstance(plain, AnthropicModel)
    assert plain.model_name == "claude-sonnet-4-5"
    assert str(plain.client.base_url).startswith(LOOPBACK)
    settings: dict[str, Any] = dict(plain.settings or {})
    assert settings["anthropic_cache_instructions"] is True
    assert settings["anthropic_cache_tool_definitions"] is True
    assert "anthropic_thinking" not in settings
    assert settings["timeout"] <= settings["request_timeout"]

    for level, budget in (("low", 1024), ("medium", 4096), ("high", 16384)):
        thinking: dict[str, Any] = dict(models.build(choice, level).settings or {})
        assert thinking["anthropic_thinking"] == {"type": "enabled", "budget_tokens": budget}
        assert thinking["max_tokens"] > budget
    assert models.supports_thinking(choice)


def test_openai_reasoning_effort_only_where_the_model_reasons() -> None:
    llm = LLMSettings(
        openai_api_key=OPENAI_KEY, openai_model="o4-mini", extra_models=("openai:gpt-4.1-mini",)
    )
    models = LanguageModels(llm)
    reasoning, plain = models.choices()[:2]
    assert (reasoning.id, plain.id) == ("openai:o4-mini", "openai:gpt-4.1-mini")

    high = models.build(reasoning, "high")
    assert isinstance(high, OpenAIChatModel)
    assert dict(high.settings or {})["openai_reasoning_effort"] == "high"
    not_reasoning = dict(models.build(plain, "high").settings or {})
    assert "openai_reasoning_effort" not in not_reasoning and "thinking" not in not_reasoning
    assert not models.supports_thinking(plain)


def test_openai_compatible_server_uses_its_base_url_and_never_the_openai_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-key-that-must-not-leak")
    models = LanguageModels(LLMSettings(openai_base_url=f"{LOOPBACK}/v1", openai_model="llama3.1"))
    choice = models.default
    assert choice.id == "openai-compatible:llama3.1"
    model = models.build(choice, "off")
    assert isinstance(model, OpenAIChatModel)
    assert str(model.client.base_url).startswith(f"{LOOPBACK}/v1")
    assert model.client.api_key == KEYLESS


def test_default_follows_the_operators_provider_choice() -> None:
    both = OPENAI_KEY
    assert LanguageModels(anthropic_llm(openai_api_key=both)).default.provider == "anthropic"
    assert LanguageModels(anthropic_llm("openai", both)).default.provider == "openai"
    assert LanguageModels(anthropic_llm("offline", both)).default.id == "offline"
    # a provider named but not configured falls back to what is
    assert LanguageModels(anthropic_llm(provider="openai")).default.provider == "anthropic"


async def test_model_command_switches_model_and_thinking_per_user(sqlite_db: Database) -> None:
    world = World(sqlite_db)
    skill = build_model_skill(anthropic_llm(), world.users)
    command = skill.commands[0]
    assert command.name == "model"

    ctx, outbox = await world.context(platform_id=11)
    await command.handler(ctx)
    menu = outbox.sent[-1]
    assert isinstance(menu, Text)
    assert menu.text.startswith("Model: claude-sonnet-4-5\nThinking: Off")
    labels = [b.label for b in outbox.buttons()]
    assert labels == ["✓ claude-sonnet-4-5", "Offline (built-in)", "✓ Off", "Low", "Medium", "High"]

    action, payload = await world.payload_of(outbox.button("High"))
    await skill.buttons[action](ctx, payload)
    user = await world.users.get(ctx.user.id)
    assert user is not None and user.thinking == "high" and user.model is None
    assert outbox.texts()[-1].startswith("Thinking set to High.")

    ctx, outbox = await world.context(platform_id=11, lang="ru", outbox=outbox)
    action, payload = await world.payload_of(outbox.button("Offline (built-in)"))
    await skill.buttons[action](ctx, payload)
    user = await world.users.get(ctx.user.id)
    assert user is not None and user.model == "offline"
    assert outbox.texts()[-1].startswith("Теперь используется Офлайн (встроенная).")
    assert "не настраивается" in outbox.texts()[-1]

    # another user is untouched
    other, _ = await world.context(platform_id=12)
    assert other.user.model is None and other.user.thinking == "off"


async def test_stale_or_forged_choice_is_refused(sqlite_db: Database) -> None:
    world = World(sqlite_db)
    skill = build_model_skill(anthropic_llm(), world.users)
    ctx, outbox = await world.context()
    await skill.buttons["model.pick"](ctx, {"model": "openai:gpt-4o"})
    assert outbox.texts()[-1].startswith("That option is no longer available")
    user = await world.users.get(ctx.user.id)
    assert user is not None and user.model is None


async def test_runner_uses_the_users_choice_and_resets_one_no_longer_offered(
    sqlite_db: Database,
) -> None:
    world = World(sqlite_db)
    source = UserModels(LanguageModels(anthropic_llm()), Registry([]), world.users, world.catalog)
    ctx, _ = await world.context()
    await world.users.set_model(ctx.user.id, "offline", "low")
    ctx, _ = await world.context()
    chosen = await source.for_user(ctx)
    assert chosen.offline and isinstance(chosen.model, FunctionModel)

    await world.users.set_model(ctx.user.id, "openai:gone", "medium")
    ctx, _ = await world.context()
    chosen = await source.for_user(ctx)
    assert chosen.label == "anthropic:claude-sonnet-4-5"
    assert isinstance(chosen.model, AnthropicModel)
    settings: dict[str, Any] = dict(chosen.model.settings or {})
    assert settings["anthropic_thinking"]["budget_tokens"] == 4096
    user = await world.users.get(ctx.user.id)
    assert user is not None and user.model is None and user.thinking == "medium"


def test_model_choice_ids() -> None:
    assert ModelChoice("anthropic", "claude-haiku-4-5").id == "anthropic:claude-haiku-4-5"
    assert ModelChoice("offline", "offline").id == "offline"


def test_the_operators_llm_settings_reach_the_models_unchanged() -> None:
    settings = Settings(
        _env_file=None,
        llm_provider="openai-compatible",
        anthropic_api_key=ANTHROPIC_KEY,
        anthropic_base_url=LOOPBACK,
        openai_api_key=OPENAI_KEY,
        openai_model="llama3.1",
        openai_base_url=f"{LOOPBACK}/v1",
        llm_models=["anthropic:claude-haiku-4-5"],
        llm_request_timeout=30.0,
        history_max_messages=5,
        history_max_tokens=999,
    )
    llm = LLMSettings.from_settings(settings)
    assert llm == LLMSettings(
        provider="openai-compatible",
        anthropic_api_key=ANTHROPIC_KEY,
        anthropic_model="claude-sonnet-4-6",
        anthropic_base_url=LOOPBACK,
        openai_api_key=OPENAI_KEY,
        openai_model="llama3.1",
        openai_base_url=f"{LOOPBACK}/v1",
        extra_models=("anthropic:claude-haiku-4-5",),
        history_max_messages=5,
        history_max_tokens=999,
        request_timeout=30.0,
    )


def test_llm_defaults_are_the_settings_defaults() -> None:
    """A default changed in config.Settings alone would differ between app and tests."""
    for item in fields(LLMSettings):
        default = Settings.model_fields[item.metadata.get(SETTING, item.name)].get_default(
            call_default_factory=True
        )
        assert getattr(LLMSettings(), item.name) == (
            tuple(default) if isinstance(default, list) else default
        ), item.name
