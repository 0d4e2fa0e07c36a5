"""The conversational agent: one pydantic-ai ``Agent`` serving every chat.

Per message it picks the user's model, loads the chat's trimmed history, runs
the skills' tools with the acting user's ``Context`` as deps, streams the
answer into the chat, and stores the turn. Provider failures are logged once
and explained briefly to the user.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import pydantic_ai
import structlog
from pydantic import ValidationError
from pydantic_ai import Agent, RunContext
from pydantic_ai.exceptions import (
    AgentRunError,
    ModelAPIError,
    ModelAuthenticationError,
    ModelConnectionError,
    ModelQuotaExceededError,
    ModelRateLimitError,
    ModelRequestTimeout,
    ModelTimeoutError,
    ModelUnavailableError,
    RunTimedOut,
    ToolFailed,
)
from pydantic_ai.messages import (
    ModelMessage,
    ModelMessagesTypeAdapter,
    ModelRequest,
    ModelResponse,
    TextPart,
    UserPromptPart,
)
from pydantic_ai.models import Model
from pydantic_ai.toolsets import AbstractToolset, FunctionToolset, ToolsetTool, WrapperToolset
from pydantic_core import PydanticSerializationError

from concierge.core.agent_stream import TYPING_INTERVAL, ReplyStreamer, TypingIndicator
from concierge.core.i18n import Catalog
from concierge.core.metrics import Metrics
from concierge.core.model_choice import OFFLINE, LanguageModels, LLMSettings, thinking_level
from concierge.core.offline_model import (
    MODEL_NAME,
    IntentGrammar,
    OfflineResponder,
    offline_model_of,
    stream_lines,
)
from concierge.core.registry import Registry
from concierge.core.skill import Context, UserInstructions
from concierge.storage.repos import HistoryRepo, UserRepo

log = structlog.get_logger(__name__)

BASE_INSTRUCTIONS = (
    "You are Concierge, a media assistant in a chat app. Be brief and friendly. "
    "Answer in the language the user writes in. Use the tools to search, show and act; "
    "tools send cards and buttons to the user themselves, so do not repeat their contents, "
    "just add a short remark. Never invent tool results. If a tool fails, say what failed "
    "and what still worked."
)


@dataclass(frozen=True, slots=True)
class RunModel:
    label: str  # metrics label, e.g. "anthropic:claude-sonnet-4-6"
    model: Model
    offline: bool = False
    router: OfflineResponder | None = None  # the offline model's intent router, if offline


class ModelSource(Protocol):
    async def for_user(self, ctx: Context) -> RunModel: ...


class UserModels:
    """The model each user chose with ``/model``, or the configured default."""

    def __init__(
        self, models: LanguageModels, registry: Registry, users: UserRepo, catalog: Catalog
    ) -> None:
        self.models = models
        self.registry = registry
        self.users = users
        self.catalog = catalog
        self._offline: dict[str, RunModel] = {}  # by reply language, like provider models

    async def for_user(self, ctx: Context) -> RunModel:
        choice = self.models.choice_for(ctx.user.model)
        if ctx.user.model is not None and choice.id != ctx.user.model:
            log.info("stored_model_unavailable", user=ctx.user.key, model=ctx.user.model)
            await self.users.set_model(ctx.user.id, None, ctx.user.thinking)
        if choice.provider == OFFLINE:
            return self._offline_model(ctx.lang)
        return RunModel(choice.id, self.models.build(choice, thinking_level(ctx.user.thinking)))

    def _offline_model(self, lang: str) -> RunModel:
        """Built once per language: building pydantic-ai's model looks up its price table
        (~0.4 ms on every message otherwise); the router holds no per-run state."""
        found = self._offline.get(lang)
        if found is None:
            router = OfflineResponder(
                IntentGrammar(self.registry.intents),
                self.catalog,
                lang,
                providers_configured=bool(self.models.configured()),
            )
            found = RunModel(OFFLINE, offline_model_of(router), offline=True, router=router)
            self._offline[lang] = found
        return found


@dataclass
class MeteredToolset(WrapperToolset[Context]):
    """Counts calls and failures per tool; an unexpected tool error reaches the model as a failure."""

    metrics: Metrics | None = None

    async def call_tool(
        self,
        name: str,
        tool_args: dict[str, Any],
        ctx: RunContext[Context],
        tool: ToolsetTool[Context],
    ) -> Any:
        if self.metrics is not None:
            self.metrics.tool_calls.labels(name).inc()
        try:
            return await self.wrapped.call_tool(name, tool_args, ctx, tool)
        except ToolFailed:
            self._failed(name)
            raise
        except (asyncio.CancelledError, AgentRunError):
            raise
        except Exception as exc:
            if type(exc).__module__.startswith("pydantic_ai"):
                raise  # retries, deferrals and approvals are control flow, not failures
            self._failed(name)
            log.exception("tool_failed", tool=name, user=ctx.deps.user.key)
            raise ToolFailed(f"The tool {name} failed ({type(exc).__name__}).") from exc

    def _failed(self, name: str) -> None:
        if self.metrics is not None:
            self.metrics.tool_failures.labels(name).inc()


def estimate_tokens(message: ModelMessage) -> int:
    """A rough count (≈3 characters a token, cautious for Cyrillic) for the history budget."""
    chars = 0
    for part in message.parts:
        content = getattr(part, "content", None)
        if isinstance(content, str):
            chars += len(content)
        elif content is not None:
            chars += len(repr(content))
        args = getattr(part, "args", None)
        if args is not None:
            chars += len(args if isinstance(args, str) else repr(args))
    return chars // 3 + 4 * len(message.parts) + 1


def _starts_turn(message: ModelMessage) -> bool:
    return isinstance(message, ModelRequest) and any(
        isinstance(part, UserPromptPart) for part in message.parts
    )


def trim_history(
    messages: Sequence[tuple[ModelMessage, int]], max_messages: int, max_tokens: int
) -> list[ModelMessage]:
    """The newest messages within both budgets, starting at a user turn (no orphan tool return)."""
    kept: list[tuple[ModelMessage, int]] = []
    total = 0
    for message, tokens in reversed(messages[-max_messages:] if max_messages > 0 else []):
        if total + tokens > max_tokens:
            break
        kept.append((message, tokens))
        total += tokens
    kept.reverse()
    while kept and not _starts_turn(kept[0][0]):
        kept.pop(0)
    return [message for message, _ in kept]


def _for_storage(message: ModelMessage) -> ModelMessage:
    """Instructions are rebuilt every run; storing them with each request would only bloat rows."""
    if isinstance(message, ModelRequest) and message.instructions is not None:
        return dataclasses.replace(message, instructions=None)
    return message


def error_key(exc: BaseException) -> str:
    """The catalogue key explaining a provider failure to the user."""
    if isinstance(exc, ModelAuthenticationError):
        return "agent.error.auth"
    if isinstance(exc, ModelQuotaExceededError):
        return "agent.error.quota"
    if isinstance(exc, ModelRateLimitError):
        return "agent.error.rate_limit"
    if isinstance(exc, ModelRequestTimeout | ModelTimeoutError | RunTimedOut):
        return "agent.error.timeout"
    if isinstance(exc, ModelConnectionError | ModelUnavailableError):
        return "agent.error.unreachable"
    if isinstance(exc, ModelAPIError):
        return "agent.error.provider"
    return "agent.error.model"


def _per_run(hook: UserInstructions) -> Callable[[RunContext[Context]], Awaitable[str]]:
    """A skill's per-user instructions as pydantic-ai instructions, rebuilt every run."""

    async def instructions(run: RunContext[Context]) -> str:
        return await hook(run.deps)

    return instructions


