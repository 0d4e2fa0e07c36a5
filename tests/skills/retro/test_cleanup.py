"""Clean-up of answers: offline rules in English and Russian, or the configured model."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from pydantic_ai.messages import ModelMessage, ModelRequest, ModelResponse, TextPart
from pydantic_ai.models.function import AgentInfo, FunctionModel
from pydantic_ai.usage import RequestUsage
from sqlalchemy import select

from concierge.adapters.retro_assembly import retro_cleaner, retro_model
from concierge.skills.retro.cleanup import PROMPT, ModelCleaner, Prices, RuleCleaner
from concierge.skills.retro.models import RetroAnswerRow
from concierge.skills.retro.store import RetroStore
from concierge.skills.retro.themes import PROMPT as THEMES_PROMPT
from concierge.skills.retro.themes import ModelThemes
from concierge.storage.db import Database
from tests.support.app import test_settings as make_settings


@pytest.mark.parametrize(
    ("spoken", "cleaned"),
    [
        ("um so I I finished the the report , uh and it went well",
         "So I finished the report, and it went well."),
        ("i had had enough. then i left", "I had had enough. Then I left."),
        ("you know, the demo worked", "The demo worked."),
        ("ну сегодня я э закончил отчёт отчёт и как бы всё хорошо",
         "Сегодня я закончил отчёт и всё хорошо."),
        ("короче, созвон   прошёл нормально", "Созвон прошёл нормально."),
        ("Already clean!", "Already clean!"),
    ],
)  # fmt: skip
async def test_rules_remove_fillers_and_repeats_and_punctuate(spoken: str, cleaned: str) -> None:
    result = await RuleCleaner().clean(spoken, "en")  # the answer's own language counts
    assert result.text == cleaned
    assert (result.cleaner, result.tokens_in, result.cost_usd) == ("rules-v1", 0, 0.0)


def model_answering(text: str, seen: list[str]) -> FunctionModel:
    def answer(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        seen.append(info.instructions or "")
        request = messages[-1]
        assert isinstance(request, ModelRequest)
        return ModelResponse(
            parts=[TextPart(text)], usage=RequestUsage(input_tokens=180, output_tokens=14)
        )

    return FunctionModel(answer)


async def test_the_model_cleans_with_the_versioned_prompt_and_its_cost_is_recorded(
    db: Database,
) -> None:
    seen: list[str] = []
    cleaner = ModelCleaner(
        model_answering("So I finished the report, and it went well.", seen),
        "openai:gpt-4.1-mini",
        Prices(input_per_mtok=0.4, output_per_mtok=1.6),
    )
    spoken = "um so I I finished the the report uh and it went well"
    result = await cleaner.clean(spoken, "en")
    assert seen == [PROMPT]
    assert result.text == "So I finished the report, and it went well."
    assert result.cleaner == "llm-v1:openai:gpt-4.1-mini"
    assert (result.tokens_in, result.tokens_out) == (180, 14)
    assert result.cost_usd == pytest.approx((180 * 0.4 + 14 * 1.6) / 1e6)
    store = RetroStore(db)
    now = datetime(2026, 3, 5, 18, 0)
    retro = await store.open(1, date(2026, 3, 5), now, restart=False)
    await store.save_answer(retro, "went_well", spoken, result, now, mood=None)
    async with db.session() as s:
        row = await s.scalar(select(RetroAnswerRow))
    assert row is not None
    assert (row.raw, row.cleaned) == (spoken, result.text)
    assert (row.tokens_in, row.tokens_out, row.cleaner) == (180, 14, result.cleaner)
    assert row.cost_usd == pytest.approx(result.cost_usd)


async def test_a_failing_or_inventing_model_falls_back_to_the_rules() -> None:
    def broken(_messages: list[ModelMessage], _info: AgentInfo) -> ModelResponse:
        raise ConnectionError("provider down")

    spoken = "uh the the demo worked"
    fallback = await ModelCleaner(FunctionModel(broken), "x", Prices()).clean(spoken, "en")
    assert (fallback.text, fallback.cleaner) == ("The demo worked.", "rules-v1")
    story = "The demo worked. " + "Then the whole team celebrated with a long dinner. " * 5
    invented = await ModelCleaner(model_answering(story, []), "x", Prices()).clean(spoken, "en")
    assert invented.text == "The demo worked."  # more than it was told is not kept
    assert invented.tokens_in == 180  # what the call cost is still recorded


def test_the_clean_up_follows_the_settings(tmp_path: Path) -> None:
    offline = make_settings(tmp_path)
    assert isinstance(retro_cleaner(offline, retro_model(offline)), RuleCleaner)
    keyed = make_settings(tmp_path, openai_api_key="sk-test-not-used", llm_provider="openai")
    found = retro_model(keyed)
    assert found is not None and found[1] == "openai:gpt-4.1-mini"
    assert isinstance(retro_cleaner(keyed, found), ModelCleaner)
    rules = make_settings(tmp_path, openai_api_key="sk-test", retro_cleanup="rules")
    assert isinstance(retro_cleaner(rules, retro_model(rules)), RuleCleaner)
    wanted = make_settings(tmp_path, retro_cleanup="llm")
    with pytest.raises(ValueError, match="RETRO_CLEANUP=llm needs a language model"):
        retro_cleaner(wanted, retro_model(wanted))


async def test_themes_come_from_the_model_and_a_failure_gives_none() -> None:
    seen: list[str] = []
    finder = ModelThemes(model_answering("- Code reviews\n\nDeadlines\n" + "x" * 100, seen), "m")
    assert await finder.themes(["review went well", "another review"], "en") == [
        "Code reviews",
        "Deadlines",
    ]
    assert seen == [THEMES_PROMPT]
    assert await finder.themes([], "en") == []

    def broken(_messages: list[ModelMessage], _info: AgentInfo) -> ModelResponse:
        raise TimeoutError

    assert await ModelThemes(FunctionModel(broken), "m").themes(["a"], "ru") == []
