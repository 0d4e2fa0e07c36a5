"""The agent runner: history, streaming, concurrent tools, typing, metrics, provider errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pydantic_ai.models
import pytest
from pydantic_ai import RunContext, Tool
from pydantic_ai.exceptions import (
    ModelAuthenticationError,
    ModelConnectionError,
    ModelRateLimitError,
)
from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai.models.function import AgentInfo, DeltaToolCall, DeltaToolCalls, FunctionModel

from concierge.core.agent import PydanticAgentRunner
from concierge.core.messages import Card
from concierge.core.registry import Registry
from concierge.core.skill import Context, Skill
from concierge.storage.db import Database
from tests.core.agent_helpers import World, metric
from tests.fakes.agent import FakeModels, Script

pydantic_ai.models.ALLOW_MODEL_REQUESTS = False


def tools_skill(*tools: Tool[Context]) -> Registry:
    return Registry([Skill(name="t", tools=list(tools))])


def make_runner(
    world: World, model: FunctionModel, registry: Registry | None = None, **kw: int
) -> PydanticAgentRunner:
    return PydanticAgentRunner(
        models=FakeModels(model),
        registry=registry or tools_skill(),
        history=world.history,
        metrics=world.metrics,
        typing_interval=0.01,
        **kw,  # type: ignore[arg-type]
    )


async def test_answer_streams_as_deltas_then_final_text(sqlite_db: Database) -> None:
    world = World(sqlite_db)
    script = Script()
    runner = make_runner(world, FunctionModel(stream_function=script.stream))
    ctx, outbox = await world.context()
    await runner.run(ctx, "hi")
    assert outbox.streams[0].deltas == ["Hel", "lo"]
    assert outbox.streams[0].final == "Hello"
    assert outbox.texts() == ["Hello"]
    assert metric(world, "concierge_agent_runs_total", model="test:fake", outcome="ok") == 1
    assert metric(world, "concierge_llm_tokens_total", model="test:fake", direction="in") > 0
    assert metric(world, "concierge_llm_tokens_total", model="test:fake", direction="out") > 0


async def test_requested_tools_run_concurrently_and_typing_shows_meanwhile(
    sqlite_db: Database,
) -> None:
    world = World(sqlite_db)
    started: list[str] = []
    both_running = asyncio.Event()

    async def wait_for_sibling(name: str) -> str:
        started.append(name)
        if len(started) == 2:
            both_running.set()
        await asyncio.wait_for(both_running.wait(), timeout=2)  # sequential calls would time out
        await asyncio.sleep(0.05)
        return "ok"

    async def posters(ctx: RunContext[Context]) -> str:
        await ctx.deps.outbox.send(Card(title="poster"))
        return await wait_for_sibling("posters")

    async def ratings(ctx: RunContext[Context]) -> str:
        return await wait_for_sibling("ratings")

    runner = make_runner(
        world,
        FunctionModel(stream_function=Script().stream),
        tools_skill(Tool(posters), Tool(ratings)),
    )
    ctx, outbox = await world.context()
    await runner.run(ctx, "call posters ratings")
    assert sorted(started) == ["posters", "ratings"]
    assert outbox.texts() == ["poster\n", "Done: posters=ok, ratings=ok"]
    assert outbox.typing_count >= 2
    assert metric(world, "concierge_tool_calls_total", tool="posters") == 1


async def test_text_before_a_tool_call_stays_above_the_tools_cards(sqlite_db: Database) -> None:
    world = World(sqlite_db)

    async def mixed(
        messages: list[ModelMessage], info: AgentInfo
    ) -> AsyncIterator[str | DeltaToolCalls]:
        last = messages[-1]
        assert isinstance(last, ModelRequest)
        if any(isinstance(p, ToolReturnPart) for p in last.parts):
            yield "Here it is."
            return
        yield "Let me look."
        yield {0: DeltaToolCall(name="card", json_args="{}", tool_call_id="c0")}

    async def card(ctx: RunContext[Context]) -> str:
        await ctx.deps.outbox.send(Card(title="Dune"))
        return "sent"

    runner = make_runner(world, FunctionModel(stream_function=mixed), tools_skill(Tool(card)))
    ctx, outbox = await world.context()
    await runner.run(ctx, "show Dune")
    assert outbox.texts() == ["Let me look.", "Dune\n", "Here it is."]
    assert [s.final for s in outbox.streams] == ["Let me look.", "Here it is."]


async def test_failing_tool_reaches_the_model_as_a_failure_and_is_counted(
    sqlite_db: Database,
) -> None:
    world = World(sqlite_db)

    async def broken(ctx: RunContext[Context]) -> str:
        raise RuntimeError("tracker returned garbage")

    runner = make_runner(
        world, FunctionModel(stream_function=Script().stream), tools_skill(Tool(broken))
    )
    ctx, outbox = await world.context()
    await runner.run(ctx, "call broken")
    assert "The tool broken failed (RuntimeError)" in outbox.texts()[-1]
    assert metric(world, "concierge_tool_failures_total", tool="broken") == 1
    assert metric(world, "concierge_agent_runs_total", model="test:fake", outcome="ok") == 1


async def test_history_is_per_chat_trimmed_and_never_starts_with_a_tool_return(
    sqlite_db: Database,
) -> None:
    world = World(sqlite_db)
    script = Script()

    async def lookup(ctx: RunContext[Context]) -> str:
        return "42"

    runner = make_runner(
        world,
        FunctionModel(stream_function=script.stream),
        tools_skill(Tool(lookup)),
        max_messages=6,
    )
    ctx, _ = await world.context(chat_id=100)
    for turn in range(5):
        await runner.run(ctx, "call lookup" if turn % 2 else f"hello {turn}")
    assert await world.history.count(ctx.inbound.chat.key) == 6

    for sent in script.seen:
        first = sent[0]
        assert isinstance(first, ModelRequest) and isinstance(first.parts[0], UserPromptPart)
        calls = {
            p.tool_call_id
            for m in sent
            if isinstance(m, ModelResponse)
            for p in m.parts
            if isinstance(p, ToolCallPart)
        }
        returns = {
            p.tool_call_id
            for m in sent
            if isinstance(m, ModelRequest)
            for p in m.parts
            if isinstance(p, ToolReturnPart)
        }
        assert returns <= calls, "every tool return in history follows its call"
        assert len(sent) <= 6 + 3

    # another chat starts empty
    other, _ = await world.context(chat_id=200)
    script.seen.clear()
    await runner.run(other, "hi")
    assert len(script.seen[0]) == 1


async def test_history_respects_the_token_budget(sqlite_db: Database) -> None:
    world = World(sqlite_db)
    script = Script()
    runner = make_runner(world, FunctionModel(stream_function=script.stream), max_tokens=60)
    ctx, _ = await world.context()
    for _ in range(4):
        await runner.run(ctx, "tell me about " + "very long words " * 8)
    prompts = [m for m in script.seen[-1] if isinstance(m, ModelRequest)]
    assert len(prompts) == 2  # only the previous turn fits, plus the new prompt


async def test_unreadable_history_is_dropped_not_fatal(sqlite_db: Database) -> None:
    world = World(sqlite_db)
    ctx, outbox = await world.context()
    await world.history.append(
        ctx.inbound.chat.key, ctx.user.id, [({"kind": "nonsense"}, 3)], keep=30
    )
    runner = make_runner(world, FunctionModel(stream_function=Script().stream))
    await runner.run(ctx, "hi")
    assert outbox.texts() == ["Hello"]
    assert await world.history.count(ctx.inbound.chat.key) == 2


@pytest.mark.parametrize(
    ("error", "lang", "expected"),
    [
        (ModelAuthenticationError("m", "invalid x-api-key"), "en", "rejected our API key"),
        (ModelRateLimitError("m", "slow down"), "ru", "лимит запросов"),
        (
            ModelConnectionError("m", "connection refused", phase="connect"),
            "en",
            "can't reach the language model",
        ),
    ],
)
async def test_provider_failure_is_explained_in_the_users_language(
    sqlite_db: Database, error: Exception, lang: str, expected: str
) -> None:
    world = World(sqlite_db)

    async def failing(messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[str]:
        raise error
        yield ""  # pragma: no cover - makes this an async generator

    runner = make_runner(world, FunctionModel(stream_function=failing))
    ctx, outbox = await world.context(lang=lang)
    await runner.run(ctx, "hi")
    assert len(outbox.texts()) == 1 and expected in outbox.texts()[0]
    assert "x-api-key" not in outbox.texts()[0]
    assert (
        metric(world, "concierge_agent_runs_total", model="test:fake", outcome="provider_error")
        == 1
    )
    assert await world.history.count(ctx.inbound.chat.key) == 0


async def test_tools_get_the_user_from_context_never_from_the_model(sqlite_db: Database) -> None:
    world = World(sqlite_db)
    seen: list[int] = []

    async def whoami(ctx: RunContext[Context]) -> str:
        seen.append(ctx.deps.user.id)
        return str(ctx.deps.user.platform_id)

    async def inspect(
        messages: list[ModelMessage], info: AgentInfo
    ) -> AsyncIterator[str | DeltaToolCalls]:
        schema = info.function_tools[0].parameters_json_schema
        assert schema.get("properties", {}) == {}, "no user id argument is offered to the model"
        async for item in Script().stream(messages, info):
            yield item

    runner = make_runner(world, FunctionModel(stream_function=inspect), tools_skill(Tool(whoami)))
    ctx, outbox = await world.context(platform_id=4242)
    await runner.run(ctx, "call whoami")
    assert seen == [ctx.user.id]
    assert outbox.texts() == ["Done: whoami=4242"]


async def test_cancelled_run_stops_typing_and_saves_nothing(sqlite_db: Database) -> None:
    world = World(sqlite_db)
    started = asyncio.Event()

    async def slow(messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[str]:
        started.set()
        await asyncio.Event().wait()  # a model that never answers: only cancelling ends it
        yield "never"

    runner = make_runner(world, FunctionModel(stream_function=slow))
    ctx, outbox = await world.context()
    task = asyncio.create_task(runner.run(ctx, "hi"))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    typed = outbox.typing_count
    await asyncio.sleep(0.05)
    assert outbox.typing_count == typed, "typing stops with the run"
    assert outbox.texts() == []
    assert metric(world, "concierge_agent_runs_total", model="test:fake", outcome="cancelled") == 1
    assert await world.history.count(ctx.inbound.chat.key) == 0