class PydanticAgentRunner:
    """The dispatcher's ``AgentRunner``: ``await runner.run(ctx, text)``."""

    def __init__(
        self,
        *,
        models: ModelSource,
        registry: Registry,
        history: HistoryRepo,
        metrics: Metrics,
        max_messages: int = 30,
        max_tokens: int = 24_000,
        instructions: str = BASE_INSTRUCTIONS,
        typing_interval: float = TYPING_INTERVAL,
    ) -> None:
        self.models = models
        self.history = history
        self.metrics = metrics
        self.max_messages = max_messages
        self.max_tokens = max_tokens
        self.typing_interval = typing_interval
        prompt = "\n\n".join(p for p in (instructions, registry.instructions) if p)
        self.instructions = prompt
        self.tool_names = {tool.name for tool in registry.tools}
        toolset: AbstractToolset[Context] = MeteredToolset(
            FunctionToolset(registry.tools), metrics=metrics
        )
        self.agent: Agent[Context, str] = Agent(
            deps_type=Context,
            output_type=str,
            instructions=[prompt, *(_per_run(hook) for hook in registry.user_instructions)],
            toolsets=[toolset],
            name="concierge",
        )

    async def run(self, ctx: Context, text: str) -> None:
        chosen = await self.models.for_user(ctx)
        chat_key = ctx.inbound.chat.key
        if chosen.router is not None:
            answer = chosen.router.answer_without_tools(text, self.tool_names)
            if answer is not None:
                await self._answer_offline(ctx, chosen, text, answer)
                return
        history = await self._load(chat_key)
        typing = TypingIndicator(ctx, self.typing_interval)
        streamer = ReplyStreamer(ctx, typing)
        typing.start()
        outcome = "error"
        try:
            result = await self.agent.run(
                text,
                deps=ctx,
                model=chosen.model,
                message_history=history,
                event_stream_handler=streamer.handle,
            )
            await typing.stop()
            await streamer.finish(result.output)
            outcome = "ok"
        except AgentRunError as exc:
            outcome = "provider_error" if isinstance(exc, ModelAPIError) else "model_error"
            await typing.stop()
            await streamer.finish("")  # keep what was already shown
            await self._explain(ctx, chosen, exc)
            return
        except asyncio.CancelledError:
            outcome = "cancelled"
            raise
        finally:
            await typing.stop()
            self.metrics.agent_runs.labels(chosen.label, outcome).inc()
        if not chosen.offline:
            usage = result.usage
            self.metrics.tokens.labels(chosen.label, "in").inc(usage.input_tokens or 0)
            self.metrics.tokens.labels(chosen.label, "out").inc(usage.output_tokens or 0)
        await self._save(chat_key, ctx.user.id, result.new_messages())

    async def _answer_offline(self, ctx: Context, chosen: RunModel, text: str, answer: str) -> None:
        """The offline model's answer to a message no intent matches, without a run.

        The agent graph would only relay this fixed text (about 10 ms of CPU for
        nothing, issue 15); the user sees the same reply and the turn is stored the
        same way. A message that matches an intent still goes through ``agent.run``.
        """
        try:
            await ctx.outbox.typing()  # as while a model thinks: the user's client shows it
        except Exception:
            log.warning("typing_indicator_failed", user=ctx.user.key, exc_info=True)
        streamer = ReplyStreamer(ctx, TypingIndicator(ctx, self.typing_interval))
        try:
            await streamer.relay(stream_lines(answer))
            await streamer.finish(answer)
        finally:
            self.metrics.agent_runs.labels(chosen.label, "ok").inc()
        turn: list[ModelMessage] = [
            ModelRequest(parts=[UserPromptPart(text)], instructions=self.instructions),
            ModelResponse(parts=[TextPart(answer)], model_name=MODEL_NAME),
        ]
        await self._save(ctx.inbound.chat.key, ctx.user.id, turn)

    async def _explain(self, ctx: Context, chosen: RunModel, exc: BaseException) -> None:
        key = error_key(exc)
        log.warning(
            "agent_run_failed",
            user=ctx.user.key,
            model=chosen.label,
            error=type(exc).__name__,
            status=getattr(exc, "status_code", None),
            reason=key.rsplit(".", 1)[-1],
        )
        await ctx.reply(ctx.t(key, model=chosen.label))

    async def _load(self, chat_key: str) -> list[ModelMessage]:
        rows = await self.history.load(chat_key, self.max_messages)
        if not rows:
            return []
        try:
            messages = ModelMessagesTypeAdapter.validate_python([payload for payload, _ in rows])
        except ValidationError as exc:
            log.warning("history_unreadable_cleared", chat=chat_key, errors=exc.error_count())
            await self.history.clear(chat_key)
            return []
        pairs = list(zip(messages, (tokens for _, tokens in rows), strict=True))
        return trim_history(pairs, self.max_messages, self.max_tokens)

    async def _save(self, chat_key: str, user_id: int, messages: Sequence[ModelMessage]) -> None:
        stored = [_for_storage(m) for m in messages]
        try:
            payloads = ModelMessagesTypeAdapter.dump_python(stored, mode="json")
        except PydanticSerializationError as exc:
            log.warning("history_not_saved", chat=chat_key, error=str(exc)[:200])
            return
        rows = [(p, estimate_tokens(m)) for p, m in zip(payloads, stored, strict=True)]
        await self.history.append(chat_key, user_id, rows, keep=self.max_messages)


def build_agent_runner(
    *,
    llm: LLMSettings,
    registry: Registry,
    history: HistoryRepo,
    users: UserRepo,
    metrics: Metrics,
    catalog: Catalog,
) -> PydanticAgentRunner:
    """The agent for bootstrap: the configured providers, the offline model as fallback."""
    pydantic_ai.BANNER_ENABLED = False  # we own the terminal: no first-run banner in the chat
    models = UserModels(LanguageModels(llm), registry, users, catalog)
    return PydanticAgentRunner(
        models=models,
        registry=registry,
        history=history,
        metrics=metrics,
        max_messages=llm.history_max_messages,
        max_tokens=llm.history_max_tokens,
    )
