"""The built-in offline model: short English and Russian requests become tool calls."""

from __future__ import annotations

import re
from typing import Any

import pydantic_ai.models
from pydantic_ai import Agent, RunContext, Tool

from concierge.core.messages import Card
from concierge.core.offline_model import build_offline_model, example_phrase
from concierge.core.registry import Registry
from concierge.core.skill import Context, Intent, Skill
from concierge.storage.db import Database
from tests.core.agent_helpers import World, metric

pydantic_ai.models.ALLOW_MODEL_REQUESTS = False


class FilmTools:
    """A test skill: finds films, sends a card, and remembers who asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, str, int]] = []

    async def find_films(self, ctx: RunContext[Context], query: str, year: int = 0) -> str:
        """Search films by title."""
        self.calls.append((ctx.deps.user.id, query, year))
        await ctx.deps.outbox.send(Card(title=f"{query} ({year or 2021})"))
        return f"Found 1 film for {query}." if ctx.deps.lang == "en" else f"Нашёл 1 фильм: {query}."

    async def downloads(self, ctx: RunContext[Context]) -> str:
        """What is downloading."""
        raise RuntimeError("torrent client is down")

    def skill(self) -> Skill:
        return Skill(
            name="films",
            tools=[Tool(self.find_films), Tool(self.downloads)],
            intents=[
                Intent(
                    tool="find_films",
                    patterns=[
                        re.compile(
                            r"(?:find|search for)\s+(?P<query>.+?)(?:\s+from\s+(?P<year>\d{4}))?"
                        ),
                        re.compile(
                            r"(?:найди|поищи)\s+(?P<query>.+?)(?:\s+(?P<year>\d{4})\s+года)?"
                        ),
                    ],
                    build=lambda g: {"query": g["query"], "year": int(g.get("year", 0))},
                ),
                Intent(
                    tool="downloads",
                    patterns=[
                        re.compile(r"what(?:'s| is) downloading"),
                        re.compile(r"что качается"),
                    ],
                ),
            ],
        )


async def test_english_and_russian_requests_call_the_tool_for_the_acting_user(
    sqlite_db: Database,
) -> None:
    world = World(sqlite_db)
    films = FilmTools()
    registry = Registry([films.skill()])
    runner = world.runner(registry)

    ctx, outbox = await world.context(platform_id=7, lang="en")
    await runner.run(ctx, "Find Dune from 2021!")
    assert films.calls == [(ctx.user.id, "Dune", 2021)]
    # the tool's return ("Found 1 film …") is for a language model; the user sees the
    # tool's own output and a short acknowledgement in their language
    assert outbox.texts() == ["Dune (2021)\n", "Done."]
    assert "".join(outbox.streams[0].deltas) == "Done."

    ru_ctx, ru_box = await world.context(platform_id=8, lang="ru")
    await runner.run(ru_ctx, "найди Дюна 1984 года")
    await runner.run(ru_ctx, "поищи   Солярис")
    assert films.calls[1:] == [(ru_ctx.user.id, "Дюна", 1984), (ru_ctx.user.id, "Солярис", 0)]
    assert ru_box.texts()[-1] == "Готово."
    assert metric(world, "concierge_tool_calls_total", tool="find_films") == 3
    assert metric(world, "concierge_agent_runs_total", model="offline", outcome="ok") == 3
    assert await world.history.count(ru_ctx.inbound.chat.key) == 8  # two turns of four messages


async def test_unmatched_text_gets_an_honest_answer_in_the_users_language(
    sqlite_db: Database,
) -> None:
    world = World(sqlite_db)
    registry = Registry([FilmTools().skill()])
    runner = world.runner(registry)
    ctx, outbox = await world.context(lang="en")
    await runner.run(ctx, "what do you think about the ending of Lost?")
    answer = outbox.texts()[-1]
    assert answer.startswith("No language model is configured")
    assert "• find …" in answer and "• what's downloading" in answer
    assert "ANTHROPIC_API_KEY" in answer and "/help" in answer

    # Cyrillic text gets Russian, with the Russian phrases as examples
    await runner.run(ctx, "расскажи анекдот")
    answer = outbox.texts()[-1]
    assert answer.startswith("Языковая модель здесь не настроена")
    assert "• найди …" in answer and "• что качается" in answer


async def test_user_who_chose_offline_is_pointed_to_model_instead_of_setup(
    sqlite_db: Database,
) -> None:
    world = World(sqlite_db)
    model = build_offline_model(
        FilmTools().skill().intents, world.catalog, "en", providers_configured=True
    )
    agent: Agent[None, str] = Agent(model)
    result = await agent.run("tell me a joke")
    assert "/model" in result.output
    assert "ANTHROPIC_API_KEY" not in result.output


async def test_failing_tool_is_reported_briefly_and_counted(sqlite_db: Database) -> None:
    world = World(sqlite_db)
    registry = Registry([FilmTools().skill()])
    runner = world.runner(registry)
    ctx, outbox = await world.context(lang="ru")
    await runner.run(ctx, "Что качается?")
    assert outbox.texts()[-1].startswith("К сожалению, не получилось")
    assert "downloads" in outbox.texts()[-1]
    assert metric(world, "concierge_tool_failures_total", tool="downloads") == 1


async def test_intent_whose_tool_is_not_registered_is_ignored(sqlite_db: Database) -> None:
    world = World(sqlite_db)
    orphan = Intent(tool="missing_tool", patterns=[re.compile(r"hello")])
    model = build_offline_model([orphan], world.catalog, "en")
    result = await Agent(model).run("hello")
    assert result.output.startswith("No language model is configured")
    assert "For example" not in result.output


def test_example_phrases_are_rendered_from_patterns() -> None:
    cases: dict[str, Any] = {
        r"(?:find|search for)\s+(?P<query>.+)": "find …",
        r"(?:show )?my watchlist": "my watchlist",
        r"что\s+качается\??": "что качается",
        r"add (?P<n>\d+) to [a-z]+": "add … to a",
    }
    for pattern, phrase in cases.items():
        assert example_phrase(re.compile(pattern)) == phrase


async def test_each_user_is_answered_in_their_own_language_by_one_runner(
    sqlite_db: Database,
) -> None:
    """The offline model is built once per language; users in turn keep their own."""
    world = World(sqlite_db)
    runner = world.runner(Registry([FilmTools().skill()]))
    replies: list[str] = []
    for platform_id, lang in [(1, "en"), (2, "ru"), (3, "en"), (4, "ru")]:
        ctx, outbox = await world.context(platform_id=platform_id, lang=lang)
        await runner.run(ctx, "tell me a joke")  # Latin script: the user's language answers
        replies.append(outbox.texts()[-1])
    assert [r.startswith("No language model is configured") for r in replies] == [
        True,
        False,
        True,
        False,
    ]
    assert all(r.startswith("Языковая модель здесь не настроена") for r in replies[1::2])
