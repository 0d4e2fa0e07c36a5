"""Answer clean-up: a language model with a versioned prompt, or offline rules (en, ru).

Both only remove (fillers, stutters) and repair (capitals, punctuation); neither adds
content. The original is always kept beside the result by the caller.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

import structlog
from pydantic_ai import Agent
from pydantic_ai.models import Model

from concierge.skills.retro.ports import Cleaned, Cleaner

log = structlog.get_logger(__name__)

RULES_VERSION = "rules-v1"
PROMPT_VERSION = "llm-v1"
PROMPT = """You clean up one answer from a person's daily retrospective; it was often
dictated, so it may contain filler words, repetitions, false starts and no punctuation.
Return only the cleaned answer, in the answer's own language: remove fillers and
repetitions, fix punctuation and capitalisation, keep every fact, word choice and the
first person. Never add, summarise, translate or comment. If it is already clean,
return it unchanged."""

_FILLERS = {
    "en": [r"u+m+", r"u+h+", r"e+r+m*", r"h+m+", r"a+h+", r"you know", r"i mean", r"like,"],
    "ru": [r"э+", r"э+м+", r"м+", r"ну", r"как бы", r"типа", r"короче", r"это самое", r"в общем"],
}
_SPACE = re.compile(r"\s+")
_REPEAT = re.compile(r"\b(\w+)(?:[\s,]+\1\b)+", re.IGNORECASE | re.UNICODE)
_SPACE_BEFORE_MARK = re.compile(r"\s+([,.!?;:])")
_DOUBLE_COMMA = re.compile(r",\s*(?=[,.!?])")
_SENTENCE_START = re.compile(r"(^|[.!?]\s+)(\w)", re.UNICODE)


def _filler_pattern(lang: str) -> re.Pattern[str]:
    words = _FILLERS["ru" if lang == "ru" else "en"] + (_FILLERS["en"] if lang == "ru" else [])
    # a filler stands alone: between boundaries, with the comma(s) around it
    return re.compile(
        r"(?:^|(?<=[\s,.!?]))(?:" + "|".join(words) + r")(?=$|[\s,.!?])[,]?",
        re.IGNORECASE | re.UNICODE,
    )


_REAL_REPEATS = {"had", "that", "is", "no", "very", "да", "нет", "очень"}  # "I had had enough"


def _fold_repeat(match: re.Match[str]) -> str:
    word = match.group(1)
    return match.group(0) if word.lower() in _REAL_REPEATS else word


def clean_by_rules(text: str, lang: str) -> str:
    """Fillers out, stutters ("I I think") folded, capitals and a final full stop."""
    result = _SPACE.sub(" ", text).strip()
    result = _filler_pattern(lang).sub(" ", result)
    result = _REPEAT.sub(_fold_repeat, result)
    result = _SPACE.sub(" ", result).strip(" ,")
    result = _SPACE_BEFORE_MARK.sub(r"\1", result)
    result = _DOUBLE_COMMA.sub("", result)
    if not result:
        return text.strip()
    result = _SENTENCE_START.sub(lambda m: m.group(1) + m.group(2).upper(), result)
    result = re.sub(r"\bi\b", "I", result) if lang != "ru" else result
    if result[-1] not in ".!?…":
        result += "."
    return result


def text_language(text: str, fallback: str) -> str:
    """ "ru" when most letters are Cyrillic: people answer in the language they speak,
    whatever the bot's interface language is."""
    cyrillic = sum(1 for c in text if "а" <= c.lower() <= "я" or c in "ёЁ")
    latin = sum(1 for c in text if "a" <= c.lower() <= "z")
    if cyrillic or latin:
        return "ru" if cyrillic > latin else "en"
    return fallback


class RuleCleaner:
    """The offline clean-up: no model, no cost."""

    async def clean(self, text: str, lang: str) -> Cleaned:
        return Cleaned(clean_by_rules(text, text_language(text, lang)), RULES_VERSION)


@dataclass(frozen=True, slots=True)
class Prices:
    """USD per million tokens, from settings; 0 when the operator did not say."""

    input_per_mtok: float = 0.0
    output_per_mtok: float = 0.0

    def cost(self, tokens_in: int, tokens_out: int) -> float:
        return (tokens_in * self.input_per_mtok + tokens_out * self.output_per_mtok) / 1e6


class ModelCleaner:
    """The configured language model with ``PROMPT``; the rules when it fails or invents."""

    def __init__(self, model: Model, label: str, prices: Prices, timeout: float = 20.0) -> None:
        self._agent: Agent[None, str] = Agent(model, instructions=PROMPT, output_type=str)
        self._label = label
        self._prices = prices
        self._timeout = timeout
        self._fallback = RuleCleaner()

    async def clean(self, text: str, lang: str) -> Cleaned:
        try:
            result = await asyncio.wait_for(self._agent.run(text), self._timeout)
        except Exception as exc:  # provider errors vary; the answer is kept either way
            log.warning("retro_cleanup_failed", model=self._label, error=type(exc).__name__)
            return await self._fallback.clean(text, lang)
        cleaned = result.output.strip()
        usage = result.usage
        tokens_in, tokens_out = usage.input_tokens or 0, usage.output_tokens or 0
        made_by = f"{PROMPT_VERSION}:{self._label}"[:48]
        if not cleaned or len(cleaned) > len(text) * 1.3 + 20:  # the model wrote something new
            log.warning("retro_cleanup_rejected", model=self._label, chars=len(cleaned))
            cleaned, made_by = clean_by_rules(text, text_language(text, lang)), RULES_VERSION
        return Cleaned(
            cleaned,
            made_by,
            tokens_in,
            tokens_out,
            self._prices.cost(tokens_in, tokens_out),
        )


__all__ = ["Cleaner", "ModelCleaner", "Prices", "RuleCleaner", "clean_by_rules"]
