"""Long-term memory with a scripted model: the agent writes a core block in one run and
finds it in its instructions on the next; a full block is compacted; notes are recalled."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

from pydantic_ai.messages import ModelMessage, ModelRequest, ToolReturnPart, UserPromptPart
from pydantic_ai.models.function import AgentInfo, DeltaToolCall, DeltaToolCalls, FunctionModel

from concierge.core.agent import PydanticAgentRunner
from concierge.storage.repos import HistoryRepo
from tests.fakes.agent import FakeModels
from tests.support.app import Person, running_app

PREFERENCE = "Prefers slow, thoughtful sci-fi; dislikes jump scares"


class MemoryScript:
    """ "save …" calls memory_write with the rest; anything else is answered "ok".
    Records each request's instructions, as the model received them."""

    def __init__(self) -> None:
        self.instructions: list[str] = []

    async def stream(
        self, messages: list[ModelMessage], _info: AgentInfo
    ) -> AsyncIterator[str | DeltaToolCalls]:
        last = messages[-1]
        assert isinstance(last, ModelRequest)
        self.instructions.append(last.instructions or "")
        if any(isinstance(p, ToolReturnPart) for p in last.parts):
            yield "Saved."
            return
        prompt = next(p.content for p in last.parts if isinstance(p, UserPromptPart))
        assert isinstance(prompt, str)
        if prompt.startswith("save "):
            block, _, text = prompt.removeprefix("save ").partition(": ")
            args = {"block": block, "text": text}
            yield {
                0: DeltaToolCall(name="memory_write", json_args=json.dumps(args), tool_call_id="m1")
            }
            return
        yield "ok"


async def test_a_preference_written_in_one_run_is_in_the_next_runs_instructions(
    tmp_path: Path,
) -> None:
    script = MemoryScript()
    async with running_app(tmp_path, access_mode="open") as app:
        app.dispatcher.agent = PydanticAgentRunner(
            models=FakeModels(FunctionModel(stream_function=script.stream)),
            registry=app.registry,
            history=HistoryRepo(app.db),
            metrics=app.metrics,
        )
        ann, bob = Person(app, 501, "Ann"), Person(app, 502, "Bob")
        await ann.say(f"save preferences: {PREFERENCE}")
        assert PREFERENCE not in script.instructions[0]  # nothing known before the write
        await ann.say("what should I watch tonight?")
        assert PREFERENCE in script.instructions[-1]
        assert '<block name="preferences" chars="' in script.instructions[-1]
        await bob.say("hello")
        assert PREFERENCE not in script.instructions[-1]  # Ann's memory is Ann's

        for n in range(20):  # fills the block past 70 % of its 1000 characters
            await ann.say(f"save preferences: liked title number {n:02d}, a long slow film")
        last = script.instructions[-1]
        block = last.split('<block name="preferences" chars="')[1].split('"')[0]
        used, limit = (int(x) for x in block.split("/"))
        assert limit == 1000 and used <= 700  # never past 70 %: compacted on the way
        content = last.split('<block name="preferences"')[1].split("</block>")[0]
        assert "; " in content.splitlines()[1]  # the oldest entries merged into one line
        assert "liked title number 19" in content  # the newest entry whole
        profile = (await ann.say("/profile")).texts()[-1]
        assert "preferences (" in profile and "/1000)" in profile


async def test_remember_and_recall_offline_in_both_languages(tmp_path: Path) -> None:
    async with running_app(tmp_path, access_mode="open", llm_provider="offline") as app:
        ann = Person(app, 601, "Ann")
        await ann.say("remember that my daughter loves Studio Ghibli films")
        assert ann.outbox.texts()[-2:] == ["📝 Noted.", "Done."]
        await ann.say("what do you remember about Ghibli")
        assert "my daughter loves Studio Ghibli films" in ann.outbox.texts()[-2]
        vera = Person(app, 602, "Вера", lang="ru")
        await vera.say("запомни, что я смотрю фильмы только с субтитрами")
        await vera.say("что ты помнишь про субтитры")
        assert any("только с субтитрами" in t for t in vera.outbox.texts())


async def test_learnings_are_derived_after_every_ten_watched_titles(tmp_path: Path) -> None:
    from concierge.skills.movies.lists import ListEntry, TitleLists

    async with running_app(tmp_path, access_mode="open") as app:
        ann = Person(app, 801, "Ann")
        await ann.say("/profile")
        user = await app.users.find("telegram", 801)
        assert user is not None
        lists = TitleLists(app.db)
        for n in range(9):
            genres, rating = (("scifi",), 9) if n % 3 else (("horror",), 2)
            people = ("Denis Villeneuve",) if n in (1, 2, 4) else ()
            entry = ListEntry(
                f"movie:{n}", f"Film {n}", genres=genres, people=people, rating=rating
            )
            await lists.mark_watched(user.id, entry)
        await ann.say("/profile")
        assert "learnings" not in ann.outbox.texts()[-1]  # nine: not yet
        await lists.mark_watched(
            user.id, ListEntry("movie:99", "Film 99", genres=("scifi",), rating=8)
        )
        await ann.say("/profile")
        shown = ann.outbox.texts()[-1]
        assert "learnings (" in shown and "Rates high: sci-fi (avg 8.9, 7)" in shown
        assert "Rates low: horror (avg 2.0, 3)" in shown
        assert "Enjoys work of: Denis Villeneuve" in shown
